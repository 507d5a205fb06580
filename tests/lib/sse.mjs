// Read a live event stream (GET /api/v1/events, Server-Sent Events) the way a browser's
// EventSource does, parsing the lines ourselves:
//   const s = await openStream(srv, client, { lastEventId: 12 });
//   const ev = await s.next((e) => e.event === 'target.state' && e.data.post_id === 7);
//   s.close();
// Each event is { id, event, data (parsed JSON, or the raw text), raw }.  Comments (": ping")
// are counted in s.comments; s.retry is the last "retry:" value; s.ended is set when the server
// ends the stream.

/** Parse SSE text fed in pieces; calls onEvent / onComment / onRetry as a browser would. */
export class SseParser {
  constructor({ onEvent, onComment = () => {}, onRetry = () => {} }) {
    this.buf = '';
    this.data = [];
    this.event = '';
    this.id = null; // the last event id seen (persists across events, as in EventSource)
    this.idSet = false;
    this.onEvent = onEvent;
    this.onComment = onComment;
    this.onRetry = onRetry;
  }

  feed(text) {
    this.buf += text;
    for (;;) {
      const m = this.buf.match(/\r\n|\r|\n/);
      if (!m) break;
      const line = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      this.line(line);
    }
  }

  line(line) {
    if (line === '') {
      // dispatch
      if (this.data.length > 0) {
        const raw = this.data.join('\n');
        let data = raw;
        try {
          data = JSON.parse(raw);
        } catch {
          /* not JSON: kept as text */
        }
        this.onEvent({ id: this.idSet ? this.id : null, event: this.event || 'message', data, raw });
      }
      this.data = [];
      this.event = '';
      this.idSet = false;
      return;
    }
    if (line.startsWith(':')) {
      this.onComment(line.slice(1).trim());
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id') {
      this.id = value;
      this.idSet = true;
    } else if (field === 'retry' && /^\d+$/.test(value)) this.onRetry(Number(value));
  }
}

/**
 * Open a stream as client (a Client of tests/lib/api.mjs: its session cookie or API key).
 * Options: lastEventId (Last-Event-ID header), query ("?last_event_id=3"), headers.
 * Resolves once the answer's headers are in; the body is read in the background.
 */
export async function openStream(srv, client, { lastEventId, query = '', headers = {} } = {}) {
  const h = { ...headers };
  if (client && client.cookie) h.Cookie = `p2s_session=${client.cookie}`;
  if (client && client.apiKey) h.Authorization = `Bearer ${client.apiKey}`;
  if (lastEventId !== undefined && lastEventId !== null) h['Last-Event-ID'] = String(lastEventId);
  const ac = new AbortController();
  const res = await fetch(`${srv.url}/api/v1/events${query}`, { headers: h, signal: ac.signal });
  const s = {
    status: res.status,
    headers: res.headers,
    events: [],
    comments: [],
    retry: null,
    ended: false,
    error: null,
    text: '',
    /** Stop reading and close the connection. */
    close() {
      ac.abort();
    },
    /** Wait for the first event (from index `from`) matching pred; resolves to it. */
    async next(pred = () => true, ms = 20000, from = 0) {
      const end = Date.now() + ms;
      for (;;) {
        const found = s.events.slice(from).find(pred);
        if (found) return found;
        if (s.ended) throw new Error(`stream ended before the event came (${s.events.length} events)`);
        if (Date.now() > end) throw new Error(`timed out waiting for an event; got ${JSON.stringify(s.events.map((e) => [e.id, e.event]))}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    /** Wait until pred(s) is true. */
    async until(pred, ms = 20000, what = 'the stream') {
      const end = Date.now() + ms;
      while (!pred(s)) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
  if (res.status !== 200 || !(res.headers.get('content-type') || '').startsWith('text/event-stream')) {
    s.text = await res.text();
    s.ended = true;
    try {
      s.json = JSON.parse(s.text);
    } catch {
      s.json = null;
    }
    return s;
  }
  const parser = new SseParser({
    onEvent: (e) => s.events.push(e),
    onComment: (c) => s.comments.push(c),
    onRetry: (ms) => (s.retry = ms),
  });
  (async () => {
    const dec = new TextDecoder();
    try {
      for await (const chunk of res.body) parser.feed(dec.decode(chunk, { stream: true }));
    } catch (e) {
      if (e.name !== 'AbortError') s.error = e;
    }
    s.ended = true;
  })();
  return s;
}
