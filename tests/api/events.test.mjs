// Live events (GET /api/v1/events, Server-Sent Events): the stream is read as a browser's
// EventSource would read it (tests/lib/sse.mjs parses the lines).
//   - the start of a stream (retry, content type) and heartbeats (P2S_SSE_HEARTBEAT=1 here);
//   - publishing, failing and recovering through the platform simulator: target.state and
//     target.published / failed / recovered for the workspace, a "notification" event for each
//     person told, in id order, with their payloads;
//   - reconnecting with Last-Event-ID (header or last_event_id parameter) gives exactly the
//     missed events, then the live ones; more than 1,000 missed gives "reset" and the newest 1,000;
//   - nobody hears another workspace's events, a member removed stops hearing at once, an API
//     key hears only its workspaces, a notification goes to its person only;
//   - a client that stops reading is sent "reset" and dropped; a server shutting down ends its
//     streams cleanly.
// "Hears nothing" is checked with a sentinel: an event the listener may see, raised after the one
// it must not see; the hub hands events out in id order, so once the sentinel is there the other
// would have been too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { startServer, sql } from '../lib/harness.mjs';
import { Client, signup, createWorkspace, addMember, makeTeam } from '../lib/api.mjs';
import { startSim, simEnv } from '../lib/sim.mjs';
import { connectAccount, until } from '../lib/connect.mjs';
import { seedAccount } from '../lib/posts.mjs';
import { openStream } from '../lib/sse.mjs';

const RUN = randomBytes(3).toString('hex'); // X refuses a text it has seen already
const FINAL = ['published', 'failed', 'partially_published'];

let sim;
let srv;
let team; // {ws, by: {owner, admin, editor, contributor, viewer, outsider, anonymous}}
let xacc; // a connected X account in team.ws
let seeded; // a stored (not connected) account in team.ws, for drafts
let serial = 0;
const streams = [];

before(async () => {
  sim = await startSim();
  srv = await startServer({ env: { ...simEnv(sim.url), P2S_SSE_HEARTBEAT: '1' } });
  team = await makeTeam(srv, 'Streamed');
  xacc = await connectAccount(srv, team.by.owner, team.ws, 'x');
  seeded = seedAccount(srv, team.ws, 'x', 'Drafts on X');
});

after(async () => {
  for (const s of streams) s.close();
  await srv?.stop();
  await sim?.stop();
});

/** Open a stream and remember to close it. */
async function open(client, opts) {
  const s = await openStream(srv, client, opts);
  streams.push(s);
  return s;
}

const postsOf = (ws) => `/api/v1/workspaces/${ws}/posts`;

/** A draft by author in ws for account: one post.state event.  Returns the post id. */
async function draft(author, ws = team.ws, account = seeded) {
  serial += 1;
  const r = await author.post(postsOf(ws), { body: `Streamed ${serial} ${RUN}`, targets: [{ account_id: account }] });
  assert.equal(r.status, 201, r.text);
  return r.json.post.id;
}

/** Wait until the post is done publishing; returns it. */
function settle(client, id) {
  return until(async () => {
    const r = await client.get(`${postsOf(team.ws)}/${id}`);
    return FINAL.includes(r.json.post.state) && r.json.post;
  }, 30000, `post ${id} to finish publishing`);
}

const isPost = (kind, id) => (e) => e.event === kind && e.data.post_id === id;
const isNote = (kind, id) => (e) => e.event === 'notification' && e.data.event === kind && e.data.data.post_id === id;
const ids = (s) => s.events.filter((e) => e.id !== null).map((e) => Number(e.id));

function assertIncreasing(s, what) {
  const list = ids(s);
  for (let i = 1; i < list.length; i++) assert.ok(list[i] > list[i - 1], `${what}: ids in order, no repeats: ${list.join(',')}`);
}

