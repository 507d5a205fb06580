/*
 * The signed-in person's notifications: the unread count for the bell, the
 * toasts of new ones, and the calls to list them and mark them read
 * (docs/api.md, "Notifications").
 *
 * New notifications arrive as "notification" events on the tab's one event
 * stream (stream.ts). While the stream is down, the unread count is polled
 * instead, and the newest unread ones are fetched when it grows, so toasts
 * still come (later).
 */
import { useEffect, useState } from 'preact/hooks';
import { get, post } from './api';
import type { Role } from './api';
import { joinStream, streamUp } from './stream';
import type { EventData, StreamHandle } from './stream';

export interface AppNotification {
  id: number;
  workspace_id: number;
  event: string;
  title: string;
  body: string | null;
  link: string | null;
  data: Record<string, unknown> | null;
  /** From the list (an ISO time); events on the stream carry created_ms instead. */
  created_at?: string | null;
  created_ms?: number | null;
  read_at: string | null;
}

export interface NotificationPage {
  notifications: AppNotification[];
  next_cursor: number | null;
  unread_count: number;
}

export interface UnreadCount {
  unread_count: number;
  by_workspace: Record<string, number>;
}

/* ---------- Kinds ---------- */

/** The kinds people are told of, in the server's order, with its labels (the preferences' labels win). */
export const NOTIFICATION_KINDS: readonly { kind: string; label: string }[] = [
  { kind: 'target.published', label: 'A post was published' },
  { kind: 'target.failed', label: 'A post could not be published' },
  { kind: 'target.recovered', label: 'A failed post went out after all' },
  { kind: 'account.needs_reconnect', label: 'An account needs reconnecting' },
  { kind: 'account.reconnect_soon', label: 'An account will need reconnecting soon' },
  { kind: 'post.approved', label: 'A post I submitted was approved' },
  { kind: 'post.changes_requested', label: 'A post I submitted was sent back' },
  { kind: 'invitation.accepted', label: 'Someone joined through an invitation' },
];

export function kindLabel(kind: string): string {
  return NOTIFICATION_KINDS.find((k) => k.kind === kind)?.label ?? kind;
}

/**
 * Why a kind is not sent to someone of this role (the server's `applies` is
 * false), in plain words; docs/api.md, "Notifications".
 */
export function whyNotTold(kind: string, role: Role): string {
  if (role === 'viewer') return 'Viewers are not told of anything.';
  if (kind.startsWith('target.') || kind.startsWith('post.')) return 'Only about posts you wrote, and contributors and up write them.';
  if (kind === 'account.needs_reconnect') return `Editors, admins and owners are told of this; you are ${article(role)}.`;
  if (kind === 'account.reconnect_soon' || kind === 'invitation.accepted')
    return `Admins and owners are told of this; you are ${article(role)}.`;
  return `Not sent to ${role}s.`;
}

function article(role: Role): string {
  return (/^[aeiou]/.test(role) ? 'an ' : 'a ') + role;
}

/** When a kind that applies is sent only about one's own posts (contributors). */
export function onlyAsAuthor(kind: string, role: Role): boolean {
  return role === 'contributor' && (kind.startsWith('target.') || kind.startsWith('post.'));
}

/* ---------- Times and links ---------- */

/** The notification's time as an ISO string. */
export function notificationTime(n: AppNotification): string | null {
  if (n.created_at) return n.created_at;
  if (typeof n.created_ms === 'number') return new Date(n.created_ms).toISOString();
  return null;
}

export type NotificationLink = { kind: 'platform'; href: string } | { kind: 'app'; href: string } | null;

/**
 * Where a notification leads: the post on the platform (opened in a new
 * tab), or a page of this app (opened inside it, even when the server's
 * public address differs from the one the tab uses).
 */
