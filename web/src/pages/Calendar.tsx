/*
 * The calendar: posts by day in the workspace's time zone, as a month or a
 * week (GET /calendar), or as a list (GET /posts) with CSV export and import.
 * Filters by account, platform, campaign and state live in the address
 * (/calendar?view=week&date=2026-12-01&campaign_id=4), so links can share them.
 * A post is moved to another day by dragging it, or with its "Move" button;
 * it keeps its wall-clock time.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, get, messageOf, patch, post, seg } from '../api';
import type { SocialAccount, Workspace } from '../api';
import { Page } from '../components/Layout';
import { EmptyState, ErrorBox, Loading } from '../components/ui';
import { CampaignSwatch, PlatformIcon, StateBadge, campaignStyle, refreshPending, useAccounts, useCampaigns } from '../components/PostBits';
import { LiveGlyph } from '../components/Publishing';
import { nextChangeOf, usePostChanges } from '../live';
import {
  LOCKED_STATES,
  MOVABLE,
  POST_STATES,
  PUBLISHING_PLATFORMS,
  accountLabel,
  addDays,
  addMonths,
  excerpt,
  formatDay,
  formatLocal,
  formatMonth,
  platformName,
  postLocal,
  problemsOf,
  safeUrl,
  startOfMonth,
  startOfWeek,
  stateLabel,
  todayIn,
  zoneLabel,
  WEEKDAYS,
} from '../posts';
import type { CalendarPage, CalendarPost, Campaign, PostList, PostSummary, Problem } from '../posts';
import { Link, navigate } from '../router';
import { currentWorkspace, useSession } from '../session';
import { canContribute, canEdit, roleLabel } from '../util';
import { Icon, WithWorkspace } from './Sections';
import '../styles/posts.css';

type View = 'month' | 'week' | 'list';

interface Filters {
  account_id: string;
  platform: string;
  campaign_id: string;
  state: string;
}

const FILTER_KEYS: (keyof Filters)[] = ['account_id', 'platform', 'campaign_id', 'state'];

interface Where {
  view: View;
  date: string;
  filters: Filters;
}

function readWhere(timeZone: string): Where {
  const q = new URLSearchParams(window.location.search);
  const v = q.get('view');
  const view: View = v === 'week' || v === 'list' ? v : 'month';
  const d = q.get('date');
  const date = d && /^\d{4}-\d{2}-\d{2}$/.test(d) ? d : todayIn(timeZone);
  const filters: Filters = { account_id: '', platform: '', campaign_id: '', state: '' };
  for (const k of FILTER_KEYS) {
    const value = q.get(k);
    if (value && /^[\w,]{1,200}$/.test(value)) filters[k] = value;
  }
  return { view, date, filters };
}

function writeWhere(w: Where, timeZone: string): void {
  const q = new URLSearchParams();
  if (w.view !== 'month') q.set('view', w.view);
  if (w.date !== todayIn(timeZone)) q.set('date', w.date);
  for (const k of FILTER_KEYS) if (w.filters[k]) q.set(k, w.filters[k]);
  const s = q.toString();
  const url = `/calendar${s ? `?${s}` : ''}`;
  if (url !== window.location.pathname + window.location.search) window.history.replaceState(window.history.state, '', url);
}

function filterQuery(f: Filters): string {
  const q = new URLSearchParams();
  for (const k of FILTER_KEYS) if (f[k]) q.set(k, f[k]);
  return q.toString();
}

/** The dates a view shows: [from, to) and the rows of days. */
function range(view: View, date: string): { from: string; to: string; weeks: string[][] } {
  if (view === 'week') {
    const from = startOfWeek(date);
    return { from, to: addDays(from, 7), weeks: [Array.from({ length: 7 }, (_, i) => addDays(from, i))] };
  }
  const first = startOfMonth(date);
  const from = startOfWeek(first);
  const last = addDays(addMonths(first, 1), -1);
  const to = addDays(startOfWeek(last), 7);
  const weeks: string[][] = [];
  for (let d = from; d < to; d = addDays(d, 7)) weeks.push(Array.from({ length: 7 }, (_, i) => addDays(d, i)));
  return { from, to, weeks };
}

/* ---------- Filters ---------- */

