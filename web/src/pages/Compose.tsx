/*
 * The composer: write a post once, choose accounts and media, tailor it per
 * platform (text, format, options), see live previews, counters and problems
 * (POST /posts/validate as the user types), then save, submit or schedule.
 * /compose is a new post; /compose?post=ID edits one; /compose?date=YYYY-MM-DD
 * starts a new one on that day.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, del, get, isAbort, messageOf, patch, post, seg } from '../api';
import type { MediaItem, MediaPage, SocialAccount, Workspace } from '../api';
import { Page, setFlash } from '../components/Layout';
import { ConfirmButton, ErrorBox, Loading } from '../components/ui';
import { PlatformIcon, StateBadge, refreshPending, useAccounts, useCampaigns } from '../components/PostBits';
import { Preview } from '../components/Preview';
import { nextChange, usePostChanges } from '../live';
import {
  KINDS,
  LOCKED_STATES,
  LINKEDIN_VISIBILITY,
  X_REPLY_SETTINGS,
  YOUTUBE_CATEGORIES,
  YOUTUBE_PRIVACY,
  accountHandle,
  accountLabel,
  counterPath,
  defaultKind,
  formatLocal,
  locate,
  localCounter,
  platformName,
  postLocal,
  problemsOf,
  readValidation,
  stateLabel,
  toPostMedia,
  todayIn,
  zoneLabel,
} from '../posts';
import type {
  Counter,
  Post,
  PostAction,
  PostInput,
  PostMedia,
  Problem,
  ScheduleInput,
  TargetInput,
  Validation,
} from '../posts';
import { navigate } from '../router';
import { currentWorkspace, useSession } from '../session';
import { canContribute, canEdit, roleLabel } from '../util';
import { PostView } from './PostView';
import { WithWorkspace } from './Sections';
import '../styles/posts.css';

/* ---------- The draft being edited ---------- */

interface TargetDraft {
  account_id: number;
  /** Known even when the account is no longer listed. */
  platform: string;
  account_name: string | null;
  /** null: follow the media (the server picks). */
  kind: string | null;
  /** Whether this account gets its own text. */
  custom: boolean;
  text: string;
  options: UiOptions;
}

/** Options as the form holds them (tags as one string, thread parts as texts). */
interface UiOptions {
  reply_settings?: string;
  thread?: string[];
  title?: string;
  tags?: string;
  privacy?: string;
  made_for_kids?: boolean;
  category_id?: string;
  first_comment?: string;
  share_to_feed?: boolean;
  visibility?: string;
  link?: string;
}

interface Draft {
  body: string;
  media: PostMedia[];
  campaign_id: number | null;
  targets: TargetDraft[];
  day: string;
  time: string;
  /** Which of a time that happens twice (clocks going back). */
  fold: 'earlier' | 'later';
}

const EMPTY: Draft = { body: '', media: [], campaign_id: null, targets: [], day: '', time: '', fold: 'earlier' };

function defaultOptions(platform: string): UiOptions {
  switch (platform) {
    case 'x':
      return { reply_settings: 'everyone', thread: [] };
    case 'youtube':
      return { title: '', tags: '', privacy: 'public', category_id: '22' };
    case 'linkedin':
      return { visibility: 'PUBLIC' };
    case 'instagram':
      return { first_comment: '', share_to_feed: true };
    case 'facebook':
      return { link: '' };
    default:
      return {};
  }
}

function optionsFromPost(platform: string, raw: Record<string, unknown> | null): UiOptions {
  const o = { ...defaultOptions(platform) };
  if (!raw) return o;
  const str = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string) : undefined);
  if (platform === 'x') {
    o.reply_settings = str('reply_settings') ?? 'everyone';
    o.thread = Array.isArray(raw.thread)
      ? (raw.thread as unknown[]).map((t) => (t && typeof t === 'object' && typeof (t as { text?: unknown }).text === 'string' ? (t as { text: string }).text : ''))
      : [];
  } else if (platform === 'youtube') {
    o.title = str('title') ?? '';
    o.tags = Array.isArray(raw.tags) ? (raw.tags as unknown[]).filter((t) => typeof t === 'string').join(', ') : (str('tags') ?? '');
    o.privacy = str('privacy') ?? 'public';
    if (typeof raw.made_for_kids === 'boolean') o.made_for_kids = raw.made_for_kids;
    o.category_id = str('category_id') ?? (typeof raw.category_id === 'number' ? String(raw.category_id) : '22');
  } else if (platform === 'linkedin') {
    o.visibility = str('visibility') ?? 'PUBLIC';
  } else if (platform === 'instagram') {
    o.first_comment = str('first_comment') ?? '';
    o.share_to_feed = typeof raw.share_to_feed === 'boolean' ? raw.share_to_feed : true;
  } else if (platform === 'facebook') {
    o.link = str('link') ?? '';
  }
  return o;
}

/** The options as the API takes them: only this platform's, nothing empty. */
function apiOptions(platform: string, o: UiOptions, kind: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const text = (v: string | undefined) => (v ?? '').trim();
  switch (platform) {
    case 'x': {
      if (o.reply_settings) out.reply_settings = o.reply_settings;
      const parts = (o.thread ?? []).filter((t) => t.trim() !== '');
      if (parts.length > 0) out.thread = parts.map((t) => ({ text: t, media: [] }));
      break;
    }
    case 'youtube': {
      if (text(o.title) !== '') out.title = o.title;
      const tags = (o.tags ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '');
      if (tags.length > 0) out.tags = tags;
      if (o.privacy) out.privacy = o.privacy;
      if (typeof o.made_for_kids === 'boolean') out.made_for_kids = o.made_for_kids;
      if (o.category_id) out.category_id = o.category_id;
      break;
    }
    case 'linkedin':
      if (o.visibility) out.visibility = o.visibility;
      break;
    case 'instagram':
      if (text(o.first_comment) !== '') out.first_comment = o.first_comment;
      if (kind === 'reel' && typeof o.share_to_feed === 'boolean') out.share_to_feed = o.share_to_feed;
      break;
    case 'facebook':
      if (kind === 'post' && text(o.link) !== '') out.link = text(o.link);
      break;
  }
  return out;
}

function draftFromPost(p: Post, timeZone: string): Draft {
  const local = p.schedule && p.schedule.mode === 'at' ? postLocal(p.schedule, timeZone) : null;
  return {
    body: p.body ?? '',
    media: Array.isArray(p.media) ? p.media : [],
    campaign_id: p.campaign?.id ?? null,
    targets: (p.targets ?? []).map((t) => ({
      account_id: t.account_id,
      platform: t.platform,
      account_name: t.account_name,
      kind: t.kind,
      custom: t.text !== null && t.text !== undefined,
      text: t.text ?? p.body ?? '',
      options: optionsFromPost(t.platform, t.options),
    })),
    day: local?.day ?? '',
    time: local?.time ?? '',
    fold: 'earlier',
  };
}

/** What the post looks like to the API. */
function buildInput(d: Draft, kinds: (string | null)[]): PostInput {
  const targets: TargetInput[] = d.targets.map((t, i) => {
    const kind = t.kind ?? kinds[i] ?? defaultKind(t.platform, d.media);
    const input: TargetInput = {
      account_id: t.account_id,
      text: t.custom ? t.text : null,
      options: apiOptions(t.platform, t.options, kind),
    };
    if (t.kind) input.kind = t.kind;
    return input;
  });
  return { body: d.body, media: d.media.map((m) => m.id), campaign_id: d.campaign_id, targets };
}

/** The date and time fields as a schedule, when both are filled in. */
function scheduleAt(d: Draft): ScheduleInput | null {
  if (!d.day || !d.time) return null;
  const s: ScheduleInput = { mode: 'at', local: `${d.day}T${d.time}` };
  if (d.fold === 'later') s.fold = 'later';
  return s;
}

/* ---------- Problems by field ---------- */

interface Issues {
  problems: string[];
  warnings: string[];
}

class IssueIndex {
  private map = new Map<string, Issues>();
  /** Problems of each target (index), for the tab labels. */
  readonly perTarget = new Map<number, number>();
  readonly all: Problem[] = [];

  add(key: string, message: string, warning: boolean): void {
    let e = this.map.get(key);
    if (!e) {
      e = { problems: [], warnings: [] };
      this.map.set(key, e);
    }
    const list = warning ? e.warnings : e.problems;
    if (!list.includes(message)) list.push(message);
  }

  get(key: string): Issues {
    return this.map.get(key) ?? { problems: [], warnings: [] };
  }

  keys(): string[] {
    return [...this.map.keys()];
  }
}

