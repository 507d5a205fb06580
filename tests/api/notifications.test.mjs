// Notifications over the HTTP API: who is told of what (by role, as the person a post concerns,
// never of their own doing), preferences that turn kinds off, the unread count, paging, marking
// one or all read, and nobody reading or marking someone else's.
//
// Events are made the cheap ways: invitations accepted (invitation.accepted to owners and
// admins), posts approved or sent back (to their author), and publishing through the platform
// simulator (target.published / failed / recovered to editors and up and the post's author).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startServer, sql } from '../lib/harness.mjs';
import { Client, signup, createWorkspace, addMember, makeTeam } from '../lib/api.mjs';
import { startSim, simEnv } from '../lib/sim.mjs';
import { connectAccount, until } from '../lib/connect.mjs';

const RUN = randomBytes(3).toString('hex'); // X refuses a text it has seen already
const N = '/api/v1/notifications';
const FINAL = ['published', 'failed', 'partially_published'];

let sim;
let srv;
let team; // {ws, by: {owner, admin, editor, contributor, viewer, outsider, anonymous}}
let xacc; // a connected X account in team.ws
let serial = 0;

before(async () => {
  sim = await startSim();
  srv = await startServer({ env: simEnv(sim.url) });
  // invitations are accepted in this order: admin, editor, contributor, viewer
  team = await makeTeam(srv, 'Notified');
  xacc = await connectAccount(srv, team.by.owner, team.ws, 'x');
});

after(async () => {
  await srv?.stop();
  await sim?.stop();
});

/** Every notification of client (newest first), optionally filtered by a query string. */
async function all(client, query = '') {
  const out = [];
  let cursor = '';
  for (let i = 0; i < 50; i++) {
    const r = await client.get(`${N}?limit=200${query}${cursor}`);
    assert.equal(r.status, 200, r.text);
    out.push(...r.json.notifications);
    if (r.json.next_cursor === null) return out;
    cursor = `&cursor=${r.json.next_cursor}`;
  }
  throw new Error('too many pages');
}

/** client's notifications of kind (and matching pred). */
async function ofKind(client, kind, pred = () => true) {
  return (await all(client)).filter((n) => n.event === kind && pred(n));
}

const postsOf = (ws) => `/api/v1/workspaces/${ws}/posts`;

/** author writes a post for the X account (action: save, submit, schedule ...); returns it. */
async function writePost(author, extra = {}, ws = team.ws, account = xacc.id) {
  serial += 1;
  const r = await author.post(postsOf(ws), { body: `Notified ${serial} ${RUN}`, targets: [{ account_id: account }], ...extra });
  assert.equal(r.status, 201, r.text);
  return r.json.post;
}

/** Wait until the post is done publishing; returns it. */
function settle(client, id) {
  return until(async () => {
    const r = await client.get(`${postsOf(team.ws)}/${id}`);
    return FINAL.includes(r.json.post.state) && r.json.post;
  }, 30000, `post ${id} to finish publishing`);
}

/** Wait until client has a notification of kind about post id; returns it. */
function toldOf(client, kind, postId) {
  return until(async () => (await ofKind(client, kind, (n) => n.data.post_id === postId))[0], 15000, `${kind} for post ${postId}`);
}

