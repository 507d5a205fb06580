/*
 * Settings → Webhooks (admins and owners): the workspace's events POSTed to
 * URLs of its own. List, add (the signing secret shown once), change, rotate
 * the secret, delete, send a test, and each webhook's delivery log.
 * docs/api.md, "Webhooks".
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, del, get, messageOf, patch, post, seg } from '../../api';
import type { Workspace } from '../../api';
import {
  CheckboxField,
  ConfirmButton,
  CopyField,
  EmptyState,
  ErrorBox,
  FormError,
  Loading,
  SubmitButton,
  TextField,
  check,
  fieldError,
  useAction,
  useLoad,
} from '../../components/ui';
import { NOTIFICATION_KINDS } from '../../notifications';
import { formatTime } from '../../util';
import { WorkspacePage } from './SettingsLayout';

interface Webhook {
  id: number;
  workspace_id: number;
  url: string;
  events: string[];
  active: boolean;
  created_by: number | null;
  created_at: string;
  updated_at: string;
}

interface Delivery {
  id: number;
  webhook_id: number;
  event: string;
  state: 'pending' | 'delivered' | 'failed' | string;
  attempts: number;
  response_status: number | null;
  error: string | null;
  created_at: string;
  delivered_at: string | null;
  next_attempt_at: string | null;
}

interface DeliveryPage {
  deliveries: Delivery[];
  next_cursor: number | null;
}

/** A workspace has at most this many (the server says so too). */
const MAX_WEBHOOKS = 20;
const LOG_PAGE = 20;
/** While a delivery is pending, the open log is read again this often. */
const LOG_POLL_MS = 2000;

const hooksPath = (ws: number) => `/workspaces/${seg(ws)}/webhooks`;
const hookPath = (ws: number, id: number) => `${hooksPath(ws)}/${seg(id)}`;