/** Keys: "body", "media", "campaign_id", "schedule", "targets", or "t{index}:{path}". */
function keyOf(target: number | null, path: string): string {
  if (target === null) {
    if (path === '' || path === 'targets') return 'post';
    if (path.startsWith('schedule')) return 'schedule';
    if (path.startsWith('media')) return 'media';
    return path;
  }
  let p = path;
  if (p === 'body') p = 'text';
  if (/^(title|tags|privacy|made_for_kids|category_id|first_comment|share_to_feed|visibility|link|reply_settings)$/.test(p)) p = `options.${p}`;
  if (/^thread\[/.test(p)) p = `options.${p}`;
  if (/^options\.thread\[\d+\]$/.test(p)) p = `${p}.text`;
  if (p.startsWith('media')) p = 'media';
  if (p === 'account_id') p = 'account';
  return `t${target}:${p}`;
}

/** The field keys a target panel shows beside its inputs. */
const PANEL_FIELDS = new Set([
  'text',
  'kind',
  'options.reply_settings',
  'options.title',
  'options.tags',
  'options.privacy',
  'options.made_for_kids',
  'options.category_id',
  'options.first_comment',
  'options.share_to_feed',
  'options.visibility',
  'options.link',
]);

function indexIssues(check: Validation | null, fieldError: ApiError | null, targetCount: number): IssueIndex {
  const idx = new IssueIndex();
  const addOne = (p: Problem, warning: boolean) => {
    const { target, path } = locate(p);
    const t = target !== null && target < targetCount ? target : null;
    const key = keyOf(t, target !== null && t === null ? '' : path);
    idx.add(key, p.message, warning);
    if (!warning) {
      idx.all.push(p);
      if (t !== null) idx.perTarget.set(t, (idx.perTarget.get(t) ?? 0) + 1);
    }
  };
  for (const p of check?.problems ?? []) addOne(p, false);
  for (const p of check?.warnings ?? []) addOne(p, true);
  if (fieldError && fieldError.status === 400 && fieldError.field) {
    addOne({ field: fieldError.field, message: fieldError.message }, false);
  }
  return idx;
}

/* ---------- Small pieces ---------- */

function IssueList({ id, issues }: { id: string; issues: Issues }) {
  if (issues.problems.length === 0 && issues.warnings.length === 0) return null;
  return (
    <div id={id} class="issues">
      {issues.problems.map((m) => (
        <p key={m} class="field-error">
          {m}
        </p>
      ))}
      {issues.warnings.map((m) => (
        <p key={m} class="field-warning">
          {m}
        </p>
      ))}
    </div>
  );
}

const hasIssues = (i: Issues) => i.problems.length > 0 || i.warnings.length > 0;

function CounterView({ counter, label }: { counter: Counter | null; label?: string }) {
  if (!counter) return null;
  const over = counter.used > counter.limit;
  return (
    <span class={over ? 'counter counter-over' : 'counter'}>
      {label && <span class="counter-label">{label} </span>}
      <span aria-hidden="true">
        {counter.used.toLocaleString()} / {counter.limit.toLocaleString()}
      </span>
      <span class="visually-hidden">
        {counter.used} of {counter.limit} characters{over ? ', too long' : ''}
      </span>
    </span>
  );
}

/** A field's describedby: its hint, its counter and its problems, whichever exist. */
function describedBy(...ids: (string | false | null | undefined)[]): string | undefined {
  const list = ids.filter((x): x is string => typeof x === 'string' && x !== '');
  return list.length ? list.join(' ') : undefined;
}

function accountName(a: SocialAccount | undefined, t: TargetDraft): string {
  if (a) return a.name || accountLabel(a);
  return t.account_name || `account ${t.account_id}`;
}

function handleOf(a: SocialAccount | undefined, t: TargetDraft): string {
  if (a) return accountLabel(a);
  return t.account_name || `account ${t.account_id}`;
}

function statusReason(a: SocialAccount): string {
  if (a.status === 'needs_reconnect') {
    return `Needs reconnecting${a.status_reason ? `: ${a.status_reason.replace(/\.$/, '')}` : ''}. An owner or admin can reconnect it on the Accounts page.`;
  }
  return 'Disconnected. Connect it again on the Accounts page to post here.';
}

/* ---------- Accounts ---------- */

function AccountPicker({
  accounts,
  chosen,
  onToggle,
  issues,
  disabled,
}: {
  accounts: SocialAccount[];
  chosen: number[];
  onToggle: (a: SocialAccount, on: boolean) => void;
  issues: Issues;
  disabled: boolean;
}) {
  const active = accounts.filter((a) => a.status !== 'disconnected' || chosen.includes(a.id));
  const gone = accounts.filter((a) => a.status === 'disconnected' && !chosen.includes(a.id));
  return (
    <fieldset class="fieldset compose-accounts" aria-describedby={hasIssues(issues) ? 'compose-accounts-issues' : undefined} data-field="targets">
      <legend>Post to</legend>
      {accounts.length === 0 ? (
        <p class="field-hint">
          No social accounts are connected to this workspace yet. An owner or admin can connect them on the{' '}
          <a href="/accounts">Accounts</a> page.
        </p>
      ) : (
        <ul class="pick-list">
          {[...active, ...gone].map((a) => {
            const on = chosen.includes(a.id);
            const off = a.status !== 'active';
            const id = `compose-account-${a.id}`;
            return (
              <li key={a.id} class={off ? 'pick pick-off' : 'pick'}>
                <input
                  id={id}
                  type="checkbox"
                  checked={on}
                  disabled={disabled || (off && !on)}
                  aria-describedby={off ? `${id}-why` : undefined}
                  onChange={(e) => onToggle(a, e.currentTarget.checked)}
                />
                <label for={id} class="pick-label">
                  <PlatformIcon platform={a.platform} />
                  <span class="pick-text">
                    <span class="pick-name">
                      {a.name || accountLabel(a)}
                      {accountHandle(a) && a.name ? <span class="pick-handle"> {accountHandle(a)}</span> : null}
                    </span>
                    <span class="pick-meta">{platformName(a.platform)}</span>
                  </span>
                </label>
                {off && (
                  <p class="pick-why" id={`${id}-why`}>
                    {statusReason(a)}
                  </p>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <IssueList id="compose-accounts-issues" issues={issues} />
    </fieldset>
  );
}

/* ---------- Media ---------- */

function MediaChip({
  m,
  index,
  count,
  disabled,
  onMove,
  onRemove,
  onDrop,
}: {
  m: PostMedia;
  index: number;
  count: number;
  disabled: boolean;
  onMove: (to: number) => void;
  onRemove: () => void;
  onDrop: (from: number) => void;
}) {
  const [over, setOver] = useState(false);
  const [failed, setFailed] = useState(false);
  return (
    <li
      class={over ? 'media-chip media-chip-over' : 'media-chip'}
      draggable={!disabled}
      onDragStart={(e) => {
        e.dataTransfer?.setData('text/x-p2s-media-index', String(index));
        if (e.dataTransfer) e.dataTransfer.effectAllowed = 'move';
      }}
      onDragOver={(e) => {
        if (!e.dataTransfer?.types.includes('text/x-p2s-media-index')) return;
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        setOver(false);
        const from = Number(e.dataTransfer?.getData('text/x-p2s-media-index'));
        if (Number.isInteger(from)) {
          e.preventDefault();
          onDrop(from);
        }
      }}
    >
      <span class="media-chip-order" aria-hidden="true">
        {index + 1}
      </span>
      <span class="media-chip-thumb">
        {m.thumbnail_url && !failed ? (
          <img src={m.thumbnail_url} alt="" width={56} height={56} onError={() => setFailed(true)} />
        ) : (
          <span class="media-chip-none">{m.kind === 'video' ? 'Video' : 'Image'}</span>
        )}
      </span>
      <span class="media-chip-name">
        <span class="visually-hidden">{index + 1}. </span>
        {m.name}
      </span>
      <span class="media-chip-actions">
        <button type="button" class="icon-button" disabled={disabled || index === 0} aria-label={`Move ${m.name} earlier`} onClick={() => onMove(index - 1)}>
          ↑
        </button>
        <button
          type="button"
          class="icon-button"
          disabled={disabled || index === count - 1}
          aria-label={`Move ${m.name} later`}
          onClick={() => onMove(index + 1)}
        >
          ↓
        </button>
        <button type="button" class="icon-button icon-danger" disabled={disabled} aria-label={`Remove ${m.name}`} onClick={onRemove}>
          ×
        </button>
      </span>
    </li>
  );
}

function LibraryPanel({
  workspace,
  chosen,
  onToggle,
}: {
  workspace: Workspace;
  chosen: number[];
  onToggle: (m: MediaItem, on: boolean) => void;
}) {
  const [items, setItems] = useState<MediaItem[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const load = async (before: number | null) => {
    setBusy(true);
    setError(null);
    try {
      const page = await get<MediaPage>(`/workspaces/${seg(workspace.id)}/media?limit=40${before ? `&before=${before}` : ''}`);
      setItems((old) => [...(before ? (old ?? []) : []), ...page.items]);
      setNext(page.next_before);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    void load(null);
  }, [workspace.id]);
  if (error && !items) return <ErrorBox error={error} onRetry={() => void load(null)} />;
  if (!items) return <Loading label="Loading the library…" />;
  if (items.length === 0) {
    return (
      <p class="field-hint">
        The library is empty. Upload images and videos on the <a href="/media">Media</a> page first.
      </p>
    );
  }
  return (
    <>
      <ul class="library-picks" aria-label="Media library">
        {items.map((m) => {
          const on = chosen.includes(m.id);
          return (
            <li key={m.id}>
              <button
                type="button"
                class={on ? 'library-pick library-pick-on' : 'library-pick'}
                aria-pressed={on ? 'true' : 'false'}
                aria-label={`${on ? 'Remove' : 'Add'} ${m.name}`}
                onClick={() => onToggle(m, !on)}
              >
                {m.thumbnail_url ? <img src={m.thumbnail_url} alt="" loading="lazy" /> : <span class="media-chip-none">{m.kind}</span>}
                <span class="library-pick-name">{m.name}</span>
                {on && (
                  <span class="library-pick-check" aria-hidden="true">
                    ✓
                  </span>
                )}
              </button>
            </li>
          );
        })}
      </ul>
      {error ? <p class="form-error">{messageOf(error)}</p> : null}
      {next && (
        <button type="button" class="button button-secondary button-small" disabled={busy} onClick={() => void load(next)}>
          {busy ? 'Loading…' : 'Show more'}
        </button>
      )}
    </>
  );
}

function MediaPicker({
  workspace,
  media,
  onChange,
  issues,
  disabled,
}: {
  workspace: Workspace;
  media: PostMedia[];
  onChange: (m: PostMedia[]) => void;
  issues: Issues;
  disabled: boolean;
}) {
  const [open, setOpen] = useState(false);
  const move = (from: number, to: number) => {
    if (to < 0 || to >= media.length || from === to) return;
    const list = [...media];
    const [item] = list.splice(from, 1);
    list.splice(to, 0, item!);
    onChange(list);
  };
  return (
    <div class="field compose-media" data-field="media">
      <p class="field-label" id="compose-media-label">
        Media<span class="optional"> (optional)</span>
      </p>
      {media.length > 0 ? (
        <ol class="media-chips" aria-label="Chosen media, in order" aria-describedby={describedBy('compose-media-hint', hasIssues(issues) && 'compose-media-issues')}>
          {media.map((m, i) => (
            <MediaChip
              key={m.id}
              m={m}
              index={i}
              count={media.length}
              disabled={disabled}
              onMove={(to) => move(i, to)}
              onRemove={() => onChange(media.filter((x) => x.id !== m.id))}
              onDrop={(from) => move(from, i)}
            />
          ))}
        </ol>
      ) : (
        <p class="field-hint">No media chosen.</p>
      )}
      <p class="field-hint" id="compose-media-hint">
        Posted in this order. Drag to reorder, or use the arrows.
      </p>
      <IssueList id="compose-media-issues" issues={issues} />
      <div>
        <button
          type="button"
          class="button button-secondary button-small"
          aria-expanded={open ? 'true' : 'false'}
          aria-controls="compose-library"
          disabled={disabled}
          onClick={() => setOpen(!open)}
        >
          {open ? 'Close the library' : 'Add from library'}
        </button>
      </div>
      <div id="compose-library" class="library-panel" hidden={!open}>
        {open && (
          <LibraryPanel
            workspace={workspace}
            chosen={media.map((m) => m.id)}
            onToggle={(m, on) => onChange(on ? [...media, toPostMedia(m)] : media.filter((x) => x.id !== m.id))}
          />
        )}
      </div>
    </div>
  );
}

/* ---------- One target's settings ---------- */

function OptionSelect({
  id,
  label,
  value,
  options,
  issues,
  field,
  disabled,
  onChange,
  hint,
}: {
  id: string;
  label: string;
  value: string;
  options: readonly { id: string; label: string }[];
  issues: Issues;
  field: string;
  disabled: boolean;
  onChange: (v: string) => void;
  hint?: string;
}) {
  const bad = issues.problems.length > 0;
  return (
    <div class={bad ? 'field field-invalid' : 'field'}>
      <label for={id}>{label}</label>
      <select
        id={id}
        data-field={field}
        value={value}
        disabled={disabled}
        aria-invalid={bad ? 'true' : undefined}
        aria-describedby={describedBy(hint && `${id}-hint`, hasIssues(issues) && `${id}-issues`)}
        onChange={(e) => onChange(e.currentTarget.value)}
      >
        {options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.label}
          </option>
        ))}
      </select>
      {hint && (
        <p class="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <IssueList id={`${id}-issues`} issues={issues} />
    </div>
  );
}

function TextArea({
  id,
  label,
  value,
  onInput,
  issues,
  field,
  counter,
  hint,
  rows = 4,
  disabled,
  optional,
}: {
  id: string;
  label: ComponentChildren;
  value: string;
  onInput: (v: string) => void;
  issues: Issues;
  field: string;
  counter?: Counter | null;
  hint?: string;
  rows?: number;
  disabled: boolean;
  optional?: boolean;
}) {
  const bad = issues.problems.length > 0;
  return (
    <div class={bad ? 'field field-invalid' : 'field'}>
      <div class="field-top">
        <label for={id}>
          {label}
          {optional && <span class="optional"> (optional)</span>}
        </label>
        {counter && (
          <span id={`${id}-counter`}>
            <CounterView counter={counter} />
          </span>
        )}
      </div>
      <textarea
        id={id}
        data-field={field}
        rows={rows}
        value={value}
        disabled={disabled}
        aria-invalid={bad ? 'true' : undefined}
        aria-describedby={describedBy(hint && `${id}-hint`, counter && `${id}-counter`, hasIssues(issues) && `${id}-issues`)}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
      {hint && (
        <p class="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <IssueList id={`${id}-issues`} issues={issues} />
    </div>
  );
}

function TextInput({
  id,
  label,
  value,
  onInput,
  issues,
  field,
  hint,
  counter,
  disabled,
  optional,
  type = 'text',
  maxLength,
}: {
  id: string;
  label: string;
  value: string;
  onInput: (v: string) => void;
  issues: Issues;
  field: string;
  hint?: string;
  counter?: Counter | null;
  disabled: boolean;
  optional?: boolean;
  type?: string;
  maxLength?: number;
}) {
  const bad = issues.problems.length > 0;
  return (
    <div class={bad ? 'field field-invalid' : 'field'}>
      <div class="field-top">
        <label for={id}>
          {label}
          {optional && <span class="optional"> (optional)</span>}
        </label>
        {counter && (
          <span id={`${id}-counter`}>
            <CounterView counter={counter} />
          </span>
        )}
      </div>
      <input
        id={id}
        type={type}
        data-field={field}
        value={value}
        disabled={disabled}
        maxLength={maxLength}
        aria-invalid={bad ? 'true' : undefined}
        aria-describedby={describedBy(hint && `${id}-hint`, counter && `${id}-counter`, hasIssues(issues) && `${id}-issues`)}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
      {hint && (
        <p class="field-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <IssueList id={`${id}-issues`} issues={issues} />
    </div>
  );
}

function TargetPanel({
  index,
  t,
  account,
  draft,
  effectiveKind,
  counters,
  issues,
  disabled,
  onChange,
}: {
  index: number;
  t: TargetDraft;
  account: SocialAccount | undefined;
  draft: Draft;
  effectiveKind: string;
  counters: Counter[];
  issues: IssueIndex;
  disabled: boolean;
  onChange: (t: TargetDraft) => void;
}) {
  const base = `t-${t.account_id}`;
  const f = (path: string) => `targets[${index}].${path}`;
  const is = (path: string) => issues.get(`t${index}:${path}`);
  const counter = (path: string, fallback: Counter | null = null) => counters.find((c) => counterPath(c.field) === path) ?? fallback;
  const textCounter = counter('text', localCounter(t.platform, t.custom ? t.text : draft.body));
  const setOpt = (change: Partial<UiOptions>) => onChange({ ...t, options: { ...t.options, ...change } });
  const name = handleOf(account, t);
  const platform = platformName(t.platform);
  const kinds = KINDS[t.platform] ?? [];
  const o = t.options;

  // Problems of this target that no field below shows.
  const loose: Issues = { problems: [], warnings: [] };
  for (const key of issues.keys()) {
    const m = new RegExp(`^t${index}:(.*)$`).exec(key);
    if (!m) continue;
    const path = m[1]!;
    if (PANEL_FIELDS.has(path) || /^options\.thread\[\d+\]\.text$/.test(path)) continue;
    const e = issues.get(key);
    loose.problems.push(...e.problems);
    loose.warnings.push(...e.warnings);
  }

  const textIssues = is('text');
  return (
    <div class="target-panel">
      <div class="target-settings">
        {hasIssues(loose) && (
          <div class="target-loose" role="group" aria-label={`Problems for ${name} on ${platform}`}>
            <IssueList id={`${base}-loose`} issues={loose} />
          </div>
        )}
        <div class="field field-check">
          <input
            id={`${base}-custom`}
            type="checkbox"
            checked={t.custom}
            disabled={disabled}
            onChange={(e) => {
              const on = e.currentTarget.checked;
              onChange({ ...t, custom: on, text: on && !t.custom ? draft.body : t.text });
            }}
          />
          <label for={`${base}-custom`}>Write a different text for {name}</label>
        </div>
        {t.custom ? (
          <TextArea
            id={`${base}-text`}
            label={`Text for ${name} on ${platform}`}
            value={t.text}
            onInput={(v) => onChange({ ...t, text: v })}
            issues={textIssues}
            field={f('text')}
            counter={textCounter}
            rows={5}
            disabled={disabled}
          />
        ) : (
          <div class="field">
            <p class="field-hint" id={`${base}-text-note`}>
              Uses the main text. <CounterView counter={textCounter} label={platform} />
            </p>
            <IssueList id={`${base}-text-issues`} issues={textIssues} />
          </div>
        )}

        {kinds.length > 1 && (
          <OptionSelect
            id={`${base}-kind`}
            label="Format"
            value={t.kind ?? ''}
            options={[
              { id: '', label: `Automatic (${(kinds.find((k) => k.id === effectiveKind)?.label ?? effectiveKind).replace(/ \(.*\)$/, '')})` },
              ...kinds,
            ]}
            issues={is('kind')}
            field={f('kind')}
            disabled={disabled}
            onChange={(v) => onChange({ ...t, kind: v === '' ? null : v })}
            hint="Automatic follows the media you chose."
          />
        )}

        {t.platform === 'x' && (
          <>
            <OptionSelect
              id={`${base}-reply`}
              label="Who can reply"
              value={o.reply_settings ?? 'everyone'}
              options={X_REPLY_SETTINGS}
              issues={is('options.reply_settings')}
              field={f('options.reply_settings')}
              disabled={disabled}
              onChange={(v) => setOpt({ reply_settings: v })}
            />
            <fieldset class="fieldset thread">
              <legend>Thread</legend>
              <p class="field-hint">Further posts, published as replies to this one, in order.</p>
              {(o.thread ?? []).map((part, i) => (
                <div class="thread-part" key={i}>
                  <TextArea
                    id={`${base}-thread-${i}`}
                    label={`Reply ${i + 1} in the thread`}
                    value={part}
                    onInput={(v) => setOpt({ thread: (o.thread ?? []).map((p, j) => (j === i ? v : p)) })}
                    issues={is(`options.thread[${i}].text`)}
                    field={f(`options.thread[${i}].text`)}
                    counter={counter(`options.thread[${i}].text`, localCounter('x', part))}
                    rows={3}
                    disabled={disabled}
                  />
                  <button
                    type="button"
                    class="button button-danger-quiet button-small"
                    disabled={disabled}
                    aria-label={`Remove reply ${i + 1} from the thread`}
                    onClick={() => setOpt({ thread: (o.thread ?? []).filter((_, j) => j !== i) })}
                  >
                    Remove
                  </button>
                </div>
              ))}
              {(o.thread ?? []).length < 24 && (
                <button
                  type="button"
                  class="button button-secondary button-small"
                  disabled={disabled}
                  onClick={() => setOpt({ thread: [...(o.thread ?? []), ''] })}
                >
                  Add a reply to the thread
                </button>
              )}
            </fieldset>
          </>
        )}

        {t.platform === 'youtube' && (
          <>
            <TextInput
              id={`${base}-title`}
              label="Video title"
              value={o.title ?? ''}
              onInput={(v) => setOpt({ title: v })}
              issues={is('options.title')}
              field={f('options.title')}
              counter={counter('options.title', { field: 'title', used: Array.from(o.title ?? '').length, limit: 100 })}
              hint="Required. At most 100 characters, without < or >."
              disabled={disabled}
            />
            <TextInput
              id={`${base}-tags`}
              label="Tags"
              value={o.tags ?? ''}
              onInput={(v) => setOpt({ tags: v })}
              issues={is('options.tags')}
              field={f('options.tags')}
              counter={counter('options.tags')}
              hint="Separated by commas; at most 500 characters together."
              disabled={disabled}
              optional
            />
            <OptionSelect
              id={`${base}-privacy`}
              label="Privacy"
              value={o.privacy ?? 'public'}
              options={YOUTUBE_PRIVACY}
              issues={is('options.privacy')}
              field={f('options.privacy')}
              disabled={disabled}
              onChange={(v) => setOpt({ privacy: v })}
            />
            <fieldset
              class={is('options.made_for_kids').problems.length ? 'fieldset field-invalid radio-row' : 'fieldset radio-row'}
              data-field={f('options.made_for_kids')}
              aria-describedby={describedBy(`${base}-kids-hint`, hasIssues(is('options.made_for_kids')) && `${base}-kids-issues`)}
            >
              <legend>Made for kids?</legend>
              <p class="field-hint" id={`${base}-kids-hint`}>
                Required by YouTube (COPPA).
              </p>
              <span class="radio">
                <input
                  id={`${base}-kids-yes`}
                  type="radio"
                  name={`${base}-kids`}
                  checked={o.made_for_kids === true}
                  disabled={disabled}
                  onChange={() => setOpt({ made_for_kids: true })}
                />
                <label for={`${base}-kids-yes`}>Yes, it is made for kids</label>
              </span>
              <span class="radio">
                <input
                  id={`${base}-kids-no`}
                  type="radio"
                  name={`${base}-kids`}
                  checked={o.made_for_kids === false}
                  disabled={disabled}
                  onChange={() => setOpt({ made_for_kids: false })}
                />
                <label for={`${base}-kids-no`}>No, it is not made for kids</label>
              </span>
              <IssueList id={`${base}-kids-issues`} issues={is('options.made_for_kids')} />
            </fieldset>
            <OptionSelect
              id={`${base}-category`}
              label="Category"
              value={o.category_id ?? '22'}
              options={YOUTUBE_CATEGORIES}
              issues={is('options.category_id')}
              field={f('options.category_id')}
              disabled={disabled}
              onChange={(v) => setOpt({ category_id: v })}
            />
          </>
        )}

        {t.platform === 'instagram' && (
          <>
            <TextArea
              id={`${base}-comment`}
              label="First comment"
              value={o.first_comment ?? ''}
              onInput={(v) => setOpt({ first_comment: v })}
              issues={is('options.first_comment')}
              field={f('options.first_comment')}
              counter={counter('options.first_comment', { field: 'first_comment', used: Array.from(o.first_comment ?? '').length, limit: 2200 })}
              hint="Posted as a comment right after the post: hashtags often go here."
              rows={2}
              disabled={disabled}
              optional
            />
            {effectiveKind === 'reel' && (
              <div class="field field-check">
                <input
                  id={`${base}-feed`}
                  type="checkbox"
                  data-field={f('options.share_to_feed')}
                  checked={o.share_to_feed !== false}
                  disabled={disabled}
                  onChange={(e) => setOpt({ share_to_feed: e.currentTarget.checked })}
                />
                <label for={`${base}-feed`}>Also show the Reel in the feed</label>
              </div>
            )}
          </>
        )}

        {t.platform === 'linkedin' && (
          <OptionSelect
            id={`${base}-visibility`}
            label="Who can see it"
            value={o.visibility ?? 'PUBLIC'}
            options={LINKEDIN_VISIBILITY}
            issues={is('options.visibility')}
            field={f('options.visibility')}
            disabled={disabled}
            onChange={(v) => setOpt({ visibility: v })}
          />
        )}

        {t.platform === 'facebook' && effectiveKind === 'post' && (
          <TextInput
            id={`${base}-link`}
            label="Link"
            type="url"
            value={o.link ?? ''}
            onInput={(v) => setOpt({ link: v })}
            issues={is('options.link')}
            field={f('options.link')}
            hint="Facebook shows a preview card of the page."
            disabled={disabled}
            optional
          />
        )}
      </div>
      <div class="target-preview">
        <Preview
          platform={t.platform}
          kind={effectiveKind}
          name={accountName(account, t)}
          handle={name}
          avatarUrl={account?.avatar_url ?? null}
          text={t.custom ? t.text : draft.body}
          media={draft.media}
          options={apiOptions(t.platform, t.options, effectiveKind)}
          limit={textCounter?.limit ?? null}
        />
      </div>
    </div>
  );
}

/* ---------- Tabs ---------- */

function TargetTabs({
  draft,
  accounts,
  check,
  issues,
  active,
  setActive,
  disabled,
  onChange,
}: {
  draft: Draft;
  accounts: SocialAccount[];
  check: Validation | null;
  issues: IssueIndex;
  active: number | null;
  setActive: (id: number) => void;
  disabled: boolean;
  onChange: (index: number, t: TargetDraft) => void;
}) {
  const tabRefs = useRef<(HTMLButtonElement | null)[]>([]);
  if (draft.targets.length === 0) {
    return <p class="field-hint">Choose at least one account above to tailor the post and see its preview.</p>;
  }
  const current = draft.targets.findIndex((t) => t.account_id === active);
  const sel = current >= 0 ? current : 0;
  const t = draft.targets[sel]!;
  const account = accounts.find((a) => a.id === t.account_id);
  const checkTarget = check && check.targets.length === draft.targets.length ? check.targets[sel] : undefined;
  const effectiveKind = t.kind ?? checkTarget?.kind ?? defaultKind(t.platform, draft.media);

  const onKey = (e: KeyboardEvent, i: number) => {
    let to = -1;
    if (e.key === 'ArrowRight') to = (i + 1) % draft.targets.length;
    else if (e.key === 'ArrowLeft') to = (i - 1 + draft.targets.length) % draft.targets.length;
    else if (e.key === 'Home') to = 0;
    else if (e.key === 'End') to = draft.targets.length - 1;
    if (to < 0) return;
    e.preventDefault();
    setActive(draft.targets[to]!.account_id);
    tabRefs.current[to]?.focus();
  };

  return (
    <div class="tabs">
      <div class="tab-list" role="tablist" aria-label="Accounts">
        {draft.targets.map((target, i) => {
          const a = accounts.find((x) => x.id === target.account_id);
          const n = issues.perTarget.get(i) ?? 0;
          const on = i === sel;
          return (
            <button
              key={target.account_id}
              ref={(el) => {
                tabRefs.current[i] = el;
              }}
              type="button"
              role="tab"
              id={`tab-${target.account_id}`}
              class={n > 0 ? 'tab tab-bad' : 'tab'}
              aria-selected={on ? 'true' : 'false'}
              aria-controls={`panel-${target.account_id}`}
              tabIndex={on ? 0 : -1}
              onClick={() => setActive(target.account_id)}
              onKeyDown={(e) => onKey(e, i)}
            >
              <PlatformIcon platform={target.platform} size="sm" />
              <span>
                {handleOf(a, target)}
                <span class="visually-hidden"> on {platformName(target.platform)}</span>
              </span>
              {n > 0 && (
                <span class="tab-count">
                  {n}
                  <span class="visually-hidden"> problem{n === 1 ? '' : 's'}</span>
                </span>
              )}
            </button>
          );
        })}
      </div>
      <div role="tabpanel" id={`panel-${t.account_id}`} aria-labelledby={`tab-${t.account_id}`} class="tab-panel">
        <TargetPanel
          key={t.account_id}
          index={sel}
          t={t}
          account={account}
          draft={draft}
          effectiveKind={effectiveKind}
          counters={checkTarget?.counters ?? []}
          issues={issues}
          disabled={disabled}
          onChange={(nt) => onChange(sel, nt)}
        />
      </div>
    </div>
  );
}

/* ---------- The composer ---------- */

type Busy = null | 'save' | 'submit' | 'schedule' | 'queue' | 'now' | 'cancel' | 'delete';

interface SaveReply {
  post?: Post;
  problems?: unknown;
  warnings?: unknown;
}

function postOf(r: unknown): Post | null {
  if (!r || typeof r !== 'object') return null;
  const p = (r as { post?: Post }).post ?? (r as Post);
  return typeof p.id === 'number' ? p : null;
}

function Composer({
  workspace,
  userId,
  postId: initialId,
  prefillDay,
  onCreated,
  onViewing,
}: {
  workspace: Workspace;
  userId: number;
  postId: number | null;
  prefillDay: string | null;
  onCreated: (id: number) => void;
  /** Whether the post is shown read-only because publishing has started. */
  onViewing: (viewing: boolean) => void;
}) {
  const role = workspace.role;
  const editor = canEdit(role);
  const tz = workspace.timezone;
  const { accounts, error: accountsError, reload: reloadAccounts } = useAccounts(workspace.id);
  const { campaigns } = useCampaigns(workspace.id);

  const [postId, setPostId] = useState<number | null>(initialId);
  const [saved, setSaved] = useState<Post | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [loading, setLoading] = useState(initialId !== null);
  const [draft, setDraft] = useState<Draft>(() => ({ ...EMPTY, day: prefillDay ?? '' }));
  const [active, setActive] = useState<number | null>(null);
  const [check, setCheck] = useState<Validation | null>(null);
  const [checking, setChecking] = useState(false);
  const [checkError, setCheckError] = useState<string | null>(null);
  const [noValidate, setNoValidate] = useState(false);
  const [error, setError] = useState<ApiError | Error | null>(null);
  const [localError, setLocalError] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState<Busy>(null);
  const [lastAction, setLastAction] = useState<Busy>(null);
  const [status, setStatus] = useState('');
  const [tick, setTick] = useState(0);
  const [pollTick, setPollTick] = useState(0);
  const [lockNotice, setLockNotice] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const edited = useRef(false);
  const savedRef = useRef<Post | null>(null);
  savedRef.current = saved;

  /** Take the server's reading of the post (after retry, cancel, or a live update). */
  const adopt = (p: Post) => {
    setSaved(p);
    setDraft(draftFromPost(p, tz));
    edited.current = false;
  };

  // Live: while the post is due or publishing, read it again every few seconds (live.ts).
  const viewing = !!saved && LOCKED_STATES.has(saved.state);
  usePostChanges(
    workspace.id,
    async (change) => {
      const cur = savedRef.current;
      if (!cur || (change.post_id !== null && change.post_id !== cur.id)) return;
      const r = await get<unknown>(`/workspaces/${seg(workspace.id)}/posts/${seg(cur.id)}`);
      const p = postOf(r);
      const now = savedRef.current;
      if (!p || !now || now.id !== p.id) return;
      if (LOCKED_STATES.has(p.state) || LOCKED_STATES.has(now.state)) {
        if (!LOCKED_STATES.has(now.state) && edited.current) {
          setLockNotice('Publishing started before your latest changes were saved; they were not saved. This is the post as it went out.');
        }
        adopt(p);
        setPollTick((n) => n + 1);
      } else if (p.state !== now.state && !edited.current) {
        adopt(p);
      }
    },
    () => (savedRef.current ? nextChange(savedRef.current) : null),
    [saved],
  );
  useEffect(() => onViewing(viewing), [viewing]);

  // Load the post being edited.
  useEffect(() => {
    if (initialId === null) return;
    let live = true;
    setLoading(true);
    setLoadError(null);
    get<unknown>(`/workspaces/${seg(workspace.id)}/posts/${seg(initialId)}`).then(
      (r) => {
        if (!live) return;
        const p = postOf(r);
        if (!p) {
          setLoadError(new Error('The server sent a post this page could not read.'));
        } else {
          setSaved(p);
          setDraft(draftFromPost(p, tz));
          setActive(p.targets[0]?.account_id ?? null);
          edited.current = false;
        }
        setLoading(false);
      },
      (err: unknown) => {
        if (!live) return;
        setLoadError(err);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [workspace.id, initialId, tick]);

  const kindsFromCheck = (c: Validation | null, d: Draft): (string | null)[] =>
    d.targets.map((_, i) => (c && c.targets.length === d.targets.length ? (c.targets[i]?.kind ?? null) : null));

  // Check the post as the user types: debounced, stale requests cancelled.
  const kindsRef = useRef<(string | null)[]>([]);
  const postIdRef = useRef<number | null>(postId);
  postIdRef.current = postId;
  kindsRef.current = kindsFromCheck(check, draft);
  useEffect(() => {
    // Viewers may not check posts (the server answers 403): they only read them.
    if (loading || noValidate || !canContribute(role)) return;
    if (draft.body.trim() === '' && draft.media.length === 0 && draft.targets.length === 0) {
      setCheck(null);
      return;
    }
    const ctrl = new AbortController();
    const timer = window.setTimeout(async () => {
      setChecking(true);
      // post_id: the server leaves this post out of its duplicate check.
      const body: PostInput & { post_id?: number } = buildInput(draft, kindsRef.current);
      const at = scheduleAt(draft);
      if (at) body.schedule = at;
      if (postIdRef.current !== null) body.post_id = postIdRef.current;
      try {
        const r = await post<unknown>(`/workspaces/${seg(workspace.id)}/posts/validate`, body, { signal: ctrl.signal });
        if (ctrl.signal.aborted) return;
        setCheck(readValidation(r));
        setCheckError(null);
      } catch (err) {
        if (isAbort(err) || ctrl.signal.aborted) return;
        if (err instanceof ApiError && (err.status === 404 || err.status === 405)) {
          setNoValidate(true);
          setCheckError('Live checks are not available on this server; the post is checked when you save it.');
        } else if (err instanceof ApiError && err.status === 400) {
          // A structural error (an unknown account, say): show it by its field.
          setCheck({ problems: [{ field: err.field, message: err.message }], warnings: [], schedule: null, targets: [] });
          setCheckError(null);
        } else {
          setCheckError(`Could not check the post: ${messageOf(err)}`);
        }
      } finally {
        if (!ctrl.signal.aborted) setChecking(false);
      }
    }, 300);
    return () => {
      window.clearTimeout(timer);
      ctrl.abort();
    };
  }, [draft, loading, noValidate, workspace.id]);

  const issues = useMemo(
    () => indexIssues(check, error instanceof ApiError ? error : null, draft.targets.length),
    [check, error, draft.targets.length],
  );

  const update = (change: Partial<Draft>) => {
    edited.current = true;
    setDraft((d) => ({ ...d, ...change }));
    setStatus('');
    if (error instanceof ApiError && error.status === 400) setError(null);
    if (Object.keys(localError).length) setLocalError({});
  };

  const toggleAccount = (a: SocialAccount, on: boolean) => {
    if (on) {
      if (draft.targets.some((t) => t.account_id === a.id)) return;
      const t: TargetDraft = {
        account_id: a.id,
        platform: a.platform,
        account_name: accountLabel(a),
        kind: null,
        custom: false,
        text: draft.body,
        options: defaultOptions(a.platform),
      };
      update({ targets: [...draft.targets, t] });
      if (active === null || !draft.targets.some((x) => x.account_id === active)) setActive(a.id);
    } else {
      const rest = draft.targets.filter((t) => t.account_id !== a.id);
      update({ targets: rest });
      if (active === a.id) setActive(rest[0]?.account_id ?? null);
    }
  };

  /* ----- Who may do what ----- */
  const state = saved?.state ?? 'draft';
  const own = !saved || saved.created_by?.id === userId;
  const mayWrite = saved
    ? !LOCKED_STATES.has(state) &&
      (editor || (canContribute(role) && own && (state === 'draft' || state === 'changes_requested')))
    : canContribute(role);
  const readOnly = !mayWrite;
  const mayDelete = !!saved && !LOCKED_STATES.has(state) && (editor || (own && state === 'draft' && canContribute(role)));
  const mayCancel = !!saved && editor && ['scheduled', 'approved', 'pending_approval'].includes(state);

  /* ----- Saving ----- */
  const focusFirstProblem = (fields: string[]) => {
    window.setTimeout(() => {
      const form = formRef.current;
      if (!form) return;
      for (const f of fields) {
        const el = form.querySelector<HTMLElement>(`[data-field="${CSS.escape(f)}"]`);
        if (el) {
          const target = el.matches('input, select, textarea, button') ? el : el.querySelector<HTMLElement>('input, select, textarea, button');
          (target ?? el).focus();
          return;
        }
      }
      form.querySelector<HTMLElement>('.compose-error')?.focus();
    }, 0);
  };

  /** The element field for a problem: a target text that follows the body points at the body. */
  const problemField = (p: Problem): string => {
    const { target, path } = locate(p);
    if (target !== null) {
      const t = draft.targets[target];
      if (t && t.account_id !== active) setActive(t.account_id);
      if (t && (path === 'text' || path === 'body') && !t.custom) return 'body';
      return `targets[${target}].${keyOf(target, path).replace(/^t\d+:/, '')}`;
    }
    if (path.startsWith('schedule')) return 'schedule';
    return path || 'body';
  };

  const run = async (kind: Exclude<Busy, null | 'cancel' | 'delete'>) => {
    if (busy) return;
    setError(null);
    setLocalError({});
    setStatus('');
    const action: PostAction = kind === 'save' ? 'save' : kind === 'submit' ? 'submit' : 'schedule';
    let schedule: ScheduleInput | null;
    if (kind === 'now') schedule = { mode: 'now' };
    else if (kind === 'queue') schedule = { mode: 'queue' };
    else if (kind === 'schedule') {
      schedule = scheduleAt(draft);
      if (!schedule) {
        setLocalError({ schedule: 'Choose a date and a time to schedule the post, or use “Add to queue”.' });
        focusFirstProblem([draft.day ? 'schedule.time' : 'schedule.day']);
        return;
      }
    } else schedule = scheduleAt(draft) ?? (saved ? { mode: 'none' } : null);

    const body: PostInput = { ...buildInput(draft, kindsRef.current), action };
    if (schedule) body.schedule = schedule;
    if (saved) body.version = saved.version;
    setBusy(kind);
    setLastAction(kind);
    try {
      const path = `/workspaces/${seg(workspace.id)}/posts`;
      const r = postId !== null ? await patch<SaveReply>(`${path}/${seg(postId)}`, body) : await post<SaveReply>(path, body);
      const p = postOf(r);
      if (!p) throw new Error('The post was saved, but the server’s answer could not be read. Reload the page to see it.');
      setSaved(p);
      edited.current = false;
      if (postId === null) {
        setPostId(p.id);
        window.history.replaceState(window.history.state, '', `/compose?post=${p.id}`);
        onCreated(p.id);
      }
      // Problems that came back with a saved draft.
      const problems = problemsOf((r as SaveReply).problems);
      const warnings = problemsOf((r as SaveReply).warnings);
      if (problems.length || warnings.length) setCheck((c) => ({ ...(c ?? { schedule: null, targets: [] }), problems, warnings }) as Validation);
      const when = postLocal(p.schedule, tz);
      let msg: string;
      if (p.state === 'scheduled' && p.schedule?.mode !== 'now') msg = `Scheduled for ${formatLocal(when)} (${tz.replace(/_/g, ' ')}).`;
      else if (p.state === 'pending_approval') msg = 'Submitted for approval. An editor will review it.';
      else if (p.state === 'publishing' || p.state === 'published' || (p.state === 'scheduled' && p.schedule?.mode === 'now')) msg = 'Publishing now.';
      else if (p.state === 'approved') msg = 'Saved. The post is approved and waits for a time.';
      else msg = problems.length ? `Draft saved, with ${problems.length} problem${problems.length === 1 ? '' : 's'} to fix before it can be scheduled.` : 'Draft saved.';
      setStatus(msg);
      refreshPending(workspace.id);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'post_locked' && postId !== null) {
        // The worker took the post meanwhile: show it as it goes out.
        setLockNotice('Publishing had already started, so your changes were not saved. This is the post as it goes out.');
        try {
          const p = postOf(await get<unknown>(`/workspaces/${seg(workspace.id)}/posts/${seg(postId)}`));
          if (p) adopt(p);
        } catch (e2) {
          setError(e2 instanceof Error ? e2 : new Error(messageOf(e2)));
        }
      } else if (err instanceof ApiError) {
        setError(err);
        if (err.status === 422) {
          const b = err.body as { problems?: unknown; warnings?: unknown } | null;
          const problems = problemsOf(b?.problems);
          const warnings = problemsOf(b?.warnings);
          setCheck((c) => ({ ...(c ?? { schedule: null, targets: [] }), problems, warnings }) as Validation);
          focusFirstProblem(problems.map(problemField));
        } else if (err.status === 400 && err.field) {
          focusFirstProblem([problemField({ field: err.field, message: err.message })]);
        } else focusFirstProblem([]);
      } else {
        setError(err instanceof Error ? err : new Error(messageOf(err)));
        focusFirstProblem([]);
      }
    } finally {
      setBusy(null);
    }
  };

  /** After a conflict: take the latest version number, so saving again replaces their changes with these. */
  const keepMine = async () => {
    if (postId === null) return;
    try {
      const r = await get<unknown>(`/workspaces/${seg(workspace.id)}/posts/${seg(postId)}`);
      const p = postOf(r);
      if (!p) return;
      setSaved(p);
      setError(null);
      setStatus(`Your changes are still here. Save again to replace ${p.updated_by?.name ?? 'the other'}’s version with them.`);
    } catch (err) {
      setError(err instanceof Error ? err : new Error(messageOf(err)));
    }
  };

  const cancelSchedule = async () => {
    if (!saved || busy) return;
    setBusy('cancel');
    setError(null);
    try {
      const r = await post<unknown>(`/workspaces/${seg(workspace.id)}/posts/${seg(saved.id)}/cancel`, {});
      const p = postOf(r);
      if (p) setSaved(p);
      else setTick((n) => n + 1);
      setStatus('The post is a draft again: it will not be published until it is scheduled.');
      refreshPending(workspace.id);
    } catch (err) {
      setError(err instanceof Error ? err : new Error(messageOf(err)));
    } finally {
      setBusy(null);
    }
  };

  const deletePost = async () => {
    if (!saved) return;
    setError(null);
    try {
      await del(`/workspaces/${seg(workspace.id)}/posts/${seg(saved.id)}`);
      refreshPending(workspace.id);
      setFlash('The post was deleted.', '/calendar');
      navigate('/calendar');
    } catch (err) {
      setError(err instanceof Error ? err : new Error(messageOf(err)));
    }
  };

  if (loading) return <Loading label="Loading the post…" />;
  if (loadError) {
    const notFound = loadError instanceof ApiError && loadError.status === 404;
    return notFound ? (
      <div class="error-box" role="alert">
        <p>This post does not exist in {workspace.name}, or it was deleted.</p>
        <p>
          <a href="/compose">Write a new post</a>
        </p>
      </div>
    ) : (
      <ErrorBox error={loadError} onRetry={() => setTick((n) => n + 1)} />
    );
  }

  const accountList = accounts ?? [];
  const bodyIssues: Issues = { ...issues.get('body') };
  // Text problems of targets that use the main text are shown by the body too.
  draft.targets.forEach((t, i) => {
    if (t.custom) return;
    const e = issues.get(`t${i}:text`);
    const who = `${platformName(t.platform)} (${handleOf(accountList.find((a) => a.id === t.account_id), t)})`;
    bodyIssues.problems = [...bodyIssues.problems, ...e.problems.map((m) => `${who}: ${m}`)];
    bodyIssues.warnings = [...bodyIssues.warnings, ...e.warnings.map((m) => `${who}: ${m}`)];
  });
  const bodyBad = bodyIssues.problems.length > 0;
  const scheduleIssues = issues.get('schedule');
  const scheduleLocal = localError.schedule ?? null;
  const campaignIssues = issues.get('campaign_id');
  const postIssues = issues.get('post');
  const accountIssues: Issues = { problems: [...postIssues.problems], warnings: [...postIssues.warnings] };
  draft.targets.forEach((t, i) => {
    const e = issues.get(`t${i}:account`);
    const who = handleOf(accountList.find((a) => a.id === t.account_id), t);
    accountIssues.problems.push(...e.problems.map((m) => `${who}: ${m}`));
  });
  const resolved = check?.schedule && check.schedule.mode === 'at' ? postLocal(check.schedule, tz) : null;
  const conflict = error instanceof ApiError && error.status === 409 && error.code === 'conflict';
  const locked = error instanceof ApiError && error.code === 'post_locked';
  const problemCount = issues.all.length;

  let errorText: string | null = null;
  if (error) {
    if (error instanceof ApiError && error.status === 422) {
      const n = problemsOf((error.body as { problems?: unknown } | null)?.problems).length;
      errorText = `Not ${lastAction === 'submit' ? 'submitted' : lastAction === 'save' ? 'saved' : 'scheduled'}: ${n || 'some'} problem${n === 1 ? '' : 's'} to fix first. Each is shown by its field${draft.targets.length > 1 ? ' and counted on the account tabs' : ''}.`;
    } else if (conflict) {
      errorText = 'Someone else changed this post since you opened it. Nothing was saved.';
    } else if (locked) {
      errorText = 'Publishing has started, so this post can no longer be changed.';
    } else if (error instanceof ApiError && error.status === 400 && error.field) {
      errorText = `Not saved: ${error.message}`;
    } else errorText = error.message || 'Something went wrong.';
  }

  if (saved && viewing) {
    return (
      <PostView
        workspace={workspace}
        post={saved}
        accounts={accounts ?? []}
        pollTick={pollTick}
        notice={lockNotice}
        onPost={(p) => {
          adopt(p);
          setLockNotice(null);
        }}
      />
    );
  }

  return (
    <form
      ref={formRef}
      class="composer"
      noValidate
      aria-label={saved ? 'Edit post' : 'New post'}
      onSubmit={(e) => {
        e.preventDefault();
        void run(editor ? 'schedule' : 'save');
      }}
    >
      <p class="visually-hidden" role="status">
        {status}
      </p>
      {saved && (
        <div class="compose-state">
          <StateBadge state={saved.state} />
          {saved.created_by && (
            <span class="muted">
              Written by {saved.created_by.name}
              {saved.updated_by && saved.updated_by.id !== saved.created_by.id ? `, last changed by ${saved.updated_by.name}` : ''}
            </span>
          )}
        </div>
      )}
      {saved?.review_note && (saved.state === 'changes_requested' || saved.state === 'draft') && (
        <div class="notice review-note" role="note">
          <strong>Changes requested:</strong> {saved.review_note}
        </div>
      )}
      {readOnly && (
        <p class="notice">
          {!canContribute(role)
            ? `You can read posts in ${workspace.name}; as a ${roleLabel(role).toLowerCase()} you cannot change them.`
            : LOCKED_STATES.has(state)
              ? `This post is ${stateLabel(state).toLowerCase()}: it can no longer be changed.`
              : `Contributors change only their own posts, while they are drafts or have changes requested. This one is ${stateLabel(state).toLowerCase()}.`}
        </p>
      )}
      {errorText && (
        <div class="form-error compose-error" role="alert" tabIndex={-1}>
          <p>{errorText}</p>
          {conflict && (
            <div class="row-actions">
              <button type="button" class="button button-secondary button-small" onClick={() => setTick((n) => n + 1)}>
                Load their version (your changes are lost)
              </button>
              <button type="button" class="button button-secondary button-small" onClick={() => void keepMine()}>
                Keep my changes
              </button>
            </div>
          )}
        </div>
      )}
      {status && (
        <p class="notice notice-success compose-status" aria-hidden="true">
          {status}
        </p>
      )}

      <div class="composer-grid">
        <div class="composer-main">
          <section class="card" aria-labelledby="compose-write-heading">
            <h2 id="compose-write-heading">Write</h2>
            <fieldset class="plain" disabled={readOnly}>
              <div class={bodyBad ? 'field field-invalid' : 'field'}>
                <label for="compose-body">Text</label>
                <textarea
                  id="compose-body"
                  data-field="body"
                  rows={7}
                  value={draft.body}
                  aria-invalid={bodyBad ? 'true' : undefined}
                  aria-describedby={describedBy('compose-counters', hasIssues(bodyIssues) && 'compose-body-issues')}
                  onInput={(e) => {
                    const v = e.currentTarget.value;
                    edited.current = true;
                    setStatus('');
                    setDraft((d) => ({ ...d, body: v, targets: d.targets.map((t) => (t.custom ? t : { ...t, text: v })) }));
                  }}
                />
                <p class="counters" id="compose-counters" aria-live="polite">
                  {draft.targets.length === 0 ? (
                    <span class="field-hint">Choose accounts to see each platform’s limits.</span>
                  ) : (
                    draft.targets.map((t, i) => {
                      const ct = check && check.targets.length === draft.targets.length ? check.targets[i] : undefined;
                      const c = ct?.counters?.find((x) => counterPath(x.field) === 'text') ?? localCounter(t.platform, t.custom ? t.text : draft.body);
                      return (
                        <span key={t.account_id} class="counter-chip">
                          <PlatformIcon platform={t.platform} size="sm" />
                          <CounterView counter={c} label={`${platformName(t.platform)}${t.custom ? ' (own text)' : ''}`} />
                        </span>
                      );
                    })
                  )}
                  {checking && <span class="checking muted"> Checking…</span>}
                </p>
                <IssueList id="compose-body-issues" issues={bodyIssues} />
                {checkError && <p class="field-hint">{checkError}</p>}
              </div>

              {accountsError ? (
                <ErrorBox error={accountsError} onRetry={reloadAccounts} />
              ) : !accounts ? (
                <Loading label="Loading accounts…" />
              ) : (
                <AccountPicker
                  accounts={accountList}
                  chosen={draft.targets.map((t) => t.account_id)}
                  onToggle={toggleAccount}
                  issues={accountIssues}
                  disabled={readOnly}
                />
              )}

              <MediaPicker workspace={workspace} media={draft.media} onChange={(m) => update({ media: m })} issues={issues.get('media')} disabled={readOnly} />

              <div class={campaignIssues.problems.length ? 'field field-invalid' : 'field'}>
                <label for="compose-campaign">
                  Campaign<span class="optional"> (optional)</span>
                </label>
                <select
                  id="compose-campaign"
                  data-field="campaign_id"
                  value={draft.campaign_id === null ? '' : String(draft.campaign_id)}
                  aria-describedby={hasIssues(campaignIssues) ? 'compose-campaign-issues' : undefined}
                  onChange={(e) => update({ campaign_id: e.currentTarget.value === '' ? null : Number(e.currentTarget.value) })}
                >
                  <option value="">No campaign</option>
                  {(campaigns ?? []).map((c) => (
                    <option key={c.id} value={String(c.id)}>
                      {c.name}
                    </option>
                  ))}
                  {saved?.campaign && !(campaigns ?? []).some((c) => c.id === saved.campaign!.id) && (
                    <option value={String(saved.campaign.id)}>{saved.campaign.name}</option>
                  )}
                </select>
                <IssueList id="compose-campaign-issues" issues={campaignIssues} />
              </div>
            </fieldset>
          </section>

          <section class="card" aria-labelledby="compose-platforms-heading">
            <h2 id="compose-platforms-heading">
              Per account{' '}
              {problemCount > 0 && (
                <span class="badge badge-danger">
                  {problemCount} problem{problemCount === 1 ? '' : 's'}
                </span>
              )}
            </h2>
            <TargetTabs
              draft={draft}
              accounts={accountList}
              check={check}
              issues={issues}
              active={active}
              setActive={setActive}
              disabled={readOnly}
              onChange={(i, t) => update({ targets: draft.targets.map((x, j) => (j === i ? t : x)) })}
            />
          </section>

        </div>

        <aside class="composer-side">
          <section class="card schedule-card" aria-labelledby="compose-schedule-heading">
            <h2 id="compose-schedule-heading">{editor ? 'Schedule' : 'Time'}</h2>
            <fieldset class="plain" disabled={readOnly}>
              <div
                class={scheduleIssues.problems.length || scheduleLocal ? 'schedule-fields field-invalid' : 'schedule-fields'}
                role="group"
                aria-labelledby="compose-schedule-heading"
                aria-describedby={describedBy('compose-zone', (hasIssues(scheduleIssues) || scheduleLocal) && 'compose-schedule-issues')}
              >
                <div class="field">
                  <label for="compose-date">Date</label>
                  <input
                    id="compose-date"
                    type="date"
                    data-field="schedule.day"
                    value={draft.day}
                    min={todayIn(tz)}
                    aria-invalid={scheduleIssues.problems.length || scheduleLocal ? 'true' : undefined}
                    aria-describedby={describedBy('compose-zone', (hasIssues(scheduleIssues) || scheduleLocal) && 'compose-schedule-issues')}
                    onInput={(e) => update({ day: e.currentTarget.value })}
                  />
                </div>
                <div class="field">
                  <label for="compose-time">Time</label>
                  <input
                    id="compose-time"
                    type="time"
                    data-field="schedule.time"
                    value={draft.time}
                    aria-invalid={scheduleIssues.problems.length || scheduleLocal ? 'true' : undefined}
                    aria-describedby={describedBy('compose-zone', (hasIssues(scheduleIssues) || scheduleLocal) && 'compose-schedule-issues')}
                    onInput={(e) => update({ time: e.currentTarget.value })}
                  />
                </div>
              </div>
              <p class="field-hint" id="compose-zone" data-field="schedule">
                Time zone: <strong>{zoneLabel(tz)}</strong>, the workspace’s.
              </p>
              <div id="compose-schedule-issues">
                {scheduleLocal && <p class="field-error">{scheduleLocal}</p>}
                <IssueList id="compose-schedule-issues-list" issues={scheduleIssues} />
              </div>
              {(draft.fold === 'later' || check?.warnings.some((w) => w.code === 'ambiguous_time')) && draft.day && draft.time && (
                <div class="field field-check">
                  <input
                    id="compose-fold"
                    type="checkbox"
                    checked={draft.fold === 'later'}
                    onChange={(e) => update({ fold: e.currentTarget.checked ? 'later' : 'earlier' })}
                  />
                  <label for="compose-fold">Use the second {draft.time}, after the clocks go back</label>
                </div>
              )}
              {resolved && draft.day && draft.time && `${resolved.day}T${resolved.time}` !== `${draft.day}T${draft.time}` && (
                <p class="field-hint">Publishes at {formatLocal(resolved)}.</p>
              )}
              {saved?.schedule && saved.schedule.mode !== 'none' && (
                <p class="field-hint">
                  Saved:{' '}
                  {saved.schedule.mode === 'queue'
                    ? `next free queue slot${saved.schedule.local || saved.schedule.at ? ` (${formatLocal(postLocal(saved.schedule, tz))})` : ''}`
                    : saved.schedule.mode === 'now'
                      ? 'as soon as possible'
                      : formatLocal(postLocal(saved.schedule, tz))}
                </p>
              )}

              <div class="schedule-actions">
                {editor ? (
                  <>
                    <button type="button" class="button button-primary" disabled={busy !== null} onClick={() => void run('schedule')}>
                      {busy === 'schedule' ? 'Scheduling…' : saved?.state === 'scheduled' ? 'Update schedule' : 'Schedule'}
                    </button>
                    <button type="button" class="button button-secondary" disabled={busy !== null} onClick={() => void run('queue')}>
                      {busy === 'queue' ? 'Adding…' : 'Add to queue'}
                    </button>
                    <button type="button" class="button button-secondary" disabled={busy !== null} onClick={() => void run('now')}>
                      {busy === 'now' ? 'Posting…' : 'Post now'}
                    </button>
                    <button type="button" class="button button-secondary" disabled={busy !== null} onClick={() => void run('save')}>
                      {busy === 'save' ? 'Saving…' : saved && saved.state !== 'draft' ? 'Save as draft' : 'Save draft'}
                    </button>
                  </>
                ) : canContribute(role) ? (
                  <>
                    <button type="button" class="button button-primary" disabled={busy !== null} onClick={() => void run('submit')}>
                      {busy === 'submit' ? 'Submitting…' : 'Submit for approval'}
                    </button>
                    <button type="button" class="button button-secondary" disabled={busy !== null} onClick={() => void run('save')}>
                      {busy === 'save' ? 'Saving…' : 'Save draft'}
                    </button>
                  </>
                ) : null}
              </div>
              {editor && (
                <p class="field-hint">
                  “Add to queue” takes the next free slot of the <a href="/queue">queue</a>. “Save as draft” keeps the post unscheduled.
                </p>
              )}
              {!editor && canContribute(role) && (
                <p class="field-hint">An editor approves the post; it is then published at the time above, if you chose one.</p>
              )}
            </fieldset>
            {(mayCancel || mayDelete) && (
              <div class="schedule-more">
                {mayCancel && (
                  <button type="button" class="button button-secondary button-small" disabled={busy !== null} onClick={() => void cancelSchedule()}>
                    {busy === 'cancel' ? 'Working…' : state === 'pending_approval' ? 'Withdraw from approval' : 'Unschedule'}
                  </button>
                )}
                {mayDelete && (
                  <ConfirmButton
                    label="Delete post"
                    confirmLabel="Yes, delete"
                    question="Delete this post?"
                    detail="It is removed from the calendar and will not be published."
                    onConfirm={deletePost}
                  />
                )}
              </div>
            )}
          </section>
        </aside>
      </div>
    </form>
  );
}

function readQuery(): { post: number | null; day: string | null } {
  const q = new URLSearchParams(window.location.search);
  const raw = q.get('post');
  const id = raw && /^\d{1,15}$/.test(raw) ? Number(raw) : null;
  const date = q.get('date');
  return { post: id, day: date && /^\d{4}-\d{2}-\d{2}$/.test(date) ? date : null };
}

export function Compose() {
  const session = useSession();
  const workspace = currentWorkspace(session);
  const [{ post: postId, day }] = useState(readQuery);
  const [created, setCreated] = useState(false);
  const [viewing, setViewing] = useState(false);
  const title = viewing ? 'Post' : postId || created ? 'Edit post' : 'New post';
  return (
    <Page title={title} heading={title} intro={workspace ? `${workspace.name} · you are ${roleLabel(workspace.role).toLowerCase()}` : undefined}>
      <WithWorkspace>
        {workspace && session.status === 'signed-in' && (
          <Composer
            key={`${workspace.id}-${postId ?? 'new'}`}
            workspace={workspace}
            userId={session.user.id}
            postId={postId}
            prefillDay={day}
            onCreated={() => setCreated(true)}
            onViewing={setViewing}
          />
        )}
      </WithWorkspace>
    </Page>
  );
}