describe('who is told', () => {
  test('invitation.accepted: owners and admins, not the person who joined, not the others', async () => {
    const joined = (n) => n.data.user_id;
    const ownerSaw = (await ofKind(team.by.owner, 'invitation.accepted')).map(joined);
    const ids = Object.fromEntries(['admin', 'editor', 'contributor', 'viewer'].map((r) => [r, team.by[r].user.id]));
    assert.deepEqual(ownerSaw.sort(), Object.values(ids).sort(), 'the owner saw every member join');
    // the admin joined first: told of the three after, not of their own joining
    const adminSaw = (await ofKind(team.by.admin, 'invitation.accepted')).map(joined);
    assert.deepEqual(adminSaw.sort(), [ids.editor, ids.contributor, ids.viewer].sort());
    for (const r of ['editor', 'contributor', 'viewer']) assert.deepEqual(await ofKind(team.by[r], 'invitation.accepted'), [], r);
    const n = (await ofKind(team.by.owner, 'invitation.accepted', (x) => x.data.user_id === ids.viewer))[0];
    assert.equal(n.workspace_id, team.ws);
    assert.match(n.title, /joined Notified/);
    assert.match(n.body, /joined as viewer/);
    assert.equal(n.read_at, null);
    assert.match(n.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(n.link.endsWith('/settings/members'), n.link);
  });

  test('post.approved and post.changes_requested go to the author, whatever their role, never to the reviewer', async () => {
    const { contributor, editor, admin, owner, viewer } = team.by;
    const a = await writePost(contributor, { action: 'submit' });
    assert.equal((await editor.post(`${postsOf(team.ws)}/${a.id}/approve`, {})).status, 200);
    const approved = await ofKind(contributor, 'post.approved', (n) => n.data.post_id === a.id);
    assert.equal(approved.length, 1);
    assert.match(approved[0].title, /approved/);
    const b = await writePost(contributor, { action: 'submit' });
    const rc = await editor.post(`${postsOf(team.ws)}/${b.id}/request-changes`, { note: 'Say when it opens' });
    assert.equal(rc.status, 200, rc.text);
    const back = await ofKind(contributor, 'post.changes_requested', (n) => n.data.post_id === b.id);
    assert.equal(back.length, 1);
    assert.equal(back[0].data.note, 'Say when it opens');
    assert.match(back[0].body, /Say when it opens/);
    // an admin's post sent back: told too (the rule is "the author", not a role)
    const c = await writePost(admin, { action: 'submit' });
    assert.equal((await editor.post(`${postsOf(team.ws)}/${c.id}/request-changes`, { note: 'Shorter' })).status, 200);
    assert.equal((await ofKind(admin, 'post.changes_requested', (n) => n.data.post_id === c.id)).length, 1);
    // the owner approving their own post is not told of their own doing
    const d = await writePost(owner, { action: 'submit' });
    assert.equal((await owner.post(`${postsOf(team.ws)}/${d.id}/approve`, {})).status, 200);
    assert.deepEqual(await ofKind(owner, 'post.approved', (n) => n.data.post_id === d.id), []);
    // nobody else hears of reviews
    for (const who of [editor, viewer, owner]) {
      const seen = (await all(who)).filter((n) => n.event.startsWith('post.') && [a.id, b.id, c.id].includes(n.data.post_id));
      assert.deepEqual(seen, []);
    }
  });

  test('target.published: editors and up and the author; not contributors or viewers', async () => {
    const post = await writePost(team.by.owner, { action: 'schedule', schedule: { mode: 'now' } });
    const done = await settle(team.by.owner, post.id);
    assert.equal(done.state, 'published', JSON.stringify(done.targets));
    for (const r of ['owner', 'admin', 'editor']) {
      const n = await toldOf(team.by[r], 'target.published', post.id);
      assert.equal(n.link, done.targets[0].remote_url, 'the link is the post on the platform');
      assert.equal(n.data.platform, 'x');
      assert.equal(n.data.remote_url, done.targets[0].remote_url);
    }
    for (const r of ['contributor', 'viewer']) assert.deepEqual(await ofKind(team.by[r], 'target.published', (n) => n.data.post_id === post.id), [], r);
  });

  test('target.failed then target.recovered: the author (a contributor) and editors and up; never viewers', async () => {
    const { contributor, editor, viewer } = team.by;
    const post = await writePost(contributor, { action: 'submit' });
    assert.equal((await editor.post(`${postsOf(team.ws)}/${post.id}/approve`, {})).status, 200);
    // X refuses the create once with a 400: a failure retrying would not fix
    await sim.admin('POST', '/_sim/faults', { platform: 'x', method: 'POST', path: '/2/tweets', status: 400, count: 1 });
    const s = await editor.post(`${postsOf(team.ws)}/${post.id}/schedule`, { schedule: { mode: 'now' } });
    assert.equal(s.status, 200, s.text);
    const failed = await settle(editor, post.id);
    assert.equal(failed.state, 'failed', JSON.stringify(failed.targets));
    for (const r of ['owner', 'admin', 'editor', 'contributor']) {
      const n = await toldOf(team.by[r], 'target.failed', post.id);
      assert.match(n.title, /Could not publish on X/);
      assert.match(n.body, /retry/i, 'says what to do');
      assert.equal(n.data.state, 'failed');
      assert.ok(n.data.error, 'the reason');
    }
    assert.deepEqual(await ofKind(viewer, 'target.failed'), [], 'a viewer is not told of failures');
    // tried again, it goes out: recovered
    const tid = failed.targets[0].id;
    const rt = await editor.post(`${postsOf(team.ws)}/${post.id}/targets/${tid}/retry`, {});
    assert.equal(rt.status, 200, rt.text);
    const done = await until(async () => {
      const p = (await editor.get(`${postsOf(team.ws)}/${post.id}`)).json.post;
      return p.state === 'published' && p;
    }, 30000, 'the retry to publish');
    for (const r of ['owner', 'admin', 'editor', 'contributor']) {
      const n = await toldOf(team.by[r], 'target.recovered', post.id);
      assert.equal(n.link, done.targets[0].remote_url);
      assert.equal(n.data.recovered, true);
    }
    assert.deepEqual(await ofKind(viewer, 'target.recovered'), []);
  });
});

describe('preferences', () => {
  const P = () => `/api/v1/workspaces/${team.ws}/notification-preferences`;

  test('every kind with its defaults, and whether the role is told at all', async () => {
    const v = await team.by.viewer.get(P());
    assert.equal(v.status, 200, v.text);
    assert.equal(v.json.workspace_id, team.ws);
    assert.equal(v.json.digest, false);
    const kinds = v.json.kinds.map((k) => k.kind);
    for (const k of ['target.published', 'target.failed', 'target.recovered', 'account.needs_reconnect', 'account.reconnect_soon', 'post.approved', 'post.changes_requested', 'invitation.accepted']) assert.ok(kinds.includes(k), k);
    for (const k of v.json.kinds) {
      assert.equal(typeof k.label, 'string');
      assert.equal(k.in_app, k.default_in_app);
      assert.equal(k.email, k.default_email);
      assert.equal(k.applies, false, `a viewer is told of no ${k.kind}`);
    }
    const byKind = async (client) => Object.fromEntries((await client.get(P())).json.kinds.map((k) => [k.kind, k]));
    const c = await byKind(team.by.contributor);
    assert.equal(c['target.failed'].applies, true, 'as the author of the post');
    assert.equal(c['post.changes_requested'].applies, true);
    assert.equal(c['invitation.accepted'].applies, false);
    assert.equal(c['account.needs_reconnect'].applies, false);
    const e = await byKind(team.by.editor);
    assert.equal(e['target.published'].applies, true);
    assert.equal(e['account.reconnect_soon'].applies, false, 'admins and up');
    const a = await byKind(team.by.admin);
    assert.equal(a['invitation.accepted'].applies, true);
    assert.equal(a['target.failed'].default_email, true);
    assert.equal(a['target.published'].default_email, false);
  });

  test('bad input names the field', async () => {
    const cases = [
      [{ kinds: 'all' }, 'kinds'],
      [{ kinds: ['target.failed'] }, 'kinds[0]'],
      [{ kinds: [{ kind: 'target.exploded', in_app: false }] }, 'kinds[0].kind'],
      [{ kinds: [{ in_app: false }] }, 'kinds[0].kind'],
      [{ kinds: [{ kind: 'target.failed', in_app: 'no' }] }, 'kinds[0].in_app'],
      [{ kinds: [{ kind: 'target.failed', email: 0 }] }, 'kinds[0].email'],
      [{ kinds: [{ kind: 'target.failed', email: false }, { kind: 'target.failed', in_app: false }] }, 'kinds[1].kind'],
      [{ kinds: [{ kind: 'digest', email: true }] }, 'kinds[0].kind'],
      [{ digest: 'hourly' }, 'digest'],
      [{ kinds: Array.from({ length: 33 }, () => ({ kind: 'target.failed' })) }, 'kinds'],
    ];
    for (const [body, field] of cases) {
      const r = await team.by.editor.put(P(), body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.json.error.code, 'invalid_field');
      assert.equal(r.json.error.field, field, JSON.stringify(body));
    }
    const none = await team.by.outsider.put(P(), { digest: true });
    assert.equal(none.status, 404);
  });

  test('a channel not given keeps its setting; the digest is a row of its own', async () => {
    const ed = team.by.editor;
    let r = await ed.put(P(), { kinds: [{ kind: 'target.recovered', email: false }], digest: true });
    assert.equal(r.status, 200, r.text);
    let k = r.json.kinds.find((x) => x.kind === 'target.recovered');
    assert.deepEqual([k.in_app, k.email], [true, false]);
    assert.equal(r.json.digest, true);
    r = await ed.put(P(), { kinds: [{ kind: 'target.recovered', in_app: false }] });
    k = r.json.kinds.find((x) => x.kind === 'target.recovered');
    assert.deepEqual([k.in_app, k.email], [false, false], 'email stays off');
    assert.equal(r.json.digest, true, 'the digest stays');
    const got = await ed.get(P());
    assert.deepEqual(got.json, r.json);
    const uid = ed.user.id;
    assert.equal(sql(srv, `SELECT in_app || ',' || email FROM notification_prefs WHERE user_id = ${uid} AND workspace_id = ${team.ws} AND event = 'digest'`).trim(), '0,1');
    r = await ed.put(P(), { kinds: [{ kind: 'target.recovered', in_app: true, email: true }], digest: false });
    assert.equal(r.json.digest, false);
    k = r.json.kinds.find((x) => x.kind === 'target.recovered');
    assert.deepEqual([k.in_app, k.email], [true, true]);
    // another member's preferences are their own
    const other = await team.by.admin.get(P());
    assert.equal(other.json.digest, false);
  });

  test('a kind turned off in the app makes no notification for that member', async () => {
    const { owner, admin, editor } = team.by;
    // target.published is not emailed by default: off in the app, the editor is not told at all
    let r = await editor.put(P(), { kinds: [{ kind: 'target.published', in_app: false }] });
    assert.equal(r.status, 200, r.text);
    const post = await writePost(owner, { action: 'schedule', schedule: { mode: 'now' } });
    assert.equal((await settle(owner, post.id)).state, 'published');
    await toldOf(owner, 'target.published', post.id);
    await toldOf(admin, 'target.published', post.id);
    assert.deepEqual(await ofKind(editor, 'target.published', (n) => n.data.post_id === post.id), []);
    assert.equal(sql(srv, `SELECT COUNT(*) FROM notifications WHERE user_id = ${editor.user.id} AND event = 'target.published' AND data LIKE '%"post_id":${post.id},%'`).trim(), '0');
    r = await editor.put(P(), { kinds: [{ kind: 'target.published', in_app: true }] });
    assert.equal(r.status, 200);
  });

  test('off in the app but on by email: still no notification row', async () => {
    // the admin keeps emails of joins and turns the in-app notification off
    const { owner, admin } = team.by;
    const ws = team.ws;
    const r = await admin.put(P(), { kinds: [{ kind: 'invitation.accepted', in_app: false, email: true }] });
    assert.equal(r.status, 200, r.text);
    const newcomer = await signup(srv, { name: 'Newcomer' });
    await addMember(owner, ws, newcomer, 'viewer');
    assert.equal((await ofKind(owner, 'invitation.accepted', (n) => n.data.user_id === newcomer.user.id)).length, 1);
    assert.deepEqual(await ofKind(admin, 'invitation.accepted', (n) => n.data.user_id === newcomer.user.id), []);
    assert.equal(sql(srv, `SELECT COUNT(*) FROM notifications WHERE user_id = ${admin.user.id} AND event = 'invitation.accepted' AND data LIKE '%"user_id":${newcomer.user.id},%'`).trim(), '0', 'no notification row for the admin');
    await admin.put(P(), { kinds: [{ kind: 'invitation.accepted', in_app: true, email: false }] });
  });
});

describe('reading', () => {
  /** A fresh team of an owner and three admins joining (three invitation.accepted for the owner). */
  async function freshOwner(name = 'Reader') {
    const owner = await signup(srv, { name });
    const ws = await createWorkspace(owner, `${name} space`);
    const joiners = [];
    for (let i = 0; i < 3; i++) {
      const p = await signup(srv, { name: `${name} joiner ${i}` });
      await addMember(owner, ws, p, 'admin');
      joiners.push(p);
    }
    return { owner, ws, joiners };
  }

  test('the list: newest first, paged with a cursor, the unread count beside it', async () => {
    const { owner, ws } = await freshOwner('Pager');
    // two more workspaces with a joiner each: five notifications in three workspaces
    const more = [];
    for (let i = 0; i < 2; i++) {
      const w = await createWorkspace(owner, `Pager extra ${i}`);
      await addMember(owner, w, await signup(srv, { name: `Extra ${i}` }), 'viewer');
      more.push(w);
    }
    const every = await all(owner);
    assert.equal(every.length, 5);
    const ids = every.map((n) => n.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
    const seen = [];
    let r = await owner.get(`${N}?limit=2`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.unread_count, 5);
    for (;;) {
      assert.ok(r.json.notifications.length <= 2);
      seen.push(...r.json.notifications.map((n) => n.id));
      if (r.json.next_cursor === null) break;
      assert.equal(r.json.next_cursor, r.json.notifications.at(-1).id);
      r = await owner.get(`${N}?limit=2&cursor=${r.json.next_cursor}`);
      assert.equal(r.status, 200, r.text);
    }
    assert.deepEqual(seen, ids, 'every page once, in order');
    // one workspace only
    const one = await all(owner, `&workspace_id=${ws}`);
    assert.equal(one.length, 3);
    assert.ok(one.every((n) => n.workspace_id === ws));
    // the count per workspace
    const c = await owner.get(`${N}/unread-count`);
    assert.equal(c.status, 200, c.text);
    assert.deepEqual(c.json, { unread_count: 5, by_workspace: { [ws]: 3, [more[0]]: 1, [more[1]]: 1 } });
  });

  test('bad query parameters name the field', async () => {
    const o = team.by.owner;
    for (const [q, field] of [['limit=0', 'limit'], ['limit=201', 'limit'], ['limit=x', 'limit'], ['cursor=abc', 'cursor'], ['cursor=-4', 'cursor'], ['unread=yes', 'unread'], ['workspace_id=0', 'workspace_id']]) {
      const r = await o.get(`${N}?${q}`);
      assert.equal(r.status, 400, `${q}: ${r.text}`);
      assert.equal(r.json.error.field, field, q);
    }
    for (const [body, field] of [[{ workspace_id: 'x' }, 'workspace_id'], [{ up_to_id: 0 }, 'up_to_id'], [{ workspace_id: 1.5 }, 'workspace_id']]) {
      const r = await o.post(`${N}/read-all`, body);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.json.error.field, field);
    }
    assert.equal((await new Client(srv).get(N)).status, 401);
    assert.equal((await new Client(srv).get(`${N}/unread-count`)).status, 401);
  });

  test('mark one read: once; the unread count and filter follow', async () => {
    const { owner } = await freshOwner('Marker');
    const [newest, middle] = await all(owner);
    let r = await owner.post(`${N}/${middle.id}/read`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.marked, 1);
    assert.equal(r.json.unread_count, 2);
    assert.equal(r.json.notification.id, middle.id);
    const readAt = r.json.notification.read_at;
    assert.match(readAt, /Z$/);
    r = await owner.post(`${N}/${middle.id}/read`);
    assert.equal(r.status, 200);
    assert.equal(r.json.marked, 0, 'already read');
    assert.equal(r.json.notification.read_at, readAt, 'read_at is the first reading');
    const unread = await all(owner, '&unread=1');
    assert.deepEqual(unread.map((n) => n.id).sort(), (await all(owner)).filter((n) => n.id !== middle.id).map((n) => n.id).sort());
    assert.ok(unread.some((n) => n.id === newest.id));
    assert.equal((await owner.get(`${N}/unread-count`)).json.unread_count, 2);
    for (const bad of ['999999999', '0', 'abc']) assert.equal((await owner.post(`${N}/${bad}/read`)).status, 404, bad);
  });

  test('mark all read: of one workspace, up to an id, then everything', async () => {
    const { owner, ws } = await freshOwner('Sweeper');
    const w2 = await createWorkspace(owner, 'Sweeper two');
    await addMember(owner, w2, await signup(srv, { name: 'Second' }), 'viewer');
    await addMember(owner, w2, await signup(srv, { name: 'Third' }), 'viewer');
    let r = await owner.post(`${N}/read-all`, { workspace_id: w2 });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { marked: 2, unread_count: 3 });
    assert.deepEqual((await owner.get(`${N}/unread-count`)).json.by_workspace, { [ws]: 3 });
    // up to the middle one of ws: the newest stays unread (it came after what the reader saw)
    const inWs = await all(owner, `&workspace_id=${ws}`);
    r = await owner.post(`${N}/read-all`, { up_to_id: inWs[1].id });
    assert.deepEqual(r.json, { marked: 2, unread_count: 1 });
    assert.deepEqual((await all(owner, '&unread=1')).map((n) => n.id), [inWs[0].id]);
    r = await owner.post(`${N}/read-all`);
    assert.deepEqual(r.json, { marked: 1, unread_count: 0 });
    r = await owner.post(`${N}/read-all`, {});
    assert.deepEqual(r.json, { marked: 0, unread_count: 0 });
    assert.ok((await all(owner)).every((n) => n.read_at !== null));
  });

  test("nobody reads or marks another person's notifications", async () => {
    const { owner, joiners } = await freshOwner('Private');
    const mine = await all(owner);
    assert.equal(mine.length, 3);
    const stranger = await signup(srv, { name: 'Stranger' });
    // a joiner (an admin of the same workspace) has notifications of their own, not the owner's
    const peer = joiners[0];
    for (const who of [stranger, peer]) {
      const theirs = await all(who);
      assert.ok(theirs.every((n) => !mine.some((m) => m.id === n.id)), 'lists only their own');
      for (const n of mine) {
        const r = await who.post(`${N}/${n.id}/read`);
        assert.equal(r.status, 404, r.text);
        assert.equal(r.json.error.code, 'not_found');
      }
      const ra = await who.post(`${N}/read-all`);
      assert.equal(ra.status, 200);
    }
    assert.equal((await owner.get(`${N}/unread-count`)).json.unread_count, 3, 'still unread');
    assert.ok((await all(owner)).every((n) => n.read_at === null));
    assert.equal((await new Client(srv).post(`${N}/${mine[0].id}/read`)).status, 401);
  });

  test('an API key sees the notifications of the workspaces it was given', async () => {
    const { owner, ws } = await freshOwner('Keyed');
    const w2 = await createWorkspace(owner, 'Keyed two');
    await addMember(owner, w2, await signup(srv, { name: 'Keyed joiner' }), 'viewer');
    const k = await owner.post('/api/v1/me/api-keys', { name: 'notifications', workspace_ids: [w2] });
    assert.equal(k.status, 201, k.text);
    const bot = new Client(srv, { apiKey: k.json.key });
    const seen = await all(bot);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].workspace_id, w2);
    assert.deepEqual((await bot.get(`${N}/unread-count`)).json, { unread_count: 1, by_workspace: { [w2]: 1 } });
    const other = (await all(owner, `&workspace_id=${ws}`))[0];
    assert.equal((await bot.post(`${N}/${other.id}/read`)).status, 404);
    assert.deepEqual((await bot.post(`${N}/read-all`)).json, { marked: 1, unread_count: 0 });
    assert.equal((await owner.get(`${N}/unread-count`)).json.unread_count, 3, 'the other workspace untouched');
  });

  test('someone who left a workspace no longer sees its notifications', async () => {
    const { owner, ws, joiners } = await freshOwner('Leaver');
    const admin = joiners[0]; // told of the two who joined after
    const before = await all(admin);
    assert.equal(before.length, 2);
    const r = await owner.del(`/api/v1/workspaces/${ws}/members/${admin.user.id}`);
    assert.equal(r.status, 204, r.text);
    assert.deepEqual(await all(admin), []);
    assert.equal((await admin.get(`${N}/unread-count`)).json.unread_count, 0);
    assert.equal((await admin.post(`${N}/${before[0].id}/read`)).status, 404);
  });
});
