/*
 * Live post state: the one place that tells the screens a post may have
 * changed while it publishes.
 *
 * The server's event stream (GET /api/v1/events, Server-Sent Events
 * "post.state" and "target.state" with {post_id, target_id, state,
 * post_state, remote_url, error}) gives the screens each change as it
 * happens. The tab has one stream, shared with the notifications: stream.ts,
 * where STREAM_URL is. While the stream is down (or STREAM_URL is null), a
 * screen that shows a post on its way (due, publishing, waiting to retry) is
 * asked every few seconds to read what it shows again; polling stops when
 * nothing is in flight or the tab is hidden.
 */
import { useEffect, useRef } from 'preact/hooks';
import { PUBLISHING_TARGET_STATES } from './posts';
import { joinStream } from './stream';
import type { EventData, StreamHandle } from './stream';

export { STREAM_URL } from './stream';

/** A change to a post: one event of the stream, or (polling) "read it again" with every field null. */
export interface PostChange {
  post_id: number | null;
  target_id: number | null;
  state: string | null;
  post_state: string | null;
  remote_url: string | null;
  error: string | null;
}

/**
 * When a screen next expects one of its posts to change (milliseconds since
 * the epoch), or null when nothing it shows is in flight.
 */
export type Interest = () => number | null;

export type ChangeHandler = (change: PostChange) => void | Promise<void>;

/** How soon to look again. */
export const LOOK = {
  /** A post whose time has come: the worker takes it within a second or two. */
  due: 1500,
  /** A target being sent, processed or checked. */
  busy: 3000,
  /** A target waiting to be retried, when the server does not say until when. */
  waiting: 15000,
} as const;

const MIN_DELAY = 1000;
/** A post due longer ago than this is overdue: polled slowly. */
const OVERDUE = 60 * 1000;
const MAX_DELAY = 60 * 60 * 1000;

const POLL: PostChange = { post_id: null, target_id: null, state: null, post_state: null, remote_url: null, error: null };

export interface Subscription {
  /** The screen's data changed: work out again when to look next. */
  check(): void;
  stop(): void;
}

/* ---------- The stream's events (stream.ts) ---------- */

const POST_KINDS: readonly string[] = ['post.state', 'target.state'];

function readEvent(d: EventData): PostChange & { workspace_id: number | null } {
  const num = (v: unknown) => (typeof v === 'number' ? v : null);
  const str = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    workspace_id: num(d.workspace_id),
    post_id: num(d.post_id),
    target_id: num(d.target_id),
    // post.state carries {post_id, state, action}: its state is the post's.
    state: str(d.state),
    post_state: str(d.post_state) ?? (d.target_id === undefined ? str(d.state) : null),
    remote_url: str(d.remote_url),
    error: str(d.error),
  };
}

/*
 * The screens' events, kept a little while: an event can arrive before the
 * screen shows the post it is about (the composer's "Post now" is published
 * before its answer is in), and the screen then ignores it. Each subscription
 * is given the events it may have missed once more the next time its data
 * changes (check()), the latest per post.
 */
const RECENT_MS = 30_000;
const RECENT_MAX = 200;

interface Recent {
  seq: number;
  at: number;
  workspaceId: number | null;
  change: PostChange;
}

interface Listener {
  workspaceId: number;
  deliver: (change: PostChange) => void;
  status: (up: boolean) => void;
  reset: () => void;
}

const listeners = new Set<Listener>();
const recent: Recent[] = [];
let seq = 0;
let handle: StreamHandle | null = null;

function joinPosts(l: Listener): StreamHandle | null {
  listeners.add(l);
  if (!handle) {
    handle = joinStream({
      kinds: POST_KINDS,
      onEvent: (_kind, data) => {
        const { workspace_id, ...change } = readEvent(data);
        const now = Date.now();
        recent.push({ seq: ++seq, at: now, workspaceId: workspace_id, change });
        while (recent.length > RECENT_MAX || (recent.length > 0 && now - recent[0]!.at > RECENT_MS)) recent.shift();
        for (const x of [...listeners]) if (workspace_id === null || workspace_id === x.workspaceId) x.deliver(change);
      },
      onStatus: (up) => {
        for (const x of [...listeners]) x.status(up);
      },
      onReset: () => {
        for (const x of [...listeners]) x.reset();
      },
    });
  }
  return handle;
}

function leavePosts(l: Listener): void {
  listeners.delete(l);
  if (listeners.size === 0 && handle) {
    handle.leave();
    handle = null;
  }
}

/* ---------- Subscribing ---------- */

/**
 * While the stream is up, a screen with something in flight still reads it
 * again this seldom: an event whose transaction committed late is not sent
 * live (docs/api.md, "Live events").
 */
const BACKSTOP_MS = 15_000;

/**
 * Call `handler` when posts of the workspace may have changed. `interest`
 * says when the screen next expects a change; polling follows it while the
 * stream is down (and only as a slow backstop while it is up).
 */