describe('a stream', () => {
  test('starts with retry, is text/event-stream, not cached, and sends heartbeats', async () => {
    const s = await open(team.by.owner);
    assert.equal(s.status, 200, s.text);
    assert.match(s.headers.get('content-type'), /^text\/event-stream/);
    assert.equal(s.headers.get('cache-control'), 'no-store');
    assert.ok(s.headers.get('x-request-id'));
    await s.until((x) => x.retry !== null, 5000, 'retry');
    assert.equal(s.retry, 3000);
    // P2S_SSE_HEARTBEAT=1: a ping each second while idle
    await s.until((x) => x.comments.filter((c) => c === 'ping').length >= 2, 6000, 'two heartbeats');
    assert.equal(s.events.length, 0, 'nothing else while nothing happens');
    s.close();
  });

  test('signed out: 401; a bad Last-Event-ID or once: 400 naming the field', async () => {
    const anon = await openStream(srv, new Client(srv));
    assert.equal(anon.status, 401);
    assert.equal(anon.json.error.code, 'unauthenticated');
    for (const [opts, field] of [
      [{ lastEventId: 'abc' }, 'Last-Event-ID'],
      [{ lastEventId: '-1' }, 'Last-Event-ID'],
      [{ query: '?last_event_id=1e3' }, 'last_event_id'],
      [{ query: '?last_event_id=12345678901234567890' }, 'last_event_id'],
      [{ query: '?once=yes' }, 'once'],
    ]) {
      const r = await openStream(srv, team.by.owner, opts);
      assert.equal(r.status, 400, JSON.stringify(opts));
      assert.equal(r.json.error.code, 'invalid_field');
      assert.equal(r.json.error.field, field);
    }
  });

  test('once=1 answers the missed events and ends', async () => {
    const live = await open(team.by.owner);
    const before = await draft(team.by.owner);
    const mark = await live.next(isPost('post.state', before));
    const p = await draft(team.by.owner);
    await live.next(isPost('post.state', p));
    const r = await openStream(srv, team.by.owner, { query: `?once=1&last_event_id=${mark.id}` });
    await r.until((x) => x.ended, 5000, 'the answer to end');
    assert.equal(r.retry, 3000);
    assert.deepEqual(r.events.map((e) => e.id), live.events.filter((e) => Number(e.id) > Number(mark.id)).map((e) => e.id));
    assert.ok(r.events.some(isPost('post.state', p)));
    live.close();
  });
});

