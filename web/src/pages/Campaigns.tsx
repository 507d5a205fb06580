/*
 * Campaigns: named, coloured groups of posts with optional dates. Listing
 * with post counts, creating, editing and deleting (the posts stay, without
 * a campaign). A campaign's "Show on calendar" filters the calendar by it.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { del, get, messageOf, patch, post, seg } from '../api';
import type { Workspace } from '../api';
import { Page } from '../components/Layout';
import { ConfirmButton, EmptyState, ErrorBox, FormError, Loading, SubmitButton, TextField, check, useAction } from '../components/ui';
import { CampaignSwatch, campaignsOf } from '../components/PostBits';
import { formatDay, safeColor } from '../posts';
import type { Campaign } from '../posts';
import { Link } from '../router';
import { currentWorkspace, useSession } from '../session';
import { canEdit, roleLabel } from '../util';
import { Icon, WithWorkspace } from './Sections';
import '../styles/posts.css';

const PALETTE = ['#4338ca', '#2f855a', '#b7791f', '#c53030', '#2b6cb0', '#805ad5', '#d53f8c', '#319795'];

function CampaignForm({
  workspace,
  campaign,
  onSaved,
  onCancel,
  index,
}: {
  workspace: Workspace;
  campaign: Campaign | null;
  onSaved: (c: Campaign) => void;
  onCancel?: () => void;
  index: number;
}) {
  const [name, setName] = useState(campaign?.name ?? '');
  const [color, setColor] = useState(safeColor(campaign?.color) ?? PALETTE[index % PALETTE.length]!);
  const [starts, setStarts] = useState(campaign?.starts_on ?? '');
  const [ends, setEnds] = useState(campaign?.ends_on ?? '');
  const [description, setDescription] = useState(campaign?.description ?? '');
  const { busy, error, submit, formRef } = useAction();
  const id = campaign ? `campaign-${campaign.id}` : 'campaign-new';
  const firstRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (campaign) firstRef.current?.querySelector('input')?.focus();
  }, []);
  const errFor = (f: string) => {
    const e = error as { field?: string | null; fields?: Record<string, string>; message?: string } | null;
    if (!e) return null;
    if (e.fields) return e.fields[f] ?? null;
    return e.field === f ? (e.message ?? null) : null;
  };

  return (
    <form
      ref={formRef}
      class={campaign ? 'form campaign-edit' : 'card form'}
      aria-label={campaign ? `Edit ${campaign.name}` : undefined}
      aria-labelledby={campaign ? undefined : 'campaign-new-heading'}
      noValidate
      onSubmit={submit(async () => {
        check([
          ['name', name.trim() !== '', 'Give the campaign a name.'],
          ['ends_on', !starts || !ends || ends >= starts, 'The end date is before the start date.'],
        ]);
        const body = {
          name: name.trim(),
          color,
          description: description.trim(),
          starts_on: starts || null,
          ends_on: ends || null,
        };
        const base = `/workspaces/${seg(workspace.id)}/campaigns`;
        const r = campaign ? await patch<{ campaign?: Campaign }>(`${base}/${seg(campaign.id)}`, body) : await post<{ campaign?: Campaign }>(base, body);
        const saved = (r?.campaign ?? (r as unknown as Campaign)) as Campaign;
        onSaved({ ...(campaign ?? { post_count: 0 }), ...body, ...saved });
        if (!campaign) {
          setName('');
          setDescription('');
          setStarts('');
          setEnds('');
          setColor(PALETTE[(index + 1) % PALETTE.length]!);
        }
      })}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && onCancel && !busy) onCancel();
      }}
    >
      {!campaign && <h2 id="campaign-new-heading">New campaign</h2>}
      <FormError error={error} fields={['name', 'color', 'starts_on', 'ends_on', 'description']} />
      <div ref={firstRef} class="campaign-fields">
        <TextField
          id={`${id}-name`}
          name="name"
          label="Name"
          required
          maxLength={200}
          value={name}
          error={error}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <div class={errFor('color') ? 'field field-invalid field-color' : 'field field-color'}>
          <label for={`${id}-color`}>Colour</label>
          <input
            id={`${id}-color`}
            name="color"
            type="color"
            value={color}
            aria-describedby={errFor('color') ? `${id}-color-error` : undefined}
            onInput={(e) => setColor(e.currentTarget.value)}
          />
          {errFor('color') && (
            <p class="field-error" id={`${id}-color-error`}>
              {errFor('color')}
            </p>
          )}
        </div>
        {(['starts_on', 'ends_on'] as const).map((f) => (
          <div key={f} class={errFor(f) ? 'field field-invalid' : 'field'}>
            <label for={`${id}-${f}`}>
              {f === 'starts_on' ? 'Starts' : 'Ends'}
              <span class="optional"> (optional)</span>
            </label>
            <input
              id={`${id}-${f}`}
              name={f}
              type="date"
              value={f === 'starts_on' ? starts : ends}
              aria-invalid={errFor(f) ? 'true' : undefined}
              aria-describedby={errFor(f) ? `${id}-${f}-error` : undefined}
              onInput={(e) => (f === 'starts_on' ? setStarts(e.currentTarget.value) : setEnds(e.currentTarget.value))}
            />
            {errFor(f) && (
              <p class="field-error" id={`${id}-${f}-error`}>
                {errFor(f)}
              </p>
            )}
          </div>
        ))}
      </div>
      <div class={errFor('description') ? 'field field-invalid' : 'field'}>
        <label for={`${id}-description`}>
          Description<span class="optional"> (optional)</span>
        </label>
        <textarea
          id={`${id}-description`}
          name="description"
          rows={2}
          maxLength={2000}
          value={description}
          aria-describedby={errFor('description') ? `${id}-description-error` : undefined}
          onInput={(e) => setDescription(e.currentTarget.value)}
        />
        {errFor('description') && (
          <p class="field-error" id={`${id}-description-error`}>
            {errFor('description')}
          </p>
        )}
      </div>
      <div class="form-actions">
        <SubmitButton busy={busy} busyText="Saving…">
          {campaign ? 'Save' : 'Create campaign'}
        </SubmitButton>
        {onCancel && (
          <button type="button" class="button button-secondary" disabled={busy} onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

function dates(c: Campaign): string | null {
  const s = c.starts_on ? formatDay(c.starts_on, { day: 'numeric', month: 'short', year: 'numeric' }) : null;
  const e = c.ends_on ? formatDay(c.ends_on, { day: 'numeric', month: 'short', year: 'numeric' }) : null;
  if (s && e) return `${s} – ${e}`;
  if (s) return `from ${s}`;
  if (e) return `until ${e}`;
  return null;
}

function CampaignRow({
  c,
  workspace,
  mayEdit,
  onSaved,
  onDelete,
}: {
  c: Campaign;
  workspace: Workspace;
  mayEdit: boolean;
  onSaved: (c: Campaign) => void;
  onDelete: () => Promise<void>;
}) {
  const [editing, setEditing] = useState(false);
  const editRef = useRef<HTMLButtonElement>(null);
  const was = useRef(false);
  useEffect(() => {
    if (!editing && was.current) editRef.current?.focus();
    was.current = editing;
  }, [editing]);
  const n = c.post_count ?? 0;
  const when = dates(c);
  return (
    <li class="row campaign-row">
      <div class="row-main">
        <p class="row-title">
          <CampaignSwatch color={c.color} />
          <span>{c.name}</span>
          <span class="badge">
            {n} post{n === 1 ? '' : 's'}
          </span>
        </p>
        {(when || c.description) && (
          <p class="row-meta">
            {when}
            {when && c.description ? ' · ' : ''}
            {c.description}
          </p>
        )}
        {editing && (
          <CampaignForm
            workspace={workspace}
            campaign={c}
            index={0}
            onSaved={(saved) => {
              onSaved(saved);
              setEditing(false);
            }}
            onCancel={() => setEditing(false)}
          />
        )}
      </div>
      {!editing && (
        <div class="row-actions">
          <Link class="button button-secondary button-small" href={`/calendar?campaign_id=${c.id}`} aria-label={`Show ${c.name} on the calendar`}>
            Show on calendar
          </Link>
          {mayEdit && (
            <>
              <button ref={editRef} type="button" class="button button-secondary button-small" aria-label={`Edit ${c.name}`} onClick={() => setEditing(true)}>
                Edit
              </button>
              <ConfirmButton
                label="Delete"
                accessibleName={`Delete ${c.name}`}
                confirmLabel="Yes, delete"
                question={`Delete ${c.name}?`}
                detail={n > 0 ? `Its ${n} post${n === 1 ? ' stays' : 's stay'}, without a campaign.` : 'It has no posts.'}
                onConfirm={onDelete}
              />
            </>
          )}
        </div>
      )}
    </li>
  );
}

function CampaignsBody({ workspace }: { workspace: Workspace }) {
  const mayEdit = canEdit(workspace.role);
  const [list, setList] = useState<Campaign[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [rowError, setRowError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    setError(null);
    get<unknown>(`/workspaces/${seg(workspace.id)}/campaigns`).then(
      (r) => {
        if (live) setList(campaignsOf(r));
      },
      (err: unknown) => {
        if (live) setError(err);
      },
    );
    return () => {
      live = false;
    };
  }, [workspace.id, tick]);

  if (error) return <ErrorBox error={error} onRetry={() => setTick((n) => n + 1)} />;
  if (!list) return <Loading label="Loading campaigns…" />;
  return (
    <>
      <p class="visually-hidden" role="status">
        {status}
      </p>
      {mayEdit ? (
        <CampaignForm
          workspace={workspace}
          campaign={null}
          index={list.length}
          onSaved={(c) => {
            setList((l) => [...(l ?? []), c]);
            setStatus(`The campaign ${c.name} was created.`);
          }}
        />
      ) : (
        <p class="notice">Editors and up create and change campaigns.</p>
      )}
      <h2 class="section-heading" id="campaign-list-heading">
        Campaigns
      </h2>
      {rowError && (
        <p class="form-error" role="alert">
          {rowError}
        </p>
      )}
      {list.length === 0 ? (
        <EmptyState title="No campaigns yet" icon={<Icon name="calendar" />}>
          <p>Group posts into campaigns to see them in one colour on the calendar and filter by them.</p>
        </EmptyState>
      ) : (
        <ul class="rows" aria-labelledby="campaign-list-heading">
          {list.map((c) => (
            <CampaignRow
              key={c.id}
              c={c}
              workspace={workspace}
              mayEdit={mayEdit}
              onSaved={(saved) => {
                setList((l) => (l ? l.map((x) => (x.id === saved.id ? { ...x, ...saved } : x)) : l));
                setStatus(`${saved.name} saved.`);
              }}
              onDelete={async () => {
                setRowError(null);
                try {
                  await del(`/workspaces/${seg(workspace.id)}/campaigns/${seg(c.id)}`);
                  setList((l) => (l ? l.filter((x) => x.id !== c.id) : l));
                  setStatus(`${c.name} was deleted.`);
                } catch (err) {
                  setRowError(`Could not delete ${c.name}: ${messageOf(err)}`);
                }
              }}
            />
          ))}
        </ul>
      )}
    </>
  );
}

export function Campaigns() {
  const session = useSession();
  const workspace = currentWorkspace(session);
  return (
    <Page title="Campaigns" heading="Campaigns" intro={workspace ? `${workspace.name} · you are ${roleLabel(workspace.role).toLowerCase()}` : undefined}>
      <WithWorkspace>
        {workspace && (
          <div key={workspace.id}>
            <CampaignsBody workspace={workspace} />
          </div>
        )}
      </WithWorkspace>
    </Page>
  );
}
