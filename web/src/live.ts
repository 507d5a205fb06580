/*
 * Live post state: the one place that tells the screens a post may have
 * changed while it publishes.
 *
 * Today it polls: while a screen shows a post that is on its way (due,
 * publishing, waiting to retry), it asks the screen every few seconds to read
 * what it shows again, and stops when nothing is in flight or the tab is
 * hidden. When the server's event stream is there (GET /api/v1/events,
 * Server-Sent Events "post.state" and "target.state" with {post_id,
 * target_id, state, post_state, remote_url, error}), set STREAM_URL below to
 * '/api/v1/events': the screens then get each event as it happens, and poll
 * only while the stream is down. Nothing else changes.
 */
import { useEffect, useRef } from 'preact/hooks';
import { PUBLISHING_TARGET_STATES } from './posts';

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

/** The server's event stream ('/api/v1/events'), once every server has it; null: poll. */
const STREAM_URL: string | null = null;

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

/* ---------- The stream (unused until STREAM_URL is set) ---------- */

/*
 * One EventSource for the tab: GET /api/v1/events carries every workspace of
 * the signed-in person, each event's data naming its workspace_id
 * (docs/api.md, "Live events"). The browser reconnects by itself and sends
 * Last-Event-ID, so nothing is missed; a "reset" event (too many missed, or
 * too slow) means: read everything again.
 */

interface Listener {
  workspaceId: number;
  handler: ChangeHandler;
  /** The stream went up or down: stop or start polling. */
  wake: () => void;
}

interface Stream {
  source: EventSource;
  listeners: Set<Listener>;
  up: boolean;
  /** Whether it was up before and went down: after it is back, read everything again. */
  dropped: boolean;
}

let stream: Stream | null = null;

function readEvent(data: string): (PostChange & { workspace_id: number | null }) | null {
  try {
    const d = JSON.parse(data) as Record<string, unknown>;
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
  } catch {
    return null;
  }
}

function everyone(s: Stream): void {
  for (const l of s.listeners) void l.handler(POLL);
}

function openStream(url: string): Stream {
  const source = new EventSource(url);
  const s: Stream = { source, listeners: new Set(), up: false, dropped: false };
  const pass = (e: MessageEvent<string>) => {
    const change = readEvent(e.data);
    if (!change) return;
    const { workspace_id, ...rest } = change;
    for (const l of s.listeners) if (workspace_id === null || workspace_id === l.workspaceId) void l.handler(rest);
  };
  source.addEventListener('post.state', pass as EventListener);
  source.addEventListener('target.state', pass as EventListener);
  source.addEventListener('reset', () => everyone(s));
  source.addEventListener('open', () => {
    s.up = true;
    if (s.dropped) everyone(s);
    s.dropped = false;
    for (const l of s.listeners) l.wake();
  });
  source.addEventListener('error', () => {
    // The browser tries again by itself (retry: 3000); meanwhile the screens poll.
    if (s.up) s.dropped = true;
    s.up = false;
    for (const l of s.listeners) l.wake();
  });
  return s;
}

function joinStream(listener: Listener): Stream | null {
  if (!STREAM_URL || typeof EventSource === 'undefined') return null;
  if (!stream) stream = openStream(STREAM_URL);
  stream.listeners.add(listener);
  return stream;
}

function leaveStream(listener: Listener): void {
  if (!stream) return;
  stream.listeners.delete(listener);
  if (stream.listeners.size === 0) {
    stream.source.close();
    stream = null;
  }
}

/* ---------- Subscribing ---------- */

/**
 * Call `handler` when posts of the workspace may have changed. `interest`
 * says when the screen next expects a change; polling follows it (and the
 * stream makes it moot while it is up).
 */
export function onPostChange(workspaceId: number, handler: ChangeHandler, interest: Interest): Subscription {
  let timer: number | null = null;
  let running = false;
  let stopped = false;
  const listener: Listener = { workspaceId, handler, wake: () => check() };
  const live = joinStream(listener);

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

  function check(): void {
    if (stopped || running) return;
    clear();
    if (document.hidden || (live && live.up)) return;
    const at = interest();
    if (at === null) return;
    const delay = Math.min(MAX_DELAY, Math.max(MIN_DELAY, at - Date.now()));
    timer = window.setTimeout(() => void tick(), delay);
  }

  const onVisibility = () => {
    if (document.hidden) {
      clear();
      return;
    }
    // Back in view: read at once whatever is in flight, then poll again.
    if (!running && !(live && live.up) && interest() !== null) {
      clear();
      void tick();
    }
  };
  document.addEventListener('visibilitychange', onVisibility);
  check();

  return {
    check,
    stop() {
      stopped = true;
      clear();
      document.removeEventListener('visibilitychange', onVisibility);
      if (live) leaveStream(listener);
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