describe('publishing, failing and recovering', () => {
  test('arrive in order with their payloads: the workspace events and each person\'s notification', async () => {
    const { owner, editor, viewer } = team.by;
    const os = await open(owner);
    const es = await open(editor);
    const vs = await open(viewer);
    await os.until((x) => x.retry !== null);

    // published
    serial += 1;
    const made = await owner.post(postsOf(team.ws), { body: `Streamed live ${serial} ${RUN}`, targets: [{ account_id: xacc.id }], action: 'schedule', schedule: { mode: 'now' } });
    assert.equal(made.status, 201, made.text);
    const post = made.json.post;
    const done = await settle(owner, post.id);
    assert.equal(done.state, 'published', JSON.stringify(done.targets));
    const tgt = done.targets[0];

    const scheduled = await es.next(isPost('post.state', post.id));
    assert.equal(scheduled.data.state, 'scheduled');
    assert.equal(scheduled.data.workspace_id, team.ws);
    const state = await es.next((e) => isPost('target.state', post.id)(e) && e.data.state === 'published');
    assert.equal(state.data.target_id, tgt.id);
    assert.equal(state.data.account_id, xacc.id);
    assert.equal(state.data.platform, 'x');
    assert.equal(state.data.remote_url, tgt.remote_url);
    assert.equal(state.data.recovered, false);
    assert.equal(state.data.workspace_id, team.ws);
    const pub = await es.next(isPost('target.published', post.id));
    assert.equal(pub.data.remote_url, tgt.remote_url);
    const note = await es.next(isNote('target.published', post.id));
    assert.equal(note.data.workspace_id, team.ws);
    assert.match(note.data.title, /^Published on X/);
    assert.equal(note.data.link, tgt.remote_url);
    assert.equal(note.data.read_at, null);
    assert.equal(typeof note.data.id, 'number');
    assert.match(note.data.created_at, /^\d{4}-\d\d-\d\dT/);
    // the stored notification is the one streamed
    const listed = await editor.get('/api/v1/notifications?limit=50');
    if (listed.status === 200 && Array.isArray(listed.json.notifications)) {
      assert.ok(listed.json.notifications.some((n) => n.id === note.data.id), 'streamed notification is stored');
    }
    assert.ok(Number(scheduled.id) < Number(state.id) && Number(state.id) < Number(pub.id) && Number(pub.id) < Number(note.id), 'in the order they happened');
    // the owner wrote the post: not told of... publishing is told to its author too
    await os.next(isNote('target.published', post.id));
    // a viewer sees the live state but is told nothing (their preferences' defaults)
    await vs.next(isPost('target.published', post.id));
    assert.equal(vs.events.filter(isNote('target.published', post.id)).length, 0);

    // failed: X refuses the create once with a 400 (retrying would not help)
    await sim.admin('POST', '/_sim/faults', { platform: 'x', method: 'POST', path: '/2/tweets', status: 400, count: 1 });
    serial += 1;
    const made2 = await owner.post(postsOf(team.ws), { body: `Streamed failing ${serial} ${RUN}`, targets: [{ account_id: xacc.id }], action: 'schedule', schedule: { mode: 'now' } });
    assert.equal(made2.status, 201, made2.text);
    const p2 = made2.json.post.id;
    const failed = await settle(owner, p2);
    assert.equal(failed.state, 'failed', JSON.stringify(failed.targets));
    const fstate = await es.next((e) => isPost('target.state', p2)(e) && e.data.state === 'failed');
    assert.ok(fstate.data.error, 'the reason');
    assert.equal(fstate.data.post_state, 'failed');
    const fev = await es.next(isPost('target.failed', p2));
    const fnote = await es.next(isNote('target.failed', p2));
    assert.match(fnote.data.title, /Could not publish on X/);
    assert.match(fnote.data.body, /retry/i, 'says what to do');
    assert.ok(Number(fstate.id) < Number(fev.id) && Number(fev.id) < Number(fnote.id));

    // recovered: tried again, it goes out
    const tid = failed.targets[0].id;
    const rt = await owner.post(`${postsOf(team.ws)}/${p2}/targets/${tid}/retry`, {});
    assert.equal(rt.status, 200, rt.text);
    const rstate = await es.next((e) => isPost('target.state', p2)(e) && e.data.state === 'published');
    assert.equal(rstate.data.recovered, true);
    const rev = await es.next(isPost('target.recovered', p2));
    const rnote = await es.next(isNote('target.recovered', p2));
    assert.match(rnote.data.title, /Published after all on X/);
    assert.equal(rnote.data.data.recovered, true);
    assert.ok(Number(fnote.id) < Number(rstate.id) && Number(rstate.id) < Number(rev.id) && Number(rev.id) < Number(rnote.id));

    // every stream: ids strictly increasing; the editor's and the owner's workspace events agree
    for (const [s, who] of [[os, 'owner'], [es, 'editor'], [vs, 'viewer']]) assertIncreasing(s, who);
    const wsEvents = (s) => s.events.filter((e) => e.event !== 'notification' && Number(e.id) >= Number(scheduled.id) && Number(e.id) <= Number(rev.id)).map((e) => e.id);
    assert.deepEqual(wsEvents(os), wsEvents(es));
    assert.deepEqual(wsEvents(vs), wsEvents(es));
    // a notification is for its person only
    const noteIds = (s) => new Set(s.events.filter((e) => e.event === 'notification').map((e) => e.data.id));
    const mine = noteIds(es);
    for (const id of noteIds(os)) assert.ok(!mine.has(id), 'the owner\'s notifications are not the editor\'s');
    os.close();
    es.close();
    vs.close();
  });
});

