/*
 * Posts, campaigns, the queue and the calendar: the shapes of the "## Posts"
 * section of docs/api.md, the per-platform kinds and options, and the date
 * arithmetic done in a workspace's time zone.
 */
import type { MediaItem, SocialAccount } from './api';

/* ---------- Shapes ---------- */

export type PostState =
  | 'draft'
  | 'pending_approval'
  | 'changes_requested'
  | 'approved'
  | 'scheduled'
  | 'publishing'
  | 'published'
  | 'partially_published'
  | 'failed';

export const POST_STATES: readonly PostState[] = [
  'draft',
  'pending_approval',
  'changes_requested',
  'approved',
  'scheduled',
  'publishing',
  'published',
  'partially_published',
  'failed',
];

export const STATE_LABEL: Readonly<Record<string, string>> = {
  draft: 'Draft',
  pending_approval: 'Waiting for approval',
  changes_requested: 'Changes requested',
  approved: 'Approved',
  scheduled: 'Scheduled',
  publishing: 'Publishing',
  processing: 'Processing',
  retry_wait: 'Waiting to retry',
  unknown: 'Checking',
  published: 'Published',
  partially_published: 'Partly published',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** Target states in which a worker holds the target (it cannot be cancelled then). */
export const PUBLISHING_TARGET_STATES: ReadonlySet<string> = new Set(['publishing', 'processing', 'unknown']);

/** Post states from which publishing has started: the post can no longer be changed (409 post_locked). */
export const LOCKED_STATES: ReadonlySet<string> = new Set(['publishing', 'published', 'partially_published', 'failed']);

export const stateLabel = (state: string | null | undefined): string =>
  state ? (STATE_LABEL[state] ?? state.replace(/_/g, ' ')) : '—';

/** The badge class for a state. */
export function stateTone(state: string): string {
  switch (state) {
    case 'published':
    case 'scheduled':
      return 'badge badge-success';
    case 'approved':
      return 'badge badge-admin';
    case 'pending_approval':
    case 'changes_requested':
    case 'partially_published':
    case 'publishing':
    case 'processing':
    case 'retry_wait':
    case 'unknown':
      return 'badge badge-warning';
    case 'failed':
      return 'badge badge-danger';
    default:
      return 'badge';
  }
}

export type ScheduleMode = 'none' | 'at' | 'now' | 'queue';

export interface Schedule {
  mode: ScheduleMode;
  at?: string | null;
  local?: string | null;
  timezone?: string | null;
}

export interface ScheduleInput {
  mode: ScheduleMode;
  local?: string;
  at?: string;
  fold?: 'earlier' | 'later';
}

export interface PostMedia {
  id: number;
  kind: 'image' | 'video';
  name: string;
  mime?: string;
  width?: number | null;
  height?: number | null;
  duration_ms?: number | null;
  thumbnail_url: string | null;
}

export interface CampaignRef {
  id: number;
  name: string;
  color: string | null;
}

export interface PostTarget {
  id: number;
  account_id: number;
  platform: string;
  account_name: string | null;
  kind: string | null;
  text: string | null;
  options: Record<string, unknown> | null;
  state: string;
  remote_url: string | null;
  error: unknown;
  account_status?: string | null;
  /** When a target waiting to be retried is due, if the server says. */
  due_at?: string | null;
  /** Published after an earlier failure, if the server says (the attempt log tells otherwise). */
  recovered?: boolean | null;
}

export interface Person {
  id: number;
  name: string;
}

export interface Post {
  id: number;
  state: PostState;
  version: number;
  body: string;
  media: PostMedia[];
  campaign: CampaignRef | null;
  schedule: Schedule | null;
  targets: PostTarget[];
  review_note: string | null;
  created_by: Person | null;
  updated_by: Person | null;
  created_at: string;
  updated_at: string;
}

export interface TargetInput {
  account_id: number;
  kind?: string | null;
  text: string | null;
  options: Record<string, unknown>;
}

export type PostAction = 'save' | 'submit' | 'schedule';

export interface PostInput {
  body: string;
  media: number[];
  campaign_id: number | null;
  targets: TargetInput[];
  schedule?: ScheduleInput;
  action?: PostAction;
  version?: number;
}

/** A problem or warning about a post (422 answers, validate, imports). */
export interface Problem {
  target?: number | null;
  account_id?: number | null;
  field?: string | null;
  code?: string | null;
  message: string;
}

export interface Counter {
  field: string;
  used: number;
  limit: number;
}

export interface ValidatedTarget {
  account_id?: number;
  kind?: string | null;
  counters?: Counter[];
}

export interface Validation {
  problems: Problem[];
  warnings: Problem[];
  schedule: Schedule | null;
  targets: ValidatedTarget[];
}

/**
 * A post in the calendar or a list: the contract names `scheduled_at` and
 * `local`; the server sends the post summary with `schedule` ({mode, at,
 * local}), `media_count` and `thumbnail_url`. Both are read.
 */
export interface CalendarPost {
  id: number;
  state: PostState;
  body: string;
  scheduled_at?: string | null;
  local?: string | null;
  schedule?: Schedule | null;
  campaign: CampaignRef | null;
  media_count?: number;
  thumbnail_url?: string | null;
  version?: number;
  created_by?: Person | null;
  targets: {
    id: number;
    account_id: number;
    platform: string;
    account_name?: string | null;
    account_status?: string | null;
    state: string;
    remote_url: string | null;
    error?: string | null;
    due_at?: string | null;
  }[];
}

export interface CalendarPage {
  timezone: string;
  from: string;
  to: string;
  posts: CalendarPost[];
}

/** A post as lists give it: a summary (body cut at 280 characters, no media list, no review note). */
export type PostSummary = CalendarPost & Partial<Pick<Post, 'media' | 'review_note' | 'updated_at' | 'updated_by'>>;

export interface PostList {
  posts: PostSummary[];
  next_cursor: string | number | null;
}

export interface Campaign {
  id: number;
  name: string;
  color: string | null;
  description: string | null;
  starts_on: string | null;
  ends_on: string | null;
  post_count?: number;
}

export interface QueueSlot {
  account_id: number | null;
  weekday: number;
  time: string;
}

export interface QueueSettings {
  timezone: string;
  slots: QueueSlot[];
}

export interface UpcomingSlot {
  at: string;
  local: string;
  post: { id: number; body: string; targets: { account_id: number; platform: string }[]; version?: number } | null;
}

/* ---------- Reading answers defensively ---------- */

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** A problem list from any answer: objects with a message, or plain strings. */
export function problemsOf(list: unknown): Problem[] {
  if (!Array.isArray(list)) return [];
  const out: Problem[] = [];
  for (const p of list) {
    if (typeof p === 'string') out.push({ message: p });
    else if (isObject(p) && typeof p.message === 'string') {
      out.push({
        message: p.message,
        field: typeof p.field === 'string' ? p.field : null,
        target: typeof p.target === 'number' ? p.target : null,
        account_id: typeof p.account_id === 'number' ? p.account_id : null,
        code: typeof p.code === 'string' ? p.code : null,
      });
    }
  }
  return out;
}

/** The validate answer, whatever parts of it the server sends. */
export function readValidation(data: unknown): Validation {
  const d = isObject(data) ? data : {};
  const targets: ValidatedTarget[] = [];
  if (Array.isArray(d.targets)) {
    for (const t of d.targets) {
      if (!isObject(t)) {
        targets.push({});
        continue;
      }
      const counters: Counter[] = [];
      if (Array.isArray(t.counters)) {
        for (const c of t.counters) {
          if (isObject(c) && typeof c.field === 'string' && typeof c.used === 'number' && typeof c.limit === 'number') {
            counters.push({ field: c.field, used: c.used, limit: c.limit });
          }
        }
      }
      const v: ValidatedTarget = { counters, kind: typeof t.kind === 'string' ? t.kind : null };
      if (typeof t.account_id === 'number') v.account_id = t.account_id;
      targets.push(v);
    }
  }
  return {
    problems: problemsOf(d.problems),
    warnings: problemsOf(d.warnings),
    schedule: isObject(d.schedule) ? (d.schedule as unknown as Schedule) : null,
    targets,
  };
}

/**
 * Where a problem belongs: the target index (null for the post itself) and the
 * path inside it ("text", "options.title", "thread[0].text", "body", "media").
 */
export function locate(p: Problem): { target: number | null; path: string } {
  const field = p.field ?? '';
  const m = /^targets\[(\d+)\]\.?(.*)$/.exec(field);
  if (m) return { target: Number(m[1]), path: m[2] || '' };
  if (typeof p.target === 'number') return { target: p.target, path: field };
  return { target: null, path: field };
}

/** A counter's field as a path inside a target ("title" and "options.title" are the same). */
export function counterPath(field: string): string {
  const f = field.replace(/^targets\[\d+\]\./, '');
  if (f === 'text' || f === 'body') return 'text';
  if (f.startsWith('options.')) return f;
  if (/^thread\[\d+\]/.test(f)) return `options.${f}`;
  if (['title', 'tags', 'first_comment', 'link', 'description'].includes(f)) return `options.${f}`;
  return f;
}

/* ---------- Platforms ---------- */

export const PLATFORM_NAME: Readonly<Record<string, string>> = {
  facebook: 'Facebook',
  instagram: 'Instagram',
  linkedin: 'LinkedIn',
  youtube: 'YouTube',
  x: 'X',
  tiktok: 'TikTok',
  whatsapp: 'WhatsApp',
};

export const PUBLISHING_PLATFORMS = ['facebook', 'instagram', 'linkedin', 'youtube', 'x'] as const;

export const platformName = (id: string | null | undefined): string => (id ? (PLATFORM_NAME[id] ?? id) : '');

/** The kinds each platform takes, with their names for people (docs/api.md, the kinds table). */
export const KINDS: Readonly<Record<string, readonly { id: string; label: string }[]>> = {
  facebook: [
    { id: 'post', label: 'Post (text, optional link)' },
    { id: 'photos', label: 'Photos (1–10 images)' },
    { id: 'video', label: 'Video' },
    { id: 'reel', label: 'Reel' },
  ],
  instagram: [
    { id: 'image', label: 'Image' },
    { id: 'carousel', label: 'Carousel (2–10 items)' },
    { id: 'reel', label: 'Reel' },
    { id: 'story', label: 'Story' },
  ],
  linkedin: [
    { id: 'text', label: 'Text' },
    { id: 'images', label: 'Images (1–9)' },
    { id: 'video', label: 'Video' },
  ],
  youtube: [
    { id: 'video', label: 'Video' },
    { id: 'short', label: 'Short' },
  ],
  x: [{ id: 'post', label: 'Post' }],
};

/** The kind the server picks when none is chosen (the contract's rule, for the preview). */
export function defaultKind(platform: string, media: { kind: string }[]): string {
  const images = media.filter((m) => m.kind === 'image').length;
  const video = media.some((m) => m.kind === 'video');
  switch (platform) {
    case 'facebook':
      return video ? 'video' : images > 0 ? 'photos' : 'post';
    case 'instagram':
      return video ? (media.length > 1 ? 'carousel' : 'reel') : images > 1 ? 'carousel' : 'image';
    case 'linkedin':
      return video ? 'video' : images > 0 ? 'images' : 'text';
    case 'youtube':
      return 'video';
    default:
      return 'post';
  }
}

export const X_REPLY_SETTINGS: readonly { id: string; label: string }[] = [
  { id: 'everyone', label: 'Everyone' },
  { id: 'following', label: 'Accounts you follow' },
  { id: 'mentionedUsers', label: 'Only accounts you mention' },
  { id: 'subscribers', label: 'Your subscribers' },
  { id: 'verified', label: 'Verified accounts' },
];

export const YOUTUBE_PRIVACY: readonly { id: string; label: string }[] = [
  { id: 'public', label: 'Public' },
  { id: 'unlisted', label: 'Unlisted' },
  { id: 'private', label: 'Private' },
];

/** YouTube's assignable video categories (Data API v3, region US). */
export const YOUTUBE_CATEGORIES: readonly { id: string; label: string }[] = [
  { id: '1', label: 'Film & Animation' },
  { id: '2', label: 'Autos & Vehicles' },
  { id: '10', label: 'Music' },
  { id: '15', label: 'Pets & Animals' },
  { id: '17', label: 'Sports' },
  { id: '19', label: 'Travel & Events' },
  { id: '20', label: 'Gaming' },
  { id: '22', label: 'People & Blogs' },
  { id: '23', label: 'Comedy' },
  { id: '24', label: 'Entertainment' },
  { id: '25', label: 'News & Politics' },
  { id: '26', label: 'Howto & Style' },
  { id: '27', label: 'Education' },
  { id: '28', label: 'Science & Technology' },
  { id: '29', label: 'Nonprofits & Activism' },
];

export const LINKEDIN_VISIBILITY: readonly { id: string; label: string }[] = [
  { id: 'PUBLIC', label: 'Anyone' },
  { id: 'CONNECTIONS', label: 'Connections only' },
];

/**
 * Text limits per platform, only to show a counter before the server has
 * answered; the server's counters replace these as soon as they arrive.
 */
export const TEXT_LIMIT: Readonly<Record<string, number>> = {
  x: 280,
  linkedin: 3000,
  instagram: 2200,
  facebook: 63206,
  youtube: 5000,
};

/**
 * X's weighted length, roughly (twitter-text v3): most Latin, Greek, Cyrillic
 * and punctuation count 1, everything else 2, a link 23, an emoji sequence 2.
 */
export function weightedLength(text: string): number {
  let n = 0;
  const urls = text.match(/https?:\/\/\S+/g) ?? [];
  let rest = text;
  for (const u of urls) {
    rest = rest.replace(u, '');
    n += 23;
  }
  const segmenter = typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;
  const graphemes = segmenter ? Array.from(segmenter.segment(rest), (s) => s.segment) : Array.from(rest);
  for (const g of graphemes) {
    const cp = g.codePointAt(0) ?? 0;
    if (/\p{Extended_Pictographic}/u.test(g)) n += 2;
    else if (
      cp <= 0x10ff ||
      (cp >= 0x2000 && cp <= 0x200d) ||
      (cp >= 0x2010 && cp <= 0x201f) ||
      (cp >= 0x2032 && cp <= 0x2037)
    )
      n += 1;
    else n += 2;
  }
  return n;
}

/** The estimated text counter for a platform. */
export function localCounter(platform: string, text: string): Counter | null {
  const limit = TEXT_LIMIT[platform];
  if (!limit) return null;
  const used = platform === 'x' ? weightedLength(text) : Array.from(text).length;
  return { field: 'text', used, limit };
}

/** Accounts that can be posted to now. */
export const usable = (a: SocialAccount): boolean => a.status === 'active';

/** Platforms whose accounts go by an @handle; LinkedIn members and Facebook Pages go by their names. */
const HANDLE_PLATFORMS = new Set(['x', 'instagram', 'youtube']);

interface Named {
  platform?: string;
  name: string | null;
  username: string | null;
  remote_id?: string;
}

/** "@bakery" where the platform uses handles (not an email address a platform gives as a username). */
export function accountHandle(a: Named): string | null {
  const u = a.username?.trim();
  if (!u) return null;
  if (a.platform && !HANDLE_PLATFORMS.has(a.platform)) return null;
  if (/\s/.test(u) || u.indexOf('@') > 0) return null;
  return u.startsWith('@') ? u : `@${u}`;
}

/** How an account is named in short: its handle, else its name. */
export function accountLabel(a: Named): string {
  return accountHandle(a) ?? (a.name || a.remote_id || 'account');
}

/** A post's media entry from a library item. */
export function toPostMedia(m: MediaItem): PostMedia {
  return {
    id: m.id,
    kind: m.kind,
    name: m.name,
    mime: m.mime,
    width: m.width,
    height: m.height,
    duration_ms: m.duration_s ? Math.round(m.duration_s * 1000) : null,
    thumbnail_url: m.thumbnail_url,
  };
}

/* ---------- Dates in a time zone ---------- */

/** A civil date "YYYY-MM-DD" from its parts. */
export const ymd = (y: number, m: number, d: number): string =>
  `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;

/** The civil date as a UTC midnight (a date container, no zone involved). */
export function dateOf(day: string): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d));
}

export function dayString(d: Date): string {
  return ymd(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

export function addDays(day: string, n: number): string {
  const d = dateOf(day);
  d.setUTCDate(d.getUTCDate() + n);
  return dayString(d);
}

export function addMonths(day: string, n: number): string {
  const d = dateOf(day);
  const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1));
  return dayString(target);
}

/** 1 = Monday … 7 = Sunday. */
export function weekday(day: string): number {
  const w = dateOf(day).getUTCDay();
  return w === 0 ? 7 : w;
}

/** The Monday on or before the day. */
export const startOfWeek = (day: string): string => addDays(day, 1 - weekday(day));

export const startOfMonth = (day: string): string => day.slice(0, 8) + '01';

/** The wall-clock parts of an instant in a time zone. */
export function zonedParts(iso: string | number | Date, timeZone: string): { day: string; time: string } | null {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  try {
    const parts = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).formatToParts(d);
    const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '00';
    return { day: `${get('year')}-${get('month')}-${get('day')}`, time: `${get('hour')}:${get('minute')}` };
  } catch {
    return null;
  }
}

/** Today's date in a time zone. */
export function todayIn(timeZone: string): string {
  return zonedParts(Date.now(), timeZone)?.day ?? dayString(new Date());
}

/** "CET", "GMT+1", … for the zone at that moment. */
export function zoneAbbreviation(timeZone: string, at: number = Date.now()): string {
  try {
    const parts = new Intl.DateTimeFormat('en-GB', { timeZone, timeZoneName: 'short' }).formatToParts(new Date(at));
    return parts.find((p) => p.type === 'timeZoneName')?.value ?? '';
  } catch {
    return '';
  }
}

/** "Europe/Paris (CET)". */
export function zoneLabel(timeZone: string): string {
  const abbr = zoneAbbreviation(timeZone);
  const name = timeZone.replace(/_/g, ' ');
  return abbr && abbr !== timeZone ? `${name} (${abbr})` : name;
}

/** The date and time parts of a local "YYYY-MM-DDTHH:MM". */
export function splitLocal(local: string | null | undefined): { day: string; time: string } | null {
  if (!local) return null;
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})/.exec(local);
  return m ? { day: m[1]!, time: m[2]! } : null;
}

interface Timed {
  local?: string | null;
  at?: string | null;
  scheduled_at?: string | null;
  schedule?: Schedule | null;
}

/**
 * The wall-clock time of a post (or its schedule) in the workspace's zone:
 * `local` when the server gives it, else the instant converted here.
 */
export function postLocal(s: Timed | null | undefined, timeZone: string): { day: string; time: string } | null {
  if (!s) return null;
  const split = splitLocal(s.local);
  if (split) return split;
  const at = s.at ?? s.scheduled_at;
  if (at) return zonedParts(at, timeZone);
  return s.schedule ? postLocal(s.schedule, timeZone) : null;
}

/** "Tue 1 Dec 2026", from a civil date. */
export function formatDay(day: string, opts: Intl.DateTimeFormatOptions = { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }): string {
  return new Intl.DateTimeFormat(undefined, { ...opts, timeZone: 'UTC' }).format(dateOf(day));
}

/** "Tue 1 Dec 2026, 09:00" from a local date-time. */
export function formatLocal(local: { day: string; time: string } | null): string {
  if (!local) return 'No time yet';
  return `${formatDay(local.day)}, ${local.time}`;
}

/** "December 2026". */
export function formatMonth(day: string): string {
  return new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(dateOf(day));
}

export const WEEKDAYS: readonly { n: number; short: string; long: string }[] = [1, 2, 3, 4, 5, 6, 7].map((n) => {
  // 2024-01-01 was a Monday.
  const d = new Date(Date.UTC(2024, 0, n));
  return {
    n,
    short: new Intl.DateTimeFormat(undefined, { weekday: 'short', timeZone: 'UTC' }).format(d),
    long: new Intl.DateTimeFormat(undefined, { weekday: 'long', timeZone: 'UTC' }).format(d),
  };
});

/** One line of a post for lists: the first line, shortened. */
export function excerpt(text: string | null | undefined, max = 80): string {
  const t = (text ?? '').replace(/\s+/g, ' ').trim();
  if (t === '') return '(no text)';
  return t.length > max ? t.slice(0, max - 1).trimEnd() + '…' : t;
}

/** States a post can be moved to another time from (POST /posts/{id}/schedule, or PATCH for drafts). */
export const MOVABLE: ReadonlySet<string> = new Set(['draft', 'approved', 'scheduled']);

/** States in which a post can still be edited (by an editor). */
export const EDITABLE: ReadonlySet<string> = new Set([
  'draft',
  'pending_approval',
  'changes_requested',
  'approved',
  'scheduled',
]);

/** A link to a post on a platform, only when it is http(s). */
export function safeUrl(u: string | null | undefined): string | null {
  return u && /^https?:\/\//i.test(u) ? u : null;
}

/* ---------- Publishing: the attempt log ---------- */

/** One request an attempt made to the platform (never tokens, never bodies). */
export interface AttemptRequest {
  started_at: string | null;
  ended_at: string | null;
  method: string;
  url: string;
  /** The one request that makes the post public. */
  create_step: boolean;
  status: number | null;
  error: string | null;
}

export interface Attempt {
  id: number;
  target_id: number;
  worker: string | null;
  started_at: string | null;
  ended_at: string | null;
  /** published, retry, failed, released; null while it runs or when it was cut short. */
  outcome: string | null;
  error_kind: string | null;
  error_code: string | null;
  error_message: string | null;
  requests: AttemptRequest[];
}

/** A valid #RRGGBB colour, or null. */
export function safeColor(c: string | null | undefined): string | null {
  return c && /^#[0-9a-fA-F]{6}$/.test(c) ? c : null;
}