export function linkOf(n: AppNotification): NotificationLink {
  const link = n.link;
  if (!link) return null;
  let url: URL;
  try {
    url = new URL(link, window.location.href);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  const remote = n.data && typeof n.data.remote_url === 'string' ? n.data.remote_url : null;
  const appPath = /^\/(compose|calendar|accounts|approvals|queue|campaigns|media|settings|notifications)(\/|$|\?)/.test(url.pathname);
  if (url.origin === window.location.origin || (link !== remote && appPath)) {
    return { kind: 'app', href: url.pathname + url.search + url.hash };
  }
  return { kind: 'platform', href: url.href };
}

/** The platform's name for a "View on X" label. */
export function platformName(n: AppNotification): string {
  const p = n.data && typeof n.data.platform === 'string' ? n.data.platform : '';
  const names: Record<string, string> = {
    x: 'X',
    linkedin: 'LinkedIn',
    youtube: 'YouTube',
    facebook: 'Facebook',
    instagram: 'Instagram',
    instagram_fb: 'Instagram',
  };
  return names[p] ?? 'the platform';
}

/* ---------- The unread count ---------- */

type Listener = () => void;

interface CountState {
  total: number | null;
  byWorkspace: Record<string, number>;
}

let count: CountState = { total: null, byWorkspace: {} };
const countListeners = new Set<Listener>();

function setCount(next: CountState): void {
  count = next;
  for (const l of [...countListeners]) l();
}

/** The unread count: total and per workspace (null total: not known yet). */
export function useUnreadCount(): CountState {
  const [, force] = useState(0);
  useEffect(() => {
    const update = () => force((n) => n + 1);
    countListeners.add(update);
    return () => {
      countListeners.delete(update);
    };
  }, []);
  return count;
}

let countSeq = 0;
/** When the count was last read from the server. */
let countAt = 0;

/** Ask the server for the unread count. */
export async function refreshUnread(): Promise<void> {
  const seq = ++countSeq;
  try {
    const r = await get<UnreadCount>('/notifications/unread-count');
    if (seq !== countSeq) return;
    countAt = Date.now();
    setCount({ total: r.unread_count, byWorkspace: r.by_workspace ?? {} });
  } catch {
    /* the badge is a nicety: keep what it shows */
  }
}

/** Take a count the server just gave (after marking read): the total is exact, per workspace is read again. */
function takeTotal(total: number): void {
  ++countSeq;
  setCount({ ...count, total });
  scheduleSync(0);
}

let syncTimer: number | null = null;

/** Read the count again soon (several events in a row make one request). */
function scheduleSync(delay = 1500): void {
  if (syncTimer !== null) window.clearTimeout(syncTimer);
  syncTimer = window.setTimeout(() => {
    syncTimer = null;
    void refreshUnread();
  }, delay);
}

/* ---------- Changes the lists follow ---------- */

export type NotificationChange =
  | { type: 'new'; notification: AppNotification }
  | { type: 'read'; notification: AppNotification }
  | { type: 'all-read'; workspaceId: number | null; upToId: number | null; at: string }
  | { type: 'reset' };

const changeListeners = new Set<(c: NotificationChange) => void>();

function emit(c: NotificationChange): void {
  // A toast of one that is now read has said its piece.
  if (c.type === 'read') {
    if (toasts.some((t) => t.notification.id === c.notification.id)) setToasts(toasts.filter((t) => t.notification.id !== c.notification.id));
  } else if (c.type === 'all-read') {
    const left = toasts.filter(
      (t) => !((c.workspaceId === null || t.notification.workspace_id === c.workspaceId) && (c.upToId === null || t.notification.id <= c.upToId)),
    );
    if (left.length !== toasts.length) setToasts(left);
  }
  for (const l of [...changeListeners]) l(c);
}

/** Follow new notifications and ones marked read, while mounted. */
export function useNotificationChanges(handler: (c: NotificationChange) => void): void {
  useEffect(() => {
    changeListeners.add(handler);
    return () => {
      changeListeners.delete(handler);
    };
  });
}

/* ---------- Toasts ---------- */

export interface Toast {
  key: number;
  notification: AppNotification;
}

/** At most this many toasts at once: a new one pushes out the oldest. */
export const MAX_TOASTS = 3;
let toasts: Toast[] = [];
let toastKey = 0;
const toastListeners = new Set<Listener>();

function setToasts(next: Toast[]): void {
  toasts = next;
  for (const l of [...toastListeners]) l();
}

export function showToast(n: AppNotification): void {
  if (toasts.some((t) => t.notification.id === n.id)) return;
  setToasts([...toasts, { key: ++toastKey, notification: n }].slice(-MAX_TOASTS));
}

export function dismissToast(key: number): void {
  setToasts(toasts.filter((t) => t.key !== key));
}

export function useToasts(): Toast[] {
  const [, force] = useState(0);
  useEffect(() => {
    const update = () => force((n) => n + 1);
    toastListeners.add(update);
    return () => {
      toastListeners.delete(update);
    };
  }, []);
  return toasts;
}

/* ---------- Calls ---------- */

/** The newest id that came on the stream or by polling: anything after it is new (toasts, count). */
let newestArrived = 0;

function saw(n: AppNotification): void {
  if (n.id > newestArrived) newestArrived = n.id;
}

export interface ListQuery {
  limit?: number;
  cursor?: number | null;
  unread?: boolean;
  workspaceId?: number | null;
}

export async function listNotifications(q: ListQuery = {}): Promise<NotificationPage> {
  const params = new URLSearchParams();
  params.set('limit', String(q.limit ?? 50));
  if (q.cursor) params.set('cursor', String(q.cursor));
  if (q.unread) params.set('unread', '1');
  if (q.workspaceId) params.set('workspace_id', String(q.workspaceId));
  const page = await get<NotificationPage>(`/notifications?${params}`);
  if (!q.unread && !q.workspaceId && !q.cursor) {
    ++countSeq;
    setCount({ ...count, total: page.unread_count });
  }
  return page;
}

/** Mark one read; the lists and the badge follow. */
export async function markRead(n: AppNotification): Promise<AppNotification> {
  const r = await post<{ notification: AppNotification; marked: number; unread_count: number }>(
    `/notifications/${encodeURIComponent(String(n.id))}/read`,
  );
  takeTotal(r.unread_count);
  emit({ type: 'read', notification: r.notification });
  return r.notification;
}

/** Mark every one read (of one workspace, up to an id); returns how many were marked. */
export async function markAllRead(opts: { workspaceId?: number | null; upToId?: number | null } = {}): Promise<number> {
  const body: Record<string, number> = {};
  if (opts.workspaceId) body.workspace_id = opts.workspaceId;
  if (opts.upToId) body.up_to_id = opts.upToId;
  const r = await post<{ marked: number; unread_count: number }>('/notifications/read-all', body);
  takeTotal(r.unread_count);
  emit({ type: 'all-read', workspaceId: opts.workspaceId ?? null, upToId: opts.upToId ?? null, at: new Date().toISOString() });
  return r.marked;
}

/* ---------- Following: the stream, or polling ---------- */

/** How often the unread count is read while the stream is down. */
const POLL_MS = 20_000;

function readNotification(d: EventData): AppNotification | null {
  if (typeof d.id !== 'number' || typeof d.title !== 'string') return null;
  return {
    id: d.id,
    workspace_id: typeof d.workspace_id === 'number' ? d.workspace_id : 0,
    event: typeof d.event === 'string' ? d.event : '',
    title: d.title,
    body: typeof d.body === 'string' ? d.body : null,
    link: typeof d.link === 'string' ? d.link : null,
    data: d.data && typeof d.data === 'object' ? (d.data as Record<string, unknown>) : null,
    created_at: typeof d.created_at === 'string' ? d.created_at : null,
    created_ms: typeof d.created_ms === 'number' ? d.created_ms : null,
    read_at: typeof d.read_at === 'string' ? d.read_at : null,
  };
}

function arrived(n: AppNotification): void {
  // A notification already seen (a stream opened again from an older id) is not new again.
  if (n.id <= newestArrived) return;
  saw(n);
  if (n.read_at === null) {
    if (count.total !== null) {
      const ws = String(n.workspace_id);
      setCount({ total: count.total + 1, byWorkspace: { ...count.byWorkspace, [ws]: (count.byWorkspace[ws] ?? 0) + 1 } });
    }
    showToast(n);
  }
  emit({ type: 'new', notification: n });
  // Keep the badge exact (a count read while the event was on its way, say).
  scheduleSync();
}

let users = 0;
let handle: StreamHandle | null = null;
let pollTimer: number | null = null;
let polling = false;
let baselineTaken = false;

async function poll(): Promise<void> {
  if (polling) return;
  polling = true;
  try {
    const before = count.total;
    if (!baselineTaken) {
      // What is there already is not new: take the newest id before looking for new ones.
      const first = await get<NotificationPage>('/notifications?limit=1');
      first.notifications.forEach(saw);
      baselineTaken = true;
    }
    await refreshUnread();
    if (before !== null && count.total !== null && count.total > before) {
      const page = await get<NotificationPage>(`/notifications?unread=1&limit=${MAX_TOASTS}`);
      const fresh = page.notifications.filter((n) => n.id > newestArrived).reverse();
      for (const n of fresh) {
        saw(n);
        showToast(n);
        emit({ type: 'new', notification: n });
      }
    }
  } catch {
    /* try again next time */
  } finally {
    polling = false;
  }
}

function schedulePoll(): void {
  if (pollTimer !== null) window.clearTimeout(pollTimer);
  pollTimer = null;
  if (users === 0 || document.hidden || (handle && handle.up())) return;
  pollTimer = window.setTimeout(async () => {
    pollTimer = null;
    await poll();
    schedulePoll();
  }, POLL_MS);
}

function onVisibility(): void {
  if (document.hidden) {
    if (pollTimer !== null) window.clearTimeout(pollTimer);
    pollTimer = null;
    return;
  }
  // Back in view: marked read in another tab, say.
  if (handle && handle.up()) void refreshUnread();
  else void poll().then(schedulePoll);
}

/**
 * Follow the signed-in person's notifications while the app shell is shown:
 * the count at once, then the stream (or polling). Returns the stop.
 */
export function followNotifications(): () => void {
  users++;
  if (users === 1) {
    // The shell mounts again after a redirect (/settings, say): a count the stream kept is fresh.
    if (count.total === null || !streamUp() || Date.now() - countAt > 60_000) void refreshUnread();
    handle = joinStream({
      kinds: ['notification'],
      onEvent: (_kind, data) => {
        const n = readNotification(data);
        if (n) arrived(n);
      },
      onStatus: (up) => {
        if (up) {
          // Back: read the count once (a stream opened afresh does not replay what came meanwhile).
          baselineTaken = false;
          void refreshUnread();
          schedulePoll();
        } else void poll().then(schedulePoll);
      },
      onReset: () => {
        void refreshUnread();
        emit({ type: 'reset' });
      },
    });
    document.addEventListener('visibilitychange', onVisibility);
    if (handle) schedulePoll();
    else void poll().then(schedulePoll);
  }
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    users--;
    if (users === 0) {
      handle?.leave();
      handle = null;
      if (pollTimer !== null) window.clearTimeout(pollTimer);
      pollTimer = null;
      document.removeEventListener('visibilitychange', onVisibility);
    }
  };
}

/** Forget everything (signed out, or someone else signed in). */
export function forgetNotifications(): void {
  if (pollTimer !== null) window.clearTimeout(pollTimer);
  pollTimer = null;
  if (syncTimer !== null) window.clearTimeout(syncTimer);
  syncTimer = null;
  ++countSeq;
  countAt = 0;
  setCount({ total: null, byWorkspace: {} });
  setToasts([]);
  newestArrived = 0;
  baselineTaken = false;
}