describe('reconnecting', () => {
  test('Last-Event-ID gives exactly the missed events, then the live ones', async () => {
    const { editor } = team.by;
    const control = await open(editor); // stays open throughout
    const first = await open(editor);
    const a = await draft(team.by.owner);
    const seenA = await first.next(isPost('post.state', a));
    await control.next(isPost('post.state', a));
    first.close();
    // missed while away: two drafts and a notification for the editor (a post they submitted, sent back)
    const b = await draft(team.by.owner);
    const c = await draft(editor);
    assert.equal((await editor.post(`${postsOf(team.ws)}/${c}/submit`, {})).status, 200);
    const rc = await team.by.admin.post(`${postsOf(team.ws)}/${c}/request-changes`, { note: 'Shorter' });
    assert.equal(rc.status, 200, rc.text);
    const lastMissed = await control.next(isNote('post.changes_requested', c));
    const missed = control.events.filter((e) => Number(e.id) > Number(seenA.id) && Number(e.id) <= Number(lastMissed.id));
    assert.ok(missed.some(isPost('post.state', b)) && missed.some(isPost('post.state', c)));

    const back = await open(editor, { lastEventId: seenA.id });
    await back.until((x) => x.events.length >= missed.length, 10000, 'the missed events');
    assert.deepEqual(back.events.map((e) => [e.id, e.event]), missed.map((e) => [e.id, e.event]), 'exactly the missed ones, in order');
    assert.deepEqual(back.events.map((e) => e.data), missed.map((e) => e.data), 'with the same payloads');
    // then live, once
    const d = await draft(team.by.owner);
    const live = await back.next(isPost('post.state', d));
    await control.next(isPost('post.state', d));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(back.events.filter(isPost('post.state', d)).length, 1, 'not twice');
    assert.deepEqual(ids(back).filter((i) => i <= Number(live.id)), ids(control).filter((i) => i > Number(seenA.id) && i <= Number(live.id)));
    assertIncreasing(back, 'reconnected stream');

    // the query parameter works the same (a client that cannot set headers)
    const q = await open(editor, { query: `?last_event_id=${seenA.id}` });
    await q.until((x) => x.events.length >= missed.length + 1, 10000, 'the missed events by query');
    assert.deepEqual(q.events.slice(0, missed.length).map((e) => e.id), missed.map((e) => e.id));
    // the header wins over the parameter
    const both = await open(editor, { lastEventId: lastMissed.id, query: `?last_event_id=${seenA.id}` });
    await both.next(isPost('post.state', d));
    assert.equal(both.events[0].id, live.id, 'resumed after the header\'s id');
    for (const s of [control, back, q, both]) s.close();
  });

  test('more than 1,000 missed: "reset" first, then the newest 1,000', async () => {
    const { owner } = team.by;
    const s = await open(owner);
    const a = await draft(owner);
    const mark = await s.next(isPost('post.state', a));
    const rows = 1100;
    if (srv.backend === 'postgres') {
      sql(srv, `INSERT INTO events (workspace_id, user_id, kind, data, created_at) SELECT ${team.ws}, NULL, 'test.bulk', '{"n":' || g || '}', 0 FROM generate_series(1, ${rows}) g`);
    } else {
      sql(srv, `WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ${rows}) INSERT INTO events (workspace_id, user_id, kind, data, created_at) SELECT ${team.ws}, NULL, 'test.bulk', '{"n":' || n || '}', 0 FROM g`);
    }
    // the open stream gets them all, live
    await s.until((x) => x.events.filter((e) => e.event === 'test.bulk').length === rows, 15000, 'the bulk events live');
    const newest = s.events[s.events.length - 1];
    for (const opts of [{ lastEventId: mark.id }, { query: `?once=1&last_event_id=${mark.id}` }]) {
      const r = await open(owner, opts);
      await r.until((x) => x.events.length >= 1001, 15000, 'reset and 1,000 events');
      assert.equal(r.events[0].event, 'reset');
      assert.equal(r.events[0].data.reason, 'missed_too_many');
      const replayed = r.events.slice(1, 1001);
      assert.equal(replayed.length, 1000);
      assert.equal(replayed[999].id, newest.id, 'up to the newest');
      assert.deepEqual(replayed.map((e) => e.data.n), s.events.slice(-1000).map((e) => e.data.n), 'the newest 1,000, in order');
      r.close();
    }
    // exactly 1,000 missed: no reset
    const at = s.events[s.events.length - 1001].id;
    const r = await openStream(srv, owner, { query: `?once=1&last_event_id=${at}` });
    await r.until((x) => x.ended, 10000, 'the answer');
    assert.equal(r.events.length, 1000);
    assert.notEqual(r.events[0].event, 'reset');
    s.close();
  });

  test('an id this database never gave: "reset", then live', async () => {
    const s = await open(team.by.owner, { lastEventId: '900000000000' });
    const first = await s.next();
    assert.equal(first.event, 'reset');
    assert.equal(first.data.reason, 'unknown_last_event_id');
    const p = await draft(team.by.owner);
    await s.next(isPost('post.state', p));
    s.close();
  });
});

