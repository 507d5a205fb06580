// Live events across server nodes (PostgreSQL only; skipped on SQLite): two `serve` processes on
// one database, as behind a load balancer.  An event raised on node A (a post its worker
// publishes, an invitation accepted through it) reaches a stream open on node B through
// LISTEN/NOTIFY, and the other way round.  Also: an event whose transaction commits after a later
// one's is still streamed, in id order (identity values are taken at insert, commits come later),
// and an id that never commits (a rollback) holds nothing up for long.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { BACKEND, startServer } from '../lib/harness.mjs';
import { Client, signup, createWorkspace } from '../lib/api.mjs';
import { startSim, simEnv } from '../lib/sim.mjs';
import { connectAccount, until } from '../lib/connect.mjs';
import { seedAccount } from '../lib/posts.mjs';
import { openStream } from '../lib/sse.mjs';

const skip = BACKEND !== 'postgres' ? 'two nodes need PostgreSQL (P2S_TEST_DB=postgres)' : false;
const RUN = randomBytes(3).toString('hex');

let sim;
let nodeA; // serve with the publishing worker
let nodeB; // serve --no-worker, same database and key
let owner; // signed in on A
let ws;
let xacc;
let seeded;
let serial = 0;
const streams = [];

/** The same person's session, talking to another node. */
function on(node, client) {
  const c = new Client(node);
  c.cookie = client.cookie;
  c.csrf = client.csrf;
  c.user = client.user;
  return c;
}

const isPost = (kind, id) => (e) => e.event === kind && e.data.post_id === id;

async function open(node, client, opts) {
  const s = await openStream(node, client, opts);
  assert.equal(s.status, 200, s.text);
  streams.push(s);
  await s.until((x) => x.retry !== null);
  return s;
}

async function draft(client, workspace = ws, account = seeded) {
  serial += 1;
  const r = await client.post(`/api/v1/workspaces/${workspace}/posts`, { body: `Across nodes ${serial} ${RUN}`, targets: [{ account_id: account }] });
  assert.equal(r.status, 201, r.text);
  return r.json.post.id;
}

describe('two nodes on one PostgreSQL', { skip }, () => {
  before(async () => {
    sim = await startSim();
    const env = { ...simEnv(sim.url), P2S_SECRET_KEY: randomBytes(32).toString('hex') };
    nodeA = await startServer({ env });
    nodeB = await startServer({ env, dbUrl: nodeA.dbUrl, args: ['--no-worker'] });
    owner = await signup(nodeA, { name: 'Owner' });
    ws = await createWorkspace(owner, 'Two nodes');
    xacc = await connectAccount(nodeA, owner, ws, 'x');
    seeded = seedAccount(nodeA, ws, 'x', 'Drafts on X');
  });

  after(async () => {
    for (const s of streams) s.close();
    await nodeB?.stop();
    await nodeA?.stop();
    await sim?.stop();
  });

  test('a post published by node A\'s worker reaches a stream on node B', async () => {
    const s = await open(nodeB, on(nodeB, owner));
    serial += 1;
    const made = await owner.post(`/api/v1/workspaces/${ws}/posts`, { body: `Published across ${serial} ${RUN}`, targets: [{ account_id: xacc.id }], action: 'schedule', schedule: { mode: 'now' } });
    assert.equal(made.status, 201, made.text);
    const id = made.json.post.id;
    const state = await s.next((e) => isPost('target.state', id)(e) && e.data.state === 'published', 30000);
    const pub = await s.next(isPost('target.published', id));
    const note = await s.next((e) => e.event === 'notification' && e.data.event === 'target.published' && e.data.data.post_id === id);
    assert.equal(pub.data.remote_url, state.data.remote_url);
    assert.equal(note.data.link, state.data.remote_url);
    assert.ok(Number(state.id) < Number(pub.id) && Number(pub.id) < Number(note.id));
    const p = (await owner.get(`/api/v1/workspaces/${ws}/posts/${id}`)).json.post;
    assert.equal(p.state, 'published');
  });

  test('an invitation accepted on node A reaches the owner\'s stream on node B', async () => {
    const s = await open(nodeB, on(nodeB, owner));
    const inv = await owner.post(`/api/v1/workspaces/${ws}/invitations`, { role: 'editor' });
    assert.equal(inv.status, 201, inv.text);
    const joiner = await signup(nodeA, { name: 'Joiner' });
    const acc = await joiner.post(`/api/v1/invitations/${inv.json.token}/accept`);
    assert.equal(acc.status, 200, acc.text);
    const ev = await s.next((e) => e.event === 'invitation.accepted' && e.data.user_id === joiner.user.id);
    assert.equal(ev.data.workspace_id, ws);
    const note = await s.next((e) => e.event === 'notification' && e.data.event === 'invitation.accepted' && e.data.data.user_id === joiner.user.id);
    assert.match(note.data.title, /joined Two nodes/);
    // the one who joined hears the workspace on node B from now on
    const js = await open(nodeB, on(nodeB, joiner));
    const p = await draft(owner);
    await js.next(isPost('post.state', p));
  });

  test('and the other way round: an event raised on node B reaches node A', async () => {
    const s = await open(nodeA, owner);
    const p = await draft(on(nodeB, owner));
    const ev = await s.next(isPost('post.state', p));
    assert.equal(ev.data.state, 'draft');
  });

  test('an event committed after a later one is still streamed, in id order', async () => {
    const s = await open(nodeB, on(nodeB, owner));
    // a transaction takes an event id and holds it
    const psql = spawn('psql', ['-X', '-q', '-tA', '-v', 'ON_ERROR_STOP=1', nodeA.dbUrl], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    psql.stdout.on('data', (d) => (out += d));
    const exited = new Promise((r) => psql.on('exit', r));
    psql.stdin.write(`BEGIN;\nINSERT INTO events (workspace_id, user_id, kind, data, created_at) VALUES (${ws}, NULL, 'test.late', '{"late":true}', 0) RETURNING id;\n`);
    await until(() => /\d+/.test(out), 5000, 'the held insert');
    const lateId = Number(out.match(/\d+/)[0]);
    // a later event commits first
    const p = await draft(owner);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(s.events.filter(isPost('post.state', p)).length, 0, 'not handed out past the missing id yet');
    psql.stdin.end('COMMIT;\n');
    await exited;
    const late = await s.next((e) => e.event === 'test.late');
    const after = await s.next(isPost('post.state', p));
    assert.equal(Number(late.id), lateId);
    assert.ok(Number(after.id) > lateId);
    assert.ok(s.events.indexOf(late) < s.events.indexOf(after), 'in id order');
  });

  test('an id that never commits (rolled back) holds the stream up about a second, no more', async () => {
    const s = await open(nodeB, on(nodeB, owner));
    const psql = spawn('psql', ['-X', '-q', '-tA', '-v', 'ON_ERROR_STOP=1', nodeA.dbUrl], { stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise((r) => psql.on('exit', r));
    psql.stdin.end(`BEGIN;\nINSERT INTO events (workspace_id, user_id, kind, data, created_at) VALUES (${ws}, NULL, 'test.never', '{}', 0);\nROLLBACK;\n`);
    await exited;
    const p = await draft(owner);
    await s.next(isPost('post.state', p), 10000); // after the hub gave up waiting for the missing id
    assert.equal(s.events.filter((e) => e.event === 'test.never').length, 0);
  });
});
