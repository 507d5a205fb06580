// Never twice, never lost: a burst of posts due at once, workers killed with SIGKILL at random
// moments and started again; afterwards the simulator holds every post exactly once.
// SQLite: one worker at a time.  PostgreSQL: two workers at once, both killed now and then.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { BIN, BACKEND, startServer, sql } from '../lib/harness.mjs';
import { signup, createWorkspace } from '../lib/api.mjs';
import { startSim, simEnv } from '../lib/sim.mjs';
import { connectAccount, until } from '../lib/connect.mjs';

const POSTS = Number(process.env.P2S_CRASH_POSTS || 1000);
const KILLS = Number(process.env.P2S_CRASH_KILLS || 6);
const WORKERS = BACKEND === 'postgres' ? 2 : 1;

let sim;
let srv;
let owner;
let ws;
const workers = [];
let workerEnv;

before(async () => {
  sim = await startSim();
  // some latency, so that kills land in the middle of requests
  await sim.admin('POST', '/_sim/latency', { platform: "*", ms: 30, jitter_ms: 30 });
  srv = await startServer({ env: simEnv(sim.url), args: ['--no-worker'] });
  owner = await signup(srv, { name: 'Owner' });
  ws = await createWorkspace(owner, 'Burst');
  workerEnv = {
    ...process.env,
    ...simEnv(sim.url),
    P2S_DATABASE_URL: srv.dbUrl,
    P2S_PUBLIC_URL: srv.url,
    P2S_ENGINE_LEASE: '5',
    P2S_ENGINE_PER_ACCOUNT: '8',
  };
});
after(async () => {
  for (const w of workers) if (w.proc.exitCode === null) w.proc.kill('SIGKILL');
  await srv.stop();
  await sim.stop();
});

/** Start `post2share worker` on the server's database and data directory. */
function startWorker() {
  const proc = spawn(BIN, ['worker', '--data-dir', srv.dataDir, '--db-pool', '4'], {
    env: workerEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr.on('data', (d) => (err = (err + d).slice(-20000)));
  const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  const w = { proc, exited, logs: () => err };
  workers.push(w);
  return w;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test(`${POSTS} posts due at once survive ${KILLS} kill -9 of ${WORKERS} worker(s), each published exactly once`, { timeout: 300000 }, async () => {
  const accounts = [
    await connectAccount(srv, owner, ws, 'facebook', { pick: 0 }),
    await connectAccount(srv, owner, ws, 'facebook', { pick: 1 }),
    await connectAccount(srv, owner, ws, 'linkedin'),
  ];
  assert.equal(new Set(accounts.map((a) => a.id)).size, 3);
  const tag = randomBytes(4).toString('hex');
  const rows = ['text,accounts,time'];
  for (let i = 0; i < POSTS; i++) rows.push(`Burst ${tag} number ${i},${accounts[i % 3].id},now`);
  const imp = await owner.call('POST', `/api/v1/workspaces/${ws}/posts/import`, rows.join('\n'), { headers: { 'Content-Type': 'text/csv' } });
  assert.equal(imp.status, 201, imp.text.slice(0, 500));
  assert.equal(imp.json.created, POSTS);

  let live = [];
  for (let i = 0; i < WORKERS; i++) live.push(startWorker());
  for (let k = 0; k < KILLS; k++) {
    await sleep(150 + Math.floor(Math.random() * 500));
    const victim = live[Math.floor(Math.random() * live.length)];
    victim.proc.kill('SIGKILL');
    await victim.exited;
    live = live.filter((w) => w !== victim);
    live.push(startWorker());
  }
  const count = (state) => Number(sql(srv, `SELECT COUNT(*) FROM post_targets WHERE state = '${state}'`).trim());
  try {
    await until(() => count('published') + count('failed') === POSTS, 180000, 'every target to finish');
  } catch (e) {
    console.log(sql(srv, 'SELECT state, pending_create, COUNT(*), MIN(due_at), MAX(lease_until) FROM post_targets GROUP BY state, pending_create'));
    console.log(sql(srv, 'SELECT outcome, error_code, error_message, COUNT(*) FROM publish_attempts GROUP BY outcome, error_code, error_message'));
    for (const w of workers) console.log(w.logs().slice(-3000));
    throw e;
  }
  assert.equal(count('failed'), 0, sql(srv, "SELECT error_code, error_message FROM post_targets WHERE state = 'failed' LIMIT 5"));

  // The platform side: every text exactly once.
  const seen = new Map();
  for (const platform of ['facebook', 'linkedin']) {
    const r = await sim.admin('GET', `/_sim/posts?platform=${platform}`);
    for (const p of r.items) {
      if (!String(p.text).startsWith(`Burst ${tag} `)) continue;
      seen.set(p.text, (seen.get(p.text) || 0) + 1);
    }
  }
  const twice = [...seen].filter(([, n]) => n > 1);
  for (const [text] of twice) {
    const q = (s) => `'${s.replaceAll("'", "''")}'`;
    console.log(sql(srv, `SELECT t.id, t.state, t.remote_id, t.attempts, t.failures FROM post_targets t JOIN posts p ON p.id = t.post_id WHERE p.body = ${q(text)}`));
    console.log(sql(srv, `SELECT a.id, a.worker, a.started_at, a.ended_at, a.outcome, a.error_code, r.method, r.url, r.create_step, r.started_at, r.ended_at, r.status, r.error FROM publish_attempts a JOIN post_targets t ON t.id = a.target_id JOIN posts p ON p.id = t.post_id LEFT JOIN publish_requests r ON r.attempt_id = a.id WHERE p.body = ${q(text)} ORDER BY a.id, r.id`));
  }
  assert.deepEqual(twice, [], 'published twice');
  assert.equal(seen.size, POSTS, `${POSTS - seen.size} posts missing on the platforms`);
  // Our side agrees: one remote id per target, all different.
  const ids = sql(srv, "SELECT remote_id FROM post_targets WHERE state = 'published'").trim().split('\n');
  assert.equal(new Set(ids).size, POSTS);
  const reconciled = Number(sql(srv, "SELECT COUNT(*) FROM publish_attempts WHERE outcome IS NULL OR outcome <> 'published'").trim());
  console.log(`# ${KILLS} kills, ${reconciled} attempts ended without publishing (killed, reconciled or retried)`);
});