describe('who hears what', () => {
  test('another workspace\'s members hear nothing of it; their own workspace they do', async () => {
    const { outsider } = team.by;
    const theirWs = await createWorkspace(outsider, 'Elsewhere');
    const theirAcc = seedAccount(srv, theirWs, 'x', 'Elsewhere on X');
    const s = await open(outsider);
    const control = await open(team.by.owner);
    const p = await draft(team.by.owner); // not for the outsider
    await control.next(isPost('post.state', p));
    const sentinel = await draft(outsider, theirWs, theirAcc);
    const got = await s.next(isPost('post.state', sentinel));
    assert.equal(got.data.workspace_id, theirWs);
    assert.equal(s.events.filter((e) => e.data.workspace_id === team.ws).length, 0, JSON.stringify(s.events));
    assert.equal(control.events.filter(isPost('post.state', sentinel)).length, 0, 'nor the other way round');
    s.close();
    control.close();
  });

  test('a member removed stops hearing at once; one who joins starts', async () => {
    const { owner } = team.by;
    const m = await signup(srv, { name: 'Passing' });
    await addMember(owner, team.ws, m, 'viewer');
    const ownWs = await createWorkspace(m, 'Own');
    const ownAcc = seedAccount(srv, ownWs, 'x', 'Own on X');
    const s = await open(m);
    const a = await draft(owner);
    await s.next(isPost('post.state', a));
    const del = await owner.del(`/api/v1/workspaces/${team.ws}/members/${m.user.id}`);
    assert.equal(del.status, 204, del.text);
    const b = await draft(owner);
    const sentinel = await draft(m, ownWs, ownAcc);
    await s.next(isPost('post.state', sentinel));
    assert.equal(s.events.filter(isPost('post.state', b)).length, 0, 'removed: hears nothing more');
    // joined on the same open stream: hears the workspace from then on
    await addMember(owner, team.ws, m, 'editor');
    const c = await draft(owner);
    await s.next(isPost('post.state', c));
    s.close();
  });

  test('an API key stream hears only the key\'s workspaces', async () => {
    const { owner } = team.by;
    const other = await createWorkspace(owner, 'Keyless');
    const otherAcc = seedAccount(srv, other, 'x', 'Keyless on X');
    const k = await owner.post('/api/v1/me/api-keys', { name: 'events', workspace_ids: [team.ws] });
    assert.equal(k.status, 201, k.text);
    const none = await owner.post('/api/v1/me/api-keys', { name: 'no workspace', workspace_ids: [] });
    assert.equal(none.status, 201, none.text);
    const keyed = await open(new Client(srv, { apiKey: k.json.key }));
    assert.equal(keyed.status, 200, keyed.text);
    const empty = await open(new Client(srv, { apiKey: none.json.key }));
    assert.equal(empty.status, 200, empty.text);
    const session = await open(owner);
    const hidden = await draft(owner, other, otherAcc);
    await session.next(isPost('post.state', hidden));
    const shown = await draft(owner);
    await keyed.next(isPost('post.state', shown));
    await session.next(isPost('post.state', shown));
    assert.equal(keyed.events.filter((e) => e.data.workspace_id === other).length, 0, 'not the other workspace');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(empty.events.length, 0, 'a key for no workspace hears nothing');
    // reconnecting with the key: the replay is limited the same way
    const mark = session.events.find(isPost('post.state', hidden));
    const back = await openStream(srv, new Client(srv, { apiKey: k.json.key }), { query: `?once=1&last_event_id=${Number(mark.id) - 1}` });
    await back.until((x) => x.ended, 5000, 'the replay');
    assert.ok(back.events.some(isPost('post.state', shown)));
    assert.equal(back.events.filter(isPost('post.state', hidden)).length, 0);
    for (const s of [keyed, empty, session]) s.close();
  });
});