function FilterBar({
  filters,
  onChange,
  accounts,
  campaigns,
}: {
  filters: Filters;
  onChange: (f: Filters) => void;
  accounts: SocialAccount[];
  campaigns: Campaign[];
}) {
  const set = (k: keyof Filters, v: string) => onChange({ ...filters, [k]: v });
  const any = FILTER_KEYS.some((k) => filters[k] !== '');
  return (
    <div class="filter-bar" role="group" aria-label="Filters">
      <div class="field">
        <label for="cal-f-account">Account</label>
        <select id="cal-f-account" value={filters.account_id} onChange={(e) => set('account_id', e.currentTarget.value)}>
          <option value="">All accounts</option>
          {accounts.map((a) => (
            <option key={a.id} value={String(a.id)}>
              {a.name || accountLabel(a)} ({platformName(a.platform)})
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="cal-f-platform">Platform</label>
        <select id="cal-f-platform" value={filters.platform} onChange={(e) => set('platform', e.currentTarget.value)}>
          <option value="">All platforms</option>
          {PUBLISHING_PLATFORMS.map((p) => (
            <option key={p} value={p}>
              {platformName(p)}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="cal-f-campaign">Campaign</label>
        <select id="cal-f-campaign" value={filters.campaign_id} onChange={(e) => set('campaign_id', e.currentTarget.value)}>
          <option value="">All campaigns</option>
          {campaigns.map((c) => (
            <option key={c.id} value={String(c.id)}>
              {c.name}
            </option>
          ))}
          {filters.campaign_id && !campaigns.some((c) => String(c.id) === filters.campaign_id) && (
            <option value={filters.campaign_id}>Campaign {filters.campaign_id}</option>
          )}
        </select>
      </div>
      <div class="field">
        <label for="cal-f-state">State</label>
        <select id="cal-f-state" value={filters.state} onChange={(e) => set('state', e.currentTarget.value)}>
          <option value="">All states</option>
          {POST_STATES.map((s) => (
            <option key={s} value={s}>
              {stateLabel(s)}
            </option>
          ))}
        </select>
      </div>
      {any && (
        <button type="button" class="link-button filter-clear" onClick={() => onChange({ account_id: '', platform: '', campaign_id: '', state: '' })}>
          Clear filters
        </button>
      )}
    </div>
  );
}

/* ---------- A post on the calendar ---------- */

function uniquePlatforms(p: CalendarPost): string[] {
  return [...new Set(p.targets.map((t) => t.platform))];
}

/** The published targets with a link to the post on their platform. */
function publishedLinks(p: CalendarPost): { id: number; platform: string; url: string }[] {
  const out: { id: number; platform: string; url: string }[] = [];
  for (const t of p.targets) {
    const url = t.state === 'published' ? safeUrl(t.remote_url) : null;
    if (url) out.push({ id: t.id, platform: t.platform, url });
  }
  return out;
}

const FINAL_WORDS: Readonly<Record<string, string>> = {
  publishing: 'is being published',
  published: 'was published',
  partially_published: 'was published on some accounts; others failed',
  failed: 'failed to publish',
};

/** For screen readers: the posts that started or finished publishing between two readings. */
function announceChanges(before: readonly CalendarPost[] | null | undefined, after: readonly CalendarPost[]): string {
  if (!before) return '';
  const out: string[] = [];
  for (const p of after) {
    const old = before.find((x) => x.id === p.id);
    if (old && old.state !== p.state && FINAL_WORDS[p.state]) out.push(`“${excerpt(p.body, 40)}” ${FINAL_WORDS[p.state]}.`);
  }
  return out.join(' ');
}

function MoveForm({
  p,
  day,
  onMove,
  onClose,
}: {
  p: CalendarPost;
  day: string;
  onMove: (to: string) => Promise<void>;
  onClose: () => void;
}) {
  const [to, setTo] = useState(day);
  const [busy, setBusy] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => inputRef.current?.focus(), []);
  const id = `move-${p.id}`;
  return (
    <div
      class="move-form"
      role="group"
      aria-label={`Move post: ${excerpt(p.body, 40)}`}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.stopPropagation();
          onClose();
        }
      }}
    >
      <label for={id}>Move to</label>
      <input id={id} ref={inputRef} type="date" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
      <span class="move-actions">
        <button
          type="button"
          class="button button-primary button-small"
          disabled={busy || !/^\d{4}-\d{2}-\d{2}$/.test(to) || to === day}
          onClick={async () => {
            setBusy(true);
            try {
              await onMove(to);
            } finally {
              setBusy(false);
            }
          }}
        >
          {busy ? 'Moving…' : 'Move'}
        </button>
        <button type="button" class="button button-secondary button-small" onClick={onClose}>
          Cancel
        </button>
      </span>
    </div>
  );
}

function PostChip({
  p,
  day,
  timeZone,
  showTime,
  accounts,
  movable,
  onMove,
}: {
  p: CalendarPost;
  day: string;
  timeZone: string;
  showTime: boolean;
  accounts: SocialAccount[];
  movable: boolean;
  onMove: (p: CalendarPost, to: string) => Promise<void>;
}) {
  const [moving, setMoving] = useState(false);
  const moveRef = useRef<HTMLButtonElement>(null);
  const local = postLocal(p, timeZone);
  const platforms = uniquePlatforms(p);
  const names = p.targets
    .map((t) => {
      const a = accounts.find((x) => x.id === t.account_id);
      return a ? `${a.name || accountLabel(a)} on ${platformName(t.platform)}` : platformName(t.platform);
    })
    .join(', ');
  const failedOn = LOCKED_STATES.has(p.state)
    ? p.targets.filter((t) => t.state === 'failed').map((t) => platformName(t.platform))
    : [];
  const label = `${local?.time ?? ''} ${excerpt(p.body, 60)}. ${stateLabel(p.state)}${failedOn.length ? ` (failed on ${failedOn.join(', ')})` : ''}. ${names}${p.campaign ? `. Campaign ${p.campaign.name}` : ''}`;
  const links = publishedLinks(p);
  return (
    <li
      class={`cal-chip cal-chip-${p.state}${p.campaign ? ' cal-chip-campaign' : ''}`}
      data-state={p.state}
      style={campaignStyle(p.campaign?.color)}
      draggable={movable}
      data-post-id={p.id}
      onDragStart={(e) => {
        if (!e.dataTransfer) return;
        e.dataTransfer.setData('text/x-p2s-post', String(p.id));
        e.dataTransfer.setData('text/plain', `post ${p.id}`);
        e.dataTransfer.effectAllowed = 'move';
      }}
    >
      <button type="button" class="cal-chip-open" aria-label={`Open post: ${label}`} onClick={() => navigate(`/compose?post=${p.id}`)}>
        <span class="cal-chip-top">
          {showTime && local && <span class="cal-chip-time">{local.time}</span>}
          <span class="cal-chip-icons">
            {platforms.map((pf) => (
              <PlatformIcon key={pf} platform={pf} size="sm" />
            ))}
          </span>
          {LOCKED_STATES.has(p.state) ? (
            <span class={`cal-chip-live live-${p.state}`} title={stateLabel(p.state)}>
              <LiveGlyph state={p.state} />
            </span>
          ) : (
            <span class={`cal-chip-state state-dot-${p.state}`} title={stateLabel(p.state)} />
          )}
        </span>
        <span class="cal-chip-text">{excerpt(p.body, showTime ? 70 : 40)}</span>
      </button>
      {links.length > 0 && (
        <span class="cal-chip-links">
          {links.map((l) => (
            <a
              key={l.id}
              class="cal-chip-link"
              href={l.url}
              target="_blank"
              rel="noopener noreferrer"
              aria-label={`View on ${platformName(l.platform)}: ${excerpt(p.body, 40)} (opens in a new tab)`}
              title={`View on ${platformName(l.platform)}`}
            >
              <PlatformIcon platform={l.platform} size="sm" />
              <span aria-hidden="true">↗</span>
            </a>
          ))}
        </span>
      )}
      {movable && (
        <button
          ref={moveRef}
          type="button"
          class="cal-chip-move"
          aria-label={`Move post to another day: ${excerpt(p.body, 40)}`}
          aria-expanded={moving ? 'true' : 'false'}
          title="Move to another day"
          onClick={() => setMoving(!moving)}
        >
          ⋯
        </button>
      )}
      {moving && (
        <MoveForm
          p={p}
          day={day}
          onMove={async (to) => {
            await onMove(p, to);
            setMoving(false);
          }}
          onClose={() => {
            setMoving(false);
            moveRef.current?.focus();
          }}
        />
      )}
    </li>
  );
}

/* ---------- Month and week ---------- */

function DayCell({
  day,
  today,
  inMonth,
  posts,
  view,
  timeZone,
  accounts,
  mayMove,
  mayCreate,
  onMove,
  onDropPost,
}: {
  day: string;
  today: string;
  inMonth: boolean;
  posts: CalendarPost[];
  view: View;
  timeZone: string;
  accounts: SocialAccount[];
  mayMove: (p: CalendarPost) => boolean;
  mayCreate: boolean;
  onMove: (p: CalendarPost, to: string) => Promise<void>;
  onDropPost: (id: number, to: string) => void;
}) {
  const [over, setOver] = useState(false);
  const depth = useRef(0);
  const isToday = day === today;
  const past = day < today;
  const cls = ['cal-day', inMonth ? '' : 'cal-out', isToday ? 'cal-today' : '', past ? 'cal-past' : '', over ? 'cal-over' : '']
    .filter(Boolean)
    .join(' ');
  const longDate = formatDay(day, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
  return (
    <td
      class={cls}
      data-day={day}
      aria-current={isToday ? 'date' : undefined}
      onDragEnter={(e) => {
        if (!e.dataTransfer?.types.includes('text/x-p2s-post')) return;
        e.preventDefault();
        depth.current++;
        setOver(true);
      }}
      onDragOver={(e) => {
        if (!e.dataTransfer?.types.includes('text/x-p2s-post')) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'move';
      }}
      onDragLeave={() => {
        depth.current = Math.max(0, depth.current - 1);
        if (depth.current === 0) setOver(false);
      }}
      onDrop={(e) => {
        depth.current = 0;
        setOver(false);
        const raw = e.dataTransfer?.getData('text/x-p2s-post');
        if (!raw || !/^\d+$/.test(raw)) return;
        e.preventDefault();
        onDropPost(Number(raw), day);
      }}
    >
      <div class="cal-day-head">
        <span class="cal-day-num" aria-hidden="true">
          {view === 'week' ? formatDay(day, { weekday: 'short', day: 'numeric', month: 'short' }) : Number(day.slice(8))}
        </span>
        <span class="visually-hidden">{longDate}</span>
        {mayCreate && !past && (
          <Link class="cal-day-new" href={`/compose?date=${day}`} aria-label={`New post on ${longDate}`} title="New post on this day">
            +
          </Link>
        )}
      </div>
      {posts.length > 0 && (
        <ul class="cal-chips" aria-label={`Posts on ${longDate}`}>
          {posts.map((p) => (
            <PostChip
              key={p.id}
              p={p}
              day={day}
              timeZone={timeZone}
              showTime
              accounts={accounts}
              movable={mayMove(p)}
              onMove={onMove}
            />
          ))}
        </ul>
      )}
    </td>
  );
}

function CalendarGrid({
  view,
  date,
  weeks,
  timeZone,
  posts,
  accounts,
  mayMove,
  mayCreate,
  onMove,
}: {
  view: View;
  date: string;
  weeks: string[][];
  timeZone: string;
  posts: CalendarPost[];
  accounts: SocialAccount[];
  mayMove: (p: CalendarPost) => boolean;
  mayCreate: boolean;
  onMove: (p: CalendarPost, to: string) => Promise<void>;
}) {
  const today = todayIn(timeZone);
  const byDay = new Map<string, CalendarPost[]>();
  for (const p of posts) {
    const local = postLocal(p, timeZone);
    if (!local) continue;
    const list = byDay.get(local.day) ?? [];
    list.push(p);
    byDay.set(local.day, list);
  }
  for (const list of byDay.values()) {
    list.sort((a, b) => (postLocal(a, timeZone)?.time ?? '').localeCompare(postLocal(b, timeZone)?.time ?? ''));
  }
  const month = date.slice(0, 7);
  const onDropPost = (id: number, to: string) => {
    const p = posts.find((x) => x.id === id);
    if (p && mayMove(p)) void onMove(p, to);
  };
  return (
    <div class="cal-scroll">
      <table class={view === 'week' ? 'cal cal-week' : 'cal cal-month'}>
        <thead>
          <tr>
            {WEEKDAYS.map((w) => (
              <th key={w.n} scope="col" abbr={w.long}>
                {w.short}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((week) => (
            <tr key={week[0]}>
              {week.map((day) => (
                <DayCell
                  key={day}
                  day={day}
                  today={today}
                  inMonth={view === 'week' || day.startsWith(month)}
                  posts={byDay.get(day) ?? []}
                  view={view}
                  timeZone={timeZone}
                  accounts={accounts}
                  mayMove={mayMove}
                  mayCreate={mayCreate}
                  onMove={onMove}
                  onDropPost={onDropPost}
                />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/* ---------- List, export, import ---------- */

interface ImportRow {
  row: number;
  ok: boolean;
  problems: Problem[];
  summary: string | null;
}

/**
 * The import answer: `rows` ({row, ok, mode, local, targets, campaign,
 * warnings}) and the problems, each naming its row (with a column), either
 * inside the rows or in a top-level `problems` list.
 */
function readImport(data: unknown): { rows: ImportRow[]; created: number | null } {
  const d = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>;
  const list = (Array.isArray(d.rows) ? d.rows : Array.isArray(d.items) ? d.items : []) as unknown[];
  const byRow = new Map<number, Problem[]>();
  if (Array.isArray(d.problems)) {
    for (const raw of d.problems as unknown[]) {
      const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
      const n = typeof o.row === 'number' ? o.row : 0;
      const message = typeof o.message === 'string' ? o.message : typeof o.text === 'string' ? o.text : null;
      if (!message) continue;
      const column = typeof o.column === 'string' && o.column !== '' ? o.column : null;
      byRow.set(n, [...(byRow.get(n) ?? []), { field: column, message }]);
    }
  }
  const rows: ImportRow[] = list.map((r, i) => {
    const o = (r && typeof r === 'object' ? r : {}) as Record<string, unknown>;
    const n = typeof o.row === 'number' ? o.row : typeof o.line === 'number' ? o.line : i + 1;
    const problems = [...problemsOf(o.problems ?? o.errors), ...(byRow.get(n) ?? [])];
    byRow.delete(n);
    const text = typeof o.text === 'string' ? o.text : null;
    const mode = typeof o.mode === 'string' ? o.mode : null;
    const time = typeof o.local === 'string' ? o.local.replace('T', ' ') : mode === 'queue' ? 'next queue slot' : mode === 'now' ? 'now' : mode === 'none' ? 'draft' : null;
    const targets = typeof o.targets === 'number' ? `${o.targets} account${o.targets === 1 ? '' : 's'}` : null;
    const campaign = typeof o.campaign === 'string' ? `campaign ${o.campaign}${o.campaign_created ? ' (new)' : ''}` : null;
    const warnings = problemsOf(o.warnings).map((w) => w.message);
    const summary = [text ? excerpt(text, 60) : null, time, targets, campaign, ...warnings].filter(Boolean).join(' · ') || null;
    return { row: n, ok: (typeof o.ok === 'boolean' ? o.ok : true) && problems.length === 0, problems, summary };
  });
  // Problems of rows the server did not list (a row it could not read at all).
  for (const [n, problems] of byRow) rows.push({ row: n, ok: false, problems, summary: null });
  rows.sort((a, b) => a.row - b.row);
  const created = typeof d.created === 'number' ? d.created : Array.isArray(d.posts) ? d.posts.length : null;
  return { rows, created };
}

function ImportSection({ workspace, onImported }: { workspace: Workspace; onImported: () => void }) {
  const [file, setFile] = useState<{ name: string; text: string } | null>(null);
  const [report, setReport] = useState<ImportRow[] | null>(null);
  const [busy, setBusy] = useState<null | 'check' | 'create'>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const path = `/workspaces/${seg(workspace.id)}/posts/import`;

  const check = async (f: { name: string; text: string }) => {
    setBusy('check');
    setError(null);
    setReport(null);
    setDone(null);
    try {
      const r = await post<unknown>(`${path}?dry_run=1`, undefined, { raw: { text: f.text, type: 'text/csv' } });
      setReport(readImport(r).rows);
    } catch (err) {
      if (err instanceof ApiError && err.status === 422 && err.body) {
        const rows = readImport(err.body).rows;
        if (rows.length) {
          setReport(rows);
          return;
        }
      }
      setError(messageOf(err));
    } finally {
      setBusy(null);
    }
  };

  const create = async () => {
    if (!file) return;
    setBusy('create');
    setError(null);
    try {
      const r = await post<unknown>(path, undefined, { raw: { text: file.text, type: 'text/csv' } });
      const { created } = readImport(r);
      const n = created ?? report?.length ?? 0;
      setDone(`${n} post${n === 1 ? '' : 's'} created from ${file.name}.`);
      setReport(null);
      setFile(null);
      if (inputRef.current) inputRef.current.value = '';
      refreshPending(workspace.id);
      onImported();
    } catch (err) {
      if (err instanceof ApiError && err.status === 422 && err.body) {
        const rows = readImport(err.body).rows;
        if (rows.length) setReport(rows);
        setError('Nothing was created: some rows have problems (below).');
      } else setError(messageOf(err));
    } finally {
      setBusy(null);
    }
  };

  const bad = report?.filter((r) => !r.ok).length ?? 0;
  return (
    <section class="card import" aria-labelledby="import-heading">
      <h2 id="import-heading">Import from CSV</h2>
      <p class="field-hint" id="import-hint">
        Columns: <code>text</code>, <code>accounts</code> (ids, names or handles separated by <code>;</code>), <code>time</code> (
        <code>YYYY-MM-DD HH:MM</code> in the workspace’s time zone, <code>now</code>, <code>queue</code>, or empty for a draft), and optionally{' '}
        <code>media</code> (library ids separated by <code>;</code>) and <code>campaign</code> (a name). UTF-8, at most 2 MiB. Every row is checked
        first; nothing is created until you confirm.
      </p>
      <div class="field">
        <label for="import-file">CSV file</label>
        <input
          id="import-file"
          ref={inputRef}
          type="file"
          accept=".csv,text/csv"
          aria-describedby="import-hint"
          onChange={async (e) => {
            const f = e.currentTarget.files?.[0];
            if (!f) return;
            if (f.size > 2 * 1024 * 1024) {
              setError('The file is larger than 2 MiB. Split it into smaller files.');
              return;
            }
            const text = await f.text();
            const picked = { name: f.name, text };
            setFile(picked);
            void check(picked);
          }}
        />
      </div>
      {busy === 'check' && <Loading label="Checking every row…" />}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {done && (
        <p class="notice notice-success" role="status">
          {done}
        </p>
      )}
      {report && (
        <>
          <p role="status">
            {report.length} row{report.length === 1 ? '' : 's'} checked: {report.length - bad} ready
            {bad > 0 ? `, ${bad} with problems` : ''}.
          </p>
          <table class="data-table import-report">
            <thead>
              <tr>
                <th scope="col">Row</th>
                <th scope="col">Result</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {report.map((r) => (
                <tr key={r.row}>
                  <td data-label="Row">{r.row}</td>
                  <td data-label="Result">{r.ok ? <span class="badge badge-success">Ready</span> : <span class="badge badge-danger">Problems</span>}</td>
                  <td data-label="Details">
                    {r.summary && <span class="cell-detail">{r.summary}</span>}
                    {r.problems.map((p, i) => (
                      <span key={i} class="field-error import-problem">
                        {p.field ? `${p.field}: ` : ''}
                        {p.message}
                      </span>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class="form-actions">
            <button type="button" class="button button-primary" disabled={busy !== null || bad > 0 || report.length === 0} onClick={() => void create()}>
              {busy === 'create' ? 'Creating…' : `Create ${report.length} post${report.length === 1 ? '' : 's'}`}
            </button>
            <button
              type="button"
              class="button button-secondary"
              disabled={busy !== null}
              onClick={() => {
                setReport(null);
                setFile(null);
                if (inputRef.current) inputRef.current.value = '';
              }}
            >
              Cancel
            </button>
            {bad > 0 && <span class="field-hint">Fix the rows with problems in the file and choose it again.</span>}
          </div>
        </>
      )}
    </section>
  );
}

function PostRow({ p, timeZone, accounts }: { p: PostSummary; timeZone: string; accounts: SocialAccount[] }) {
  const local = p.schedule && p.schedule.mode !== 'none' ? postLocal(p.schedule, timeZone) : null;
  return (
    <tr>
      <td data-label="When">
        {local ? formatLocal(local) : p.schedule?.mode === 'queue' ? 'Queue' : p.schedule?.mode === 'now' ? 'As soon as possible' : 'No time yet'}
      </td>
      <td data-label="Post">
        <Link href={`/compose?post=${p.id}`}>{excerpt(p.body, 90)}</Link>
        {(p.media_count ?? p.media?.length ?? 0) > 0 ? <span class="cell-detail">{p.media_count ?? p.media?.length} media</span> : null}
      </td>
      <td data-label="Accounts">
        <span class="list-accounts">
          {p.targets.map((t) => {
            const a = accounts.find((x) => x.id === t.account_id);
            return (
              <span key={t.id ?? t.account_id} class="list-account">
                <PlatformIcon platform={t.platform} size="sm" label />
                <span>{a ? a.name || accountLabel(a) : (t.account_name ?? '')}</span>
              </span>
            );
          })}
        </span>
      </td>
      <td data-label="Campaign">
        {p.campaign ? (
          <span class="campaign-name">
            <CampaignSwatch color={p.campaign.color} /> {p.campaign.name}
          </span>
        ) : (
          '—'
        )}
      </td>
      <td data-label="State">
        <span class="list-state">
          <LiveGlyph state={p.state} />
          <StateBadge state={p.state} />
        </span>
        {publishedLinks(p).map((l) => (
          <a key={l.id} class="cell-detail list-link" href={l.url} target="_blank" rel="noopener noreferrer">
            View on {platformName(l.platform)}
            <span class="visually-hidden"> (opens in a new tab)</span>
          </a>
        ))}
      </td>
    </tr>
  );
}

function ListView({
  workspace,
  filters,
  accounts,
  onImported,
}: {
  workspace: Workspace;
  filters: Filters;
  accounts: SocialAccount[];
  onImported: () => void;
}) {
  const [posts, setPosts] = useState<PostSummary[] | null>(null);
  const [cursor, setCursor] = useState<string | number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [moreBusy, setMoreBusy] = useState(false);
  const [tick, setTick] = useState(0);
  const gen = useRef(0);
  const base = `/workspaces/${seg(workspace.id)}/posts`;
  const fq = filterQuery(filters);
  const url = (c: string | number | null) => `${base}?limit=25${fq ? `&${fq}` : ''}${c !== null ? `&cursor=${encodeURIComponent(String(c))}` : ''}`;

  useEffect(() => {
    const g = ++gen.current;
    setError(null);
    setPosts(null);
    get<PostList>(url(null)).then(
      (r) => {
        if (g !== gen.current) return;
        setPosts(r.posts ?? []);
        setCursor(r.next_cursor ?? null);
      },
      (err: unknown) => {
        if (g === gen.current) setError(err);
      },
    );
  }, [workspace.id, fq, tick]);

  // Live: read the first page again while a post on the list is due or publishing; update those already shown.
  const postsRef = useRef<PostSummary[] | null>(null);
  postsRef.current = posts;
  usePostChanges(
    workspace.id,
    async (change) => {
      const shown = postsRef.current;
      if (!shown || (change.post_id !== null && !shown.some((p) => p.id === change.post_id))) return;
      const g = gen.current;
      const r = await get<PostList>(url(null));
      if (g !== gen.current) return;
      const fresh = new Map((r.posts ?? []).map((p) => [p.id, p]));
      setPosts((old) => (old ? old.map((p) => fresh.get(p.id) ?? p) : old));
    },
    () => (posts ? nextChangeOf(posts) : null),
    [posts],
  );

  const more = async () => {
    if (cursor === null) return;
    const g = gen.current;
    setMoreBusy(true);
    try {
      const r = await get<PostList>(url(cursor));
      if (g !== gen.current) return;
      setPosts((old) => [...(old ?? []), ...(r.posts ?? []).filter((p) => !(old ?? []).some((o) => o.id === p.id))]);
      setCursor(r.next_cursor ?? null);
    } catch (err) {
      setError(err);
    } finally {
      setMoreBusy(false);
    }
  };

  return (
    <>
      <div class="list-tools">
        <a class="button button-secondary button-small" href={`/api/v1${base}/export.csv${fq ? `?${fq}` : ''}`} download>
          Export CSV
        </a>
        <span class="field-hint">The export follows the filters above.</span>
      </div>
      {error ? (
        <ErrorBox error={error} onRetry={() => setTick((n) => n + 1)} />
      ) : !posts ? (
        <Loading label="Loading posts…" />
      ) : posts.length === 0 ? (
        <p class="empty-line">No posts match these filters.</p>
      ) : (
        <>
          <table class="data-table post-list">
            <caption class="visually-hidden">Posts, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Post</th>
                <th scope="col">Accounts</th>
                <th scope="col">Campaign</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {posts.map((p) => (
                <PostRow key={p.id} p={p} timeZone={workspace.timezone} accounts={accounts} />
              ))}
            </tbody>
          </table>
          {cursor !== null && (
            <div class="list-footer">
              <button type="button" class="button button-secondary" disabled={moreBusy} onClick={() => void more()}>
                {moreBusy ? 'Loading…' : 'Load more'}
              </button>
            </div>
          )}
        </>
      )}
      {canEdit(workspace.role) && (
        <ImportSection
          workspace={workspace}
          onImported={() => {
            setTick((n) => n + 1);
            onImported();
          }}
        />
      )}
    </>
  );
}

/* ---------- The page ---------- */

function CalendarBody({ workspace }: { workspace: Workspace }) {
  const tz = workspace.timezone;
  const [where, setWhere] = useState<Where>(() => readWhere(tz));
  const { accounts } = useAccounts(workspace.id);
  const { campaigns, reload: reloadCampaigns } = useCampaigns(workspace.id);
  const [data, setData] = useState<CalendarPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [moveError, setMoveError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [tick, setTick] = useState(0);
  const gen = useRef(0);
  const editor = canEdit(workspace.role);

  useEffect(() => writeWhere(where, tz), [where, tz]);

  const { from, to, weeks } = range(where.view, where.date);
  const fq = filterQuery(where.filters);

  useEffect(() => {
    if (where.view === 'list') return;
    const g = ++gen.current;
    setLoading(true);
    setError(null);
    get<CalendarPage>(`/workspaces/${seg(workspace.id)}/calendar?from=${from}&to=${to}${fq ? `&${fq}` : ''}`).then(
      (r) => {
        if (g !== gen.current) return;
        setData(r);
        setLoading(false);
      },
      (err: unknown) => {
        if (g !== gen.current) return;
        setError(err);
        setLoading(false);
      },
    );
  }, [workspace.id, from, to, fq, where.view, tick]);

  // Live: while a post of the range is due or publishing, read the range again every few seconds (live.ts).
  const dataRef = useRef<CalendarPage | null>(null);
  dataRef.current = data;
  usePostChanges(
    workspace.id,
    async (change) => {
      const shown = dataRef.current;
      if (where.view === 'list' || !shown) return;
      if (change.post_id !== null && !shown.posts.some((p) => p.id === change.post_id)) return;
      const g = gen.current;
      const r = await get<CalendarPage>(`/workspaces/${seg(workspace.id)}/calendar?from=${from}&to=${to}${fq ? `&${fq}` : ''}`);
      if (g !== gen.current) return;
      const said = announceChanges(dataRef.current?.posts, r.posts ?? []);
      setData(r);
      if (said) setStatus(said);
    },
    () => (where.view !== 'list' && data ? nextChangeOf(data.posts) : null),
    [data, where.view],
  );

  const mayMove = (p: CalendarPost) => editor && MOVABLE.has(p.state) && !!postLocal(p, tz);

  const move = async (p: CalendarPost, day: string) => {
    const local = postLocal(p, tz);
    if (!local || local.day === day) return;
    setMoveError(null);
    const target = `${day}T${local.time}`;
    const before = data;
    // Show it on the new day at once; put it back if the server refuses.
    setData((d) =>
      d
        ? {
            ...d,
            posts: d.posts.map((x) =>
              x.id === p.id ? { ...x, local: target, scheduled_at: null, schedule: { ...(x.schedule ?? { mode: 'at' }), local: target, at: null } } : x,
            ),
          }
        : d,
    );
    try {
      const path = `/workspaces/${seg(workspace.id)}/posts/${seg(p.id)}`;
      const schedule = { mode: 'at', local: target };
      if (p.state === 'draft') await patch(path, { schedule });
      else await post(`${path}/schedule`, { schedule });
      setStatus(`Moved “${excerpt(p.body, 40)}” to ${formatLocal({ day, time: local.time })}.`);
      setTick((n) => n + 1);
    } catch (err) {
      setData(before);
      let msg = messageOf(err);
      if (err instanceof ApiError && err.status === 422) {
        const problems = problemsOf((err.body as { problems?: unknown } | null)?.problems);
        if (problems.length) msg = problems.map((x) => x.message).join(' ');
      }
      setMoveError(`Could not move “${excerpt(p.body, 40)}” to ${formatDay(day)}: ${msg}`);
    }
  };

  const step = (n: number) =>
    setWhere((w) => ({ ...w, date: w.view === 'week' ? addDays(w.date, 7 * n) : addMonths(startOfMonth(w.date), n) }));
  const title =
    where.view === 'week'
      ? `Week of ${formatDay(from, { day: 'numeric', month: 'long', year: 'numeric' })}`
      : where.view === 'month'
        ? formatMonth(where.date)
        : 'All posts';
  const views: { id: View; label: string }[] = [
    { id: 'month', label: 'Month' },
    { id: 'week', label: 'Week' },
    { id: 'list', label: 'List' },
  ];
  const campaignFilter = where.filters.campaign_id ? (campaigns ?? []).find((c) => String(c.id) === where.filters.campaign_id) : null;

  return (
    <>
      <p class="visually-hidden" role="status">
        {status}
      </p>
      <div class="cal-toolbar">
        <fieldset class="segmented">
          <legend class="visually-hidden">View</legend>
          {views.map((v) => (
            <span key={v.id} class="segmented-option">
              <input
                id={`cal-view-${v.id}`}
                type="radio"
                name="cal-view"
                value={v.id}
                checked={where.view === v.id}
                onChange={() => setWhere((w) => ({ ...w, view: v.id }))}
              />
              <label for={`cal-view-${v.id}`}>{v.label}</label>
            </span>
          ))}
        </fieldset>
        {where.view !== 'list' && (
          <div class="cal-nav">
            <button type="button" class="button button-secondary button-small" onClick={() => step(-1)} aria-label={where.view === 'week' ? 'Previous week' : 'Previous month'}>
              ‹ Previous
            </button>
            <button type="button" class="button button-secondary button-small" onClick={() => setWhere((w) => ({ ...w, date: todayIn(tz) }))}>
              Today
            </button>
            <button type="button" class="button button-secondary button-small" onClick={() => step(1)} aria-label={where.view === 'week' ? 'Next week' : 'Next month'}>
              Next ›
            </button>
          </div>
        )}
        {canContribute(workspace.role) && (
          <Link class="button button-primary button-small" href="/compose">
            New post
          </Link>
        )}
      </div>
      <h2 class="cal-title" id="cal-title">
        {title}
      </h2>
      <p class="field-hint cal-zone">
        Times in {zoneLabel(tz)}, the workspace’s time zone.
        {editor && where.view !== 'list' ? ' Drag a post to another day, or use its ⋯ button, to move it; it keeps its time.' : ''}
      </p>
      {campaignFilter && (
        <p class="notice cal-campaign-note">
          <CampaignSwatch color={campaignFilter.color} />
          <span>
            Showing the campaign <strong>{campaignFilter.name}</strong>.
          </span>
        </p>
      )}
      <FilterBar filters={where.filters} onChange={(f) => setWhere((w) => ({ ...w, filters: f }))} accounts={accounts ?? []} campaigns={campaigns ?? []} />
      {moveError && (
        <p class="form-error" role="alert">
          {moveError}
        </p>
      )}
      {where.view === 'list' ? (
        <ListView workspace={workspace} filters={where.filters} accounts={accounts ?? []} onImported={reloadCampaigns} />
      ) : error ? (
        <ErrorBox error={error} onRetry={() => setTick((n) => n + 1)} />
      ) : !data && loading ? (
        <Loading label="Loading the calendar…" />
      ) : (
        <div aria-busy={loading ? 'true' : 'false'}>
          <CalendarGrid
            view={where.view}
            date={where.date}
            weeks={weeks}
            timeZone={tz}
            posts={data?.posts ?? []}
            accounts={accounts ?? []}
            mayMove={mayMove}
            mayCreate={canContribute(workspace.role)}
            onMove={move}
          />
          {data && data.posts.length === 0 && !loading && (
            fq ? (
              <p class="empty-line">No posts {where.view === 'week' ? 'this week' : 'this month'} match these filters.</p>
            ) : (
              <EmptyState title="No posts scheduled yet" icon={<Icon name="calendar" />}>
                <p>
                  Nothing is planned {where.view === 'week' ? 'this week' : `in ${formatMonth(where.date)}`}. Posts with a time appear here on their
                  day, in the workspace’s time zone, coloured by campaign.
                </p>
                {canContribute(workspace.role) && (
                  <p>
                    <Link class="button button-primary" href="/compose">
                      Write a post
                    </Link>
                  </p>
                )}
              </EmptyState>
            )
          )}
        </div>
      )}
    </>
  );
}

export function Calendar() {
  const session = useSession();
  const workspace = currentWorkspace(session);
  return (
    <Page title="Calendar" heading="Calendar" intro={workspace ? `${workspace.name} · you are ${roleLabel(workspace.role).toLowerCase()}` : undefined}>
      <WithWorkspace>
        {workspace && (
          <div key={workspace.id}>
            <CalendarBody workspace={workspace} />
          </div>
        )}
      </WithWorkspace>
    </Page>
  );
}
