/*
 * The server's live event stream: ONE EventSource per tab, shared by every
 * part of the app that follows what happens (post and target states in
 * live.ts, notifications in notifications.ts).
 *
 * GET /api/v1/events (docs/api.md, "Live events") carries every workspace of
 * the signed-in person; each event's data is a JSON object naming its
 * workspace_id. The browser reconnects by itself (retry: 3000) and sends
 * Last-Event-ID, so nothing is missed; when the stream ends for good (an
 * error answer, a server without the route), it is opened again here after a
 * growing pause, with ?last_event_id= so it resumes where it was. A "reset"
 * event (too many missed, too slow, an id the server does not know) means:
 * read everything again.
 *
 * Subscribers ask for the kinds they want and are told when the stream goes
 * up or down, so they can poll meanwhile. The stream opens with the first
 * subscriber and closes a little after the last one leaves (a redirect that
 * remounts the app shell keeps it), and at once on signing out.
 */

/** The server's event stream; null: no stream, everything polls. */
export const STREAM_URL: string | null = '/api/v1/events';

/** An event's data: a JSON object (it always has workspace_id). */
export type EventData = Record<string, unknown>;

export interface StreamSubscriber {
  /** The event kinds wanted ("post.state", "notification", ...). */
  kinds: readonly string[];
  onEvent: (kind: string, data: EventData) => void;
  /** The stream went up or down. */
  onStatus?: (up: boolean) => void;
  /** Events may have been missed: read everything again. */
  onReset?: () => void;
}

export interface StreamHandle {
  /** Whether the stream is up now (events arrive as they happen). */
  up(): boolean;
  leave(): void;
}

/** How long the stream stays open after its last subscriber left. */
const LINGER_MS = 3000;
/** Pauses before opening again a stream that ended for good. */
const REOPEN_MIN_MS = 3000;
const REOPEN_MAX_MS = 60_000;

const subscribers = new Set<StreamSubscriber>();
let source: EventSource | null = null;
/** Kinds with a listener on the current source. */
let listening = new Set<string>();
let isUp = false;
let lastId: string | null = null;
let lingerTimer: number | null = null;
let reopenTimer: number | null = null;
let reopenDelay = REOPEN_MIN_MS;

function supported(): boolean {
  return STREAM_URL !== null && typeof EventSource !== 'undefined';
}

function setUp(up: boolean): void {
  if (isUp === up) return;
  isUp = up;
  for (const s of [...subscribers]) s.onStatus?.(up);
}

function deliver(kind: string, e: MessageEvent<string>): void {
  if (e.lastEventId) lastId = e.lastEventId;
  let data: EventData;
  try {
    const parsed: unknown = JSON.parse(e.data);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return;
    data = parsed as EventData;
  } catch {
    return;
  }
  for (const s of [...subscribers]) {
    if (!s.kinds.includes(kind)) continue;
    try {
      s.onEvent(kind, data);
    } catch {
      /* one screen's trouble is not the others' */
    }
  }
}

function listen(kind: string): void {
  if (!source || listening.has(kind)) return;
  listening.add(kind);
  source.addEventListener(kind, ((e: MessageEvent<string>) => deliver(kind, e)) as EventListener);
}

function resetAll(): void {
  for (const s of [...subscribers]) s.onReset?.();
}

function open(): void {
  if (source || !supported() || subscribers.size === 0) return;
  const url = lastId !== null ? `${STREAM_URL}?last_event_id=${encodeURIComponent(lastId)}` : STREAM_URL!;
  const es = new EventSource(url);
  source = es;
  listening = new Set();
  for (const s of subscribers) for (const k of s.kinds) listen(k);
  es.addEventListener('reset', () => resetAll());
  es.addEventListener('open', () => {
    if (source !== es) return;
    reopenDelay = REOPEN_MIN_MS;
    setUp(true);
  });
  es.addEventListener('error', () => {
    if (source !== es) return;
    setUp(false);
    if (es.readyState === EventSource.CLOSED) {
      // Ended for good (an error answer, not a dropped connection): try again later ourselves.
      es.close();
      source = null;
      if (reopenTimer !== null) window.clearTimeout(reopenTimer);
      reopenTimer = window.setTimeout(() => {
        reopenTimer = null;
        open();
      }, reopenDelay);
      reopenDelay = Math.min(REOPEN_MAX_MS, reopenDelay * 2);
    }
    // Otherwise the browser reconnects by itself and resumes after Last-Event-ID.
  });
}

function shut(quiet = false): void {
  if (reopenTimer !== null) window.clearTimeout(reopenTimer);
  reopenTimer = null;
  if (source) source.close();
  source = null;
  listening = new Set();
  reopenDelay = REOPEN_MIN_MS;
  if (quiet) isUp = false;
  else setUp(false);
}

/**
 * Follow events of the given kinds. Returns null when this browser or server
 * has no stream (poll instead).
 */
export function joinStream(sub: StreamSubscriber): StreamHandle | null {
  if (!supported()) return null;
  if (lingerTimer !== null) {
    window.clearTimeout(lingerTimer);
    lingerTimer = null;
  }
  subscribers.add(sub);
  if (source) for (const k of sub.kinds) listen(k);
  else if (reopenTimer === null) open();
  let left = false;
  return {
    up: () => isUp && source !== null,
    leave() {
      if (left) return;
      left = true;
      subscribers.delete(sub);
      if (subscribers.size === 0 && lingerTimer === null) {
        lingerTimer = window.setTimeout(() => {
          lingerTimer = null;
          if (subscribers.size === 0) shut();
        }, LINGER_MS);
      }
    },
  };
}

/** Whether the stream is up now. */
export function streamUp(): boolean {
  return isUp && source !== null;
}

/**
 * Close the stream at once and forget where it was: on signing out (the
 * stream was opened as that person), or when another person signs in.
 */
export function closeStream(): void {
  if (lingerTimer !== null) window.clearTimeout(lingerTimer);
  lingerTimer = null;
  lastId = null;
  // Quietly: those following it are going away with the session, and must not poll as it.
  shut(true);
}