describe('slow clients and shutdown', () => {
  test('a client that stops reading is sent "reset" and dropped; the others go on', async () => {
    // a raw connection that sends the request and then does not read
    const sock = net.connect(srv.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    sock.write(`GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: p2s_session=${team.by.owner.cookie}\r\n\r\n`);
    sock.pause();
    const control = await open(team.by.owner);
    await control.until((x) => x.retry !== null);
    const a = await draft(team.by.owner);
    await control.next(isPost('post.state', a));
    // about 24 MB of events: more than the kernel's socket buffers and the stream's 4 MiB queue,
    // in steps the reading stream keeps up with (a burst that size would overflow any reader)
    const rows = 8000;
    const step = 1000;
    const pad = 'x'.repeat(3000);
    for (let from = 1; from <= rows; from += step) {
      const to = from + step - 1;
      if (srv.backend === 'postgres') {
        sql(srv, `INSERT INTO events (workspace_id, user_id, kind, data, created_at) SELECT ${team.ws}, NULL, 'test.big', '{"n":' || g || ',"pad":"${pad}"}', 0 FROM generate_series(${from}, ${to}) g`);
      } else {
        sql(srv, `WITH RECURSIVE g(n) AS (SELECT ${from} UNION ALL SELECT n + 1 FROM g WHERE n < ${to}) INSERT INTO events (workspace_id, user_id, kind, data, created_at) SELECT ${team.ws}, NULL, 'test.big', '{"n":' || n || ',"pad":"${pad}"}', 0 FROM g`);
      }
      await draft(team.by.owner); // wakes the hub now (rows written by SQL wait for its 1 s look)
      await control.until((x) => x.events.filter((e) => e.event === 'test.big').length === to, 30000, `big events up to ${to} on the reading stream`);
    }
    assert.equal(control.events.filter((e) => e.event === 'reset').length, 0, 'the reading stream kept up');
    // now read the slow one to its end
    let text = '';
    sock.setEncoding('utf8');
    sock.on('data', (d) => (text += d));
    const ended = new Promise((r) => sock.once('close', r));
    sock.resume();
    await Promise.race([ended, new Promise((r) => setTimeout(r, 20000))]);
    assert.ok(sock.destroyed || sock.readableEnded, 'the slow stream was ended');
    assert.match(text, /event: reset\ndata: \{"reason":"too_slow"\}/);
    const got = (text.match(/event: test\.big/g) || []).length;
    assert.ok(got < rows, `the slow client missed some (${got} of ${rows})`);
    // the reading stream went on
    const b = await draft(team.by.owner);
    await control.next(isPost('post.state', b));
    control.close();
  });

  test('SIGTERM ends open streams and the server exits cleanly', async () => {
    const own = await startServer({ args: ['--no-worker'] });
    try {
      const person = await signup(own);
      const s = await openStream(own, person);
      assert.equal(s.status, 200);
      await s.until((x) => x.retry !== null);
      const t0 = Date.now();
      const exit = await own.stop('SIGTERM');
      assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}\n${own.logs().slice(-2000)}`);
      await s.until((x) => x.ended, 5000, 'the stream to end');
      assert.equal(s.error, null);
      assert.ok(Date.now() - t0 < 10000, 'without waiting for the shutdown timeout');
      assert.doesNotMatch(own.logs(), /suspended connections/);
    } finally {
      await own.stop();
    }
  });
});