function hostOf(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

function eventsText(events: readonly string[]): string {
  if (events.includes('*')) return 'Every event';
  return events.map((e) => NOTIFICATION_KINDS.find((k) => k.kind === e)?.label ?? e).join(' · ');
}

/* ---------- The form (add and change) ---------- */

function WebhookForm({
  workspace,
  hook,
  onSaved,
  onCancel,
}: {
  workspace: Workspace;
  hook?: Webhook;
  onSaved: (hook: Webhook, secret: string | null) => void;
  onCancel?: () => void;
}) {
  const idp = hook ? `hook-${hook.id}` : 'hook-new';
  const [url, setUrl] = useState(hook?.url ?? '');
  const [all, setAll] = useState(hook ? hook.events.includes('*') : true);
  const [chosen, setChosen] = useState<string[]>(hook && !hook.events.includes('*') ? hook.events : []);
  const [active, setActive] = useState(hook?.active ?? true);
  const { busy, error, submit, formRef } = useAction();
  const eventsError =
    fieldError(error, 'events') ?? (error instanceof ApiError && error.field?.startsWith('events[') ? error.message : null);

  const onSubmit = submit(async () => {
    check([
      ['url', url.trim() !== '', 'Give the address to send the events to.'],
      ['url', url.trim() === '' || /^https?:\/\/\S+$/i.test(url.trim()), 'The address starts with https:// (or http://).'],
      ['events', all || chosen.length > 0, 'Choose at least one kind of event, or every event.'],
    ]);
    const body = { url: url.trim(), events: all ? ['*'] : NOTIFICATION_KINDS.map((k) => k.kind).filter((k) => chosen.includes(k)), active };
    if (hook) {
      const r = await patch<{ webhook: Webhook }>(hookPath(workspace.id, hook.id), body);
      onSaved(r.webhook, null);
    } else {
      const r = await post<{ webhook: Webhook; secret: string }>(hooksPath(workspace.id), body);
      onSaved(r.webhook, r.secret);
    }
  });

  return (
    <form
      class={hook ? 'form hook-form' : 'card form hook-form'}
      ref={formRef}
      onSubmit={onSubmit}
      noValidate
      aria-label={hook ? `Change the webhook to ${hostOf(hook.url)}` : 'Add a webhook'}
    >
      {!hook && <h2>Add a webhook</h2>}
      <FormError error={error} fields={['url', 'events', 'active']} />
      <TextField
        id={`${idp}-url`}
        name="url"
        label="Address (URL)"
        type="url"
        required
        maxLength={2048}
        autoComplete="off"
        spellcheck={false}
        placeholder="https://example.com/hooks/post2share"
        hint="Each event is POSTed here as JSON, signed with the webhook's secret (the X-Post2Share-Signature header)."
        value={url}
        onInput={(e) => setUrl(e.currentTarget.value)}
        error={error}
      />
      <fieldset
        class={eventsError ? 'field fieldset field-invalid' : 'field fieldset'}
        aria-describedby={eventsError ? `${idp}-events-error` : undefined}
      >
        <legend>Events</legend>
        <div class="field field-check">
          <input
            id={`${idp}-all`}
            type="radio"
            name="events"
            checked={all}
            onChange={(e) => e.currentTarget.checked && setAll(true)}
          />
          <label for={`${idp}-all`}>Every event (kinds added later too)</label>
        </div>
        <div class="field field-check">
          <input
            id={`${idp}-some`}
            type="radio"
            name="events"
            checked={!all}
            onChange={(e) => e.currentTarget.checked && setAll(false)}
          />
          <label for={`${idp}-some`}>Only these:</label>
        </div>
        <div class="hook-events" role="group" aria-label="Kinds of event">
          {NOTIFICATION_KINDS.map((k) => (
            <CheckboxField
              key={k.kind}
              id={`${idp}-ev-${k.kind.replace(/\W/g, '-')}`}
              name={`${idp}-ev-${k.kind}`}
              label={
                <>
                  {k.label} <span class="mono muted">{k.kind}</span>
                </>
              }
              disabled={all}
              checked={!all && chosen.includes(k.kind)}
              onChange={(e) => setChosen(e.currentTarget.checked ? [...chosen, k.kind] : chosen.filter((x) => x !== k.kind))}
            />
          ))}
        </div>
        {eventsError && (
          <p class="field-error" id={`${idp}-events-error`}>
            {eventsError}
          </p>
        )}
      </fieldset>
      <CheckboxField
        id={`${idp}-active`}
        name="active"
        label="Active"
        hint="Off, nothing is sent (a test still is)."
        checked={active}
        onChange={(e) => setActive(e.currentTarget.checked)}
      />
      <div class="form-actions">
        <SubmitButton busy={busy} busyText="Saving…">
          {hook ? 'Save changes' : 'Add webhook'}
        </SubmitButton>
        {onCancel && (
          <button type="button" class="button button-secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

/* ---------- The secret, shown once ---------- */

function SecretOnce({ url, secret, rotated, onDone }: { url: string; secret: string; rotated: boolean; onDone: () => void }) {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, [secret]);
  return (
    <section class="card hook-secret" aria-labelledby="hook-secret-title" ref={ref} tabIndex={-1}>
      <h2 id="hook-secret-title">{rotated ? 'The new signing secret' : 'The webhook’s signing secret'}</h2>
      <p>
        For <span class="mono">{url}</span>. Your receiver checks each request’s <code>X-Post2Share-Signature</code> with it
        {rotated ? '; the old secret stopped working just now' : ''}.
      </p>
      <CopyField
        id="hook-secret"
        label="Signing secret"
        value={secret}
        warning="You will not see it again: it is stored encrypted and nobody can read it back. If you lose it, rotate the secret to get a new one."
      />
      <button type="button" class="button button-secondary button-small" onClick={onDone}>
        I have stored it
      </button>
    </section>
  );
}

/* ---------- The delivery log ---------- */

const STATE_LABEL: Record<string, string> = { pending: 'Pending', delivered: 'Delivered', failed: 'Failed' };

function DeliveryLog({
  workspace,
  hook,
  items,
  setItems,
}: {
  workspace: Workspace;
  hook: Webhook;
  items: Delivery[] | null;
  setItems: (d: Delivery[] | null) => void;
}) {
  const base = `${hookPath(workspace.id, hook.id)}/deliveries`;
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState('');
  const [tick, setTick] = useState(0);
  const live = useRef(true);
  useEffect(
    () => () => {
      live.current = false;
    },
    [],
  );

  const refresh = async (say = false) => {
    setBusy(true);
    setError(null);
    try {
      const page = await get<DeliveryPage>(`${base}?limit=${LOG_PAGE}`);
      if (!live.current) return;
      setItems(page.deliveries);
      setNext(page.next_cursor);
      if (say) setStatus(`Delivery log read again: ${page.deliveries.length} shown.`);
    } catch (err) {
      if (live.current) setError(err);
    } finally {
      if (live.current) setBusy(false);
    }
  };

  useEffect(() => {
    void refresh();
  }, [hook.id, tick]);

  // While something is on its way, read the log again now and then.
  const pending = !!items?.some((d) => d.state === 'pending');
  useEffect(() => {
    if (!pending) return;
    const t = window.setTimeout(() => setTick((n) => n + 1), LOG_POLL_MS);
    return () => window.clearTimeout(t);
  }, [pending, items]);

  const loadMore = async () => {
    if (next === null || !items) return;
    setBusy(true);
    setError(null);
    try {
      const page = await get<DeliveryPage>(`${base}?limit=${LOG_PAGE}&cursor=${next}`);
      setItems([...items, ...page.deliveries.filter((d) => !items.some((x) => x.id === d.id))]);
      setNext(page.next_cursor);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const titleId = `hook-log-${hook.id}-title`;
  return (
    <div class="hook-log" id={`hook-log-${hook.id}`}>
      <div class="hook-log-head">
        <h4 id={titleId}>Delivery log</h4>
        <button type="button" class="button button-secondary button-small" disabled={busy} onClick={() => void refresh(true)}>
          Refresh
        </button>
      </div>
      {error !== null && <ErrorBox error={error} onRetry={() => void refresh()} />}
      {items === null && error === null && <Loading label="Loading deliveries…" />}
      {items !== null &&
        (items.length === 0 ? (
          <p class="muted">Nothing sent yet. Send a test to see one here.</p>
        ) : (
          <div class="table-scroll" role="region" aria-labelledby={titleId} tabIndex={0}>
            <table class="data-table hook-log-table" aria-labelledby={titleId}>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">State</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Status code</th>
                  <th scope="col">Error</th>
                  <th scope="col">Created</th>
                  <th scope="col">Delivered or next try</th>
                </tr>
              </thead>
              <tbody>
                {items.map((d) => (
                  <tr key={d.id} data-delivery-id={d.id} data-state={d.state}>
                    <td data-label="Event">
                      <span class="mono">{d.event}</span>
                    </td>
                    <td data-label="State">
                      <span class={`delivery-state delivery-${d.state}`}>{STATE_LABEL[d.state] ?? d.state}</span>
                    </td>
                    <td data-label="Attempts">{d.attempts}</td>
                    <td data-label="Status code">{d.response_status ?? '—'}</td>
                    <td data-label="Error">
                      <span class="cell-detail">{d.error || '—'}</span>
                    </td>
                    <td data-label="Created">
                      <time dateTime={d.created_at}>{formatTime(d.created_at)}</time>
                    </td>
                    <td data-label="Delivered or next try">
                      {d.delivered_at ? (
                        <time dateTime={d.delivered_at}>{formatTime(d.delivered_at)}</time>
                      ) : d.state === 'pending' && d.next_attempt_at ? (
                        <>
                          next try <time dateTime={d.next_attempt_at}>{formatTime(d.next_attempt_at)}</time>
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      {items !== null && next !== null && (
        <p class="list-footer">
          <button type="button" class="button button-secondary button-small" disabled={busy} onClick={loadMore}>
            {busy ? 'Loading…' : 'Load more'}
          </button>
        </p>
      )}
      <p class="visually-hidden" role="status">
        {status}
      </p>
    </div>
  );
}

/* ---------- One webhook ---------- */

function WebhookCard({
  workspace,
  hook,
  onChanged,
  onDeleted,
  onSecret,
}: {
  workspace: Workspace;
  hook: Webhook;
  onChanged: (h: Webhook) => void;
  onDeleted: () => void;
  onSecret: (secret: string) => void;
}) {
  const [editing, setEditing] = useState(false);
  const [logOpen, setLogOpen] = useState(false);
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const [testing, setTesting] = useState(false);
  const [message, setMessage] = useState('');
  const [rowError, setRowError] = useState<string | null>(null);
  const host = hostOf(hook.url);
  const titleId = `hook-${hook.id}-title`;

  const sendTest = async () => {
    setTesting(true);
    setRowError(null);
    setMessage('');
    try {
      const r = await post<{ delivery: Delivery }>(`${hookPath(workspace.id, hook.id)}/test`);
      setDeliveries((d) => (d ? [r.delivery, ...d.filter((x) => x.id !== r.delivery.id)] : d));
      setLogOpen(true);
      setMessage('Test sent: it shows in the delivery log below.');
    } catch (err) {
      setRowError(`Could not send a test: ${messageOf(err)}`);
    } finally {
      setTesting(false);
    }
  };

  return (
    <section class="card hook" aria-labelledby={titleId} data-webhook-id={hook.id}>
      <div class="hook-head">
        <h3 class="hook-url" id={titleId}>
          {hook.url}
        </h3>
        <span class={hook.active ? 'badge badge-success' : 'badge'}>{hook.active ? 'Active' : 'Off'}</span>
      </div>
      {editing ? (
        <WebhookForm
          workspace={workspace}
          hook={hook}
          onSaved={(h) => {
            onChanged(h);
            setEditing(false);
            setMessage('Changes saved.');
          }}
          onCancel={() => setEditing(false)}
        />
      ) : (
        <>
          <dl class="facts">
            <dt>Events</dt>
            <dd>{eventsText(hook.events)}</dd>
            <dt>Added</dt>
            <dd>{formatTime(hook.created_at)}</dd>
            {hook.updated_at !== hook.created_at && (
              <>
                <dt>Changed</dt>
                <dd>{formatTime(hook.updated_at)}</dd>
              </>
            )}
          </dl>
          <div class="hook-actions">
            <button type="button" class="button button-secondary button-small" aria-label={`Edit the webhook to ${host}`} onClick={() => setEditing(true)}>
              Edit
            </button>
            <button
              type="button"
              class="button button-secondary button-small"
              aria-label={`Send a test to ${host}`}
              disabled={testing}
              onClick={sendTest}
            >
              {testing ? 'Sending…' : 'Send test'}
            </button>
            <button
              type="button"
              class="button button-secondary button-small"
              aria-expanded={logOpen ? 'true' : 'false'}
              aria-controls={`hook-log-${hook.id}`}
              onClick={() => setLogOpen(!logOpen)}
            >
              {logOpen ? 'Hide delivery log' : 'Delivery log'}
            </button>
            <ConfirmButton
              label="Rotate secret"
              accessibleName={`Rotate the secret of the webhook to ${host}`}
              confirmLabel="Yes, rotate"
              question="Make a new secret?"
              detail="The old one stops working at once: update your receiver with the new one."
              onConfirm={async () => {
                setRowError(null);
                try {
                  const r = await post<{ webhook: Webhook; secret: string }>(`${hookPath(workspace.id, hook.id)}/rotate-secret`);
                  onChanged(r.webhook);
                  onSecret(r.secret);
                } catch (err) {
                  setRowError(`Could not rotate the secret: ${messageOf(err)}`);
                }
              }}
            />
            <ConfirmButton
              label="Delete"
              accessibleName={`Delete the webhook to ${host}`}
              confirmLabel="Yes, delete"
              question={`Delete the webhook to ${host}?`}
              detail="Nothing more is sent to it, and its delivery log goes too."
              onConfirm={async () => {
                setRowError(null);
                try {
                  await del(hookPath(workspace.id, hook.id));
                  onDeleted();
                } catch (err) {
                  setRowError(`Could not delete it: ${messageOf(err)}`);
                }
              }}
            />
          </div>
        </>
      )}
      {rowError && (
        <p class="form-error" role="alert">
          {rowError}
        </p>
      )}
      <p class="form-status" role="status">
        {message}
      </p>
      {logOpen && <DeliveryLog workspace={workspace} hook={hook} items={deliveries} setItems={setDeliveries} />}
    </section>
  );
}

/* ---------- The page ---------- */

function WebhookList({ workspace }: { workspace: Workspace }) {
  const { data, setData, error, loading, reload } = useLoad(
    () => get<{ webhooks: Webhook[] }>(hooksPath(workspace.id)).then((r) => r.webhooks),
    [workspace.id],
  );
  const [adding, setAdding] = useState(false);
  const [secret, setSecret] = useState<{ url: string; secret: string; rotated: boolean } | null>(null);
  const [status, setStatus] = useState('');
  const addRef = useRef<HTMLButtonElement>(null);

  if (loading && !data) return <Loading label="Loading webhooks…" />;
  if (error) return <ErrorBox error={error} onRetry={reload} />;
  const hooks = data ?? [];
  const full = hooks.length >= MAX_WEBHOOKS;

  return (
    <>
      <p>
        Send what happens in {workspace.name} (posts published or failed, accounts to reconnect, people joining) to a URL of
        your own as a signed JSON POST. Failed deliveries are tried again for a while.
      </p>
      <p class="visually-hidden" role="status">
        {status}
      </p>
      {secret && (
        <SecretOnce
          url={secret.url}
          secret={secret.secret}
          rotated={secret.rotated}
          onDone={() => {
            setSecret(null);
            addRef.current?.focus();
          }}
        />
      )}
      {adding ? (
        <WebhookForm
          workspace={workspace}
          onSaved={(h, s) => {
            setData([...hooks, h]);
            setAdding(false);
            if (s) setSecret({ url: h.url, secret: s, rotated: false });
            setStatus(`Webhook to ${hostOf(h.url)} added.`);
          }}
          onCancel={() => setAdding(false)}
        />
      ) : (
        <p class="page-actions">
          <button ref={addRef} type="button" class="button button-primary button-small" disabled={full} onClick={() => setAdding(true)}>
            Add a webhook
          </button>
          {full && <span class="muted"> A workspace has at most {MAX_WEBHOOKS} webhooks.</span>}
        </p>
      )}
      {hooks.length === 0 && !adding ? (
        <EmptyState title="No webhooks yet">
          <p>Add one to have your own systems hear of published and failed posts as they happen.</p>
        </EmptyState>
      ) : (
        hooks.map((h) => (
          <WebhookCard
            key={h.id}
            workspace={workspace}
            hook={h}
            onChanged={(n) => setData(hooks.map((x) => (x.id === n.id ? n : x)))}
            onDeleted={() => {
              setData(hooks.filter((x) => x.id !== h.id));
              setStatus(`Webhook to ${hostOf(h.url)} deleted.`);
              addRef.current?.focus();
            }}
            onSecret={(s) => setSecret({ url: h.url, secret: s, rotated: true })}
          />
        ))
      )}
    </>
  );
}

export function Webhooks() {
  return (
    <WorkspacePage title="Webhooks" adminOnly>
      {(workspace) => <WebhookList workspace={workspace} />}
    </WorkspacePage>
  );
}