export function onPostChange(workspaceId: number, handler: ChangeHandler, interest: Interest): Subscription {
  let timer: number | null = null;
  let running = false;
  let stopped = false;
  let wasUp = false;
  /** Events up to this one were given to the screen once more already (or came before it). */
  let replayed = seq;
  const listener: Listener = {
    workspaceId,
    deliver: (change) => {
      if (!stopped) void handler(change);
    },
    status: (up) => {
      // Up (again): what changed before the stream was there may not come as events (a stream
      // opened afresh starts from now): read once whatever is in flight, then follow the events.
      if (up && !wasUp && !stopped && !running && interest() !== null) void handler(POLL);
      wasUp = up;
      check();
    },
    reset: () => {
      if (!stopped) void handler(POLL);
    },
  };
  const live = joinPosts(listener);
  wasUp = live?.up() ?? false;
  const streaming = () => !!live && live.up();

  const clear = () => {
    if (timer !== null) window.clearTimeout(timer);
    timer = null;
  };

  const tick = async () => {
    timer = null;
    if (stopped || document.hidden) return;
    running = true;
    try {
      await handler(POLL);
    } catch {
      /* the screen shows its own errors; keep looking */
    } finally {
      running = false;
    }
    check();
  };

  /** The events of this workspace since the last replay, once more: the latest per post. */
  const replay = () => {
    const now = Date.now();
    const latest = new Map<number | null, PostChange>();
    for (const r of recent) {
      if (r.seq <= replayed || now - r.at > RECENT_MS) continue;
      if (r.workspaceId !== null && r.workspaceId !== workspaceId) continue;
      latest.delete(r.change.post_id);
      latest.set(r.change.post_id, r.change);
    }
    replayed = seq;
    for (const change of latest.values()) void handler(change);
  };

  function check(): void {
    if (stopped || running) return;
    clear();
    replay();
    if (document.hidden) return;
    const at = interest();
    if (at === null) return;
    let delay = Math.min(MAX_DELAY, Math.max(MIN_DELAY, at - Date.now()));
    if (streaming()) delay = Math.max(delay, BACKSTOP_MS);
    timer = window.setTimeout(() => void tick(), delay);
  }

  const onVisibility = () => {
    if (document.hidden) {
      clear();
      return;
    }
    // Back in view: read at once whatever is in flight, then poll again.
    if (!running && !streaming() && interest() !== null) {
      clear();
      void tick();
    } else check();
  };
  document.addEventListener('visibilitychange', onVisibility);
  check();

  return {
    check,
    stop() {
      stopped = true;
      clear();
      document.removeEventListener('visibilitychange', onVisibility);
      leavePosts(listener);
    },
  };
}

/**
 * The hook form: subscribed while the component is mounted (per workspace);
 * `deps` are the data the interest is computed from, so it is checked again
 * whenever they change. The handler and interest may be new closures on every
 * render.
 */
export function usePostChanges(workspaceId: number, handler: ChangeHandler, interest: Interest, deps: readonly unknown[]): void {
  const h = useRef(handler);
  const i = useRef(interest);
  h.current = handler;
  i.current = interest;
  const sub = useRef<Subscription | null>(null);
  useEffect(() => {
    const s = onPostChange(
      workspaceId,
      (c) => h.current(c),
      () => i.current(),
    );
    sub.current = s;
    return () => {
      s.stop();
      sub.current = null;
    };
  }, [workspaceId]);
  useEffect(() => {
    sub.current?.check();
  }, deps);
}

/* ---------- When a post next changes ---------- */

interface LiveTarget {
  state: string;
  due_at?: string | null;
}

interface LivePost {
  state: string;
  scheduled_at?: string | null;
  schedule?: { mode?: string | null; at?: string | null } | null;
  targets: LiveTarget[];
}

function instant(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

/** When a post is next expected to change, or null when it is not on its way. */
export function nextChange(p: LivePost, now = Date.now()): number | null {
  if (p.state !== 'scheduled' && p.state !== 'publishing') return null;
  const at = instant(p.schedule?.at ?? p.scheduled_at);
  // Due: the worker takes it within a second or two; long overdue (no worker running?): look now and then.
  const dueOrAt = (t: number | null) => (t !== null && t > now ? t + MIN_DELAY : t !== null && now - t > OVERDUE ? now + LOOK.waiting : now + LOOK.due);
  if (p.state === 'scheduled') return at === null ? (p.schedule?.mode === 'now' ? now + LOOK.due : null) : dueOrAt(at);
  let next: number | null = null;
  const take = (t: number) => {
    next = next === null ? t : Math.min(next, t);
  };
  for (const t of p.targets) {
    if (t.state === 'scheduled') take(dueOrAt(at));
    else if (t.state === 'retry_wait') {
      const due = instant(t.due_at);
      take(due !== null && due > now ? due + MIN_DELAY : now + (due !== null ? LOOK.due : LOOK.waiting));
    } else if (PUBLISHING_TARGET_STATES.has(t.state)) take(now + LOOK.busy);
  }
  // Publishing with no target in flight: the summary will catch up.
  return next ?? now + LOOK.busy;
}

/** The soonest change among posts, or null. */
export function nextChangeOf(posts: readonly LivePost[], now = Date.now()): number | null {
  let next: number | null = null;
  for (const p of posts) {
    const t = nextChange(p, now);
    if (t !== null && (next === null || t < next)) next = t;
  }
  return next;
}
