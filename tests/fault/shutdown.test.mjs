// A worker told to stop (SIGTERM) in the middle of a burst: it claims nothing more, lets the
// requests in flight finish within P2S_SHUTDOWN_TIMEOUT, gives the rest back at once (due again,
// not counted as failures, nothing left leased), and exits 0; the next worker publishes the rest,
// each post exactly once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { BIN, startServer, sql } from '../lib/harness.mjs';
import { signup, createWorkspace } from '../lib/api.mjs';
import { startSim, simEnv } from '../lib/sim.mjs';
import { connectAccount, until } from '../lib/connect.mjs';

const POSTS = 300;

let sim;
let srv;
let owner;
let ws;
let workerEnv;
const procs = [];

before(async () => {
  sim = await startSim();
  // slow enough that a burst is still under way when the worker is told to stop
  await sim.admin('POST', '/_sim/latency', { platform: '*', ms: 150, jitter_ms: 100 });
  srv = await startServer({ env: simEnv(sim.url), args: ['--no-worker'] });
  owner = await signup(srv, { name: 'Owner' });
  ws = await createWorkspace(owner, 'Shutdown');
  workerEnv = {
    ...process.env,
    ...simEnv(sim.url),
    P2S_DATABASE_URL: srv.dbUrl,
    P2S_PUBLIC_URL: srv.url,
    P2S_SHUTDOWN_TIMEOUT: '2',
    P2S_ENGINE_INFLIGHT: '64',
  };
});
after(async () => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  await srv.stop();
  await sim.stop();
});

function startWorker() {
  const proc = spawn(BIN, ['worker', '--data-dir', srv.dataDir, '--db-pool', '4'], {
    env: workerEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  procs.push(proc);
  let err = '';
  proc.stderr.on('data', (d) => (err = (err + d).slice(-20000)));
  const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
  return { proc, exited, logs: () => err };
}

test('SIGTERM mid-burst: requests in flight finish, the rest is given back, the next worker publishes it once', { timeout: 180000 }, async () => {
  const accounts = [
    await connectAccount(srv, owner, ws, 'facebook', { pick: 0 }),
    await connectAccount(srv, owner, ws, 'facebook', { pick: 1 }),
    await connectAccount(srv, owner, ws, 'linkedin'),
  ];
  const tag = randomBytes(4).toString('hex');
  const rows = ['text,accounts,time'];
  for (let i = 0; i < POSTS; i++) rows.push(`Stop ${tag} number ${i},${accounts[i % 3].id},now`);
  const imp = await owner.call('POST', `/api/v1/workspaces/${ws}/posts/import`, rows.join('\n'), { headers: { 'Content-Type': 'text/csv' } });
  assert.equal(imp.status, 201, imp.text.slice(0, 500));

  const count = (where) => Number(sql(srv, `SELECT COUNT(*) FROM post_targets WHERE ${where}`).trim());
  const first = startWorker();
  await until(() => count("state = 'published'") >= 20, 60000, 'the first posts to go out');
  const stopAt = Date.now();
  first.proc.kill('SIGTERM');
  const r = await first.exited;
  const took = Date.now() - stopAt;
  assert.equal(r.code, 0, `the worker exits 0 (${r.code ?? r.signal})\n${first.logs().slice(-2000)}`);
  assert.ok(took < 2000 + 3000, `it stops within its shutdown time and a little (${took} ms)`);
  const done = count("state = 'published'");
  assert.ok(done < POSTS, 'the burst was still under way when it stopped');

  // Nothing is left with the stopped worker: every unfinished target is due again now, without
  // a failure counted against it.
  const now = Date.now();
  assert.equal(count("state IN ('publishing', 'processing')"), 0, sql(srv, 'SELECT state, COUNT(*) FROM post_targets GROUP BY state'));
  assert.equal(count(`state NOT IN ('published', 'failed') AND (lease_until > ${now} OR due_at > ${now})`), 0);
  assert.equal(count('failures > 0'), 0);
  assert.equal(Number(sql(srv, "SELECT COUNT(*) FROM publish_attempts WHERE ended_at IS NULL").trim()), 0, 'no attempt left open');

  // The next worker takes the rest.
  const second = startWorker();
  await until(() => count("state IN ('published', 'failed')") === POSTS, 120000, 'every target to finish');
  assert.equal(count("state = 'failed'"), 0);
  second.proc.kill('SIGTERM');
  assert.equal((await second.exited).code, 0);

  const seen = new Map();
  for (const platform of ['facebook', 'linkedin']) {
    const list = await sim.admin('GET', `/_sim/posts?platform=${platform}`);
    for (const p of list.items) if (String(p.text).startsWith(`Stop ${tag} `)) seen.set(p.text, (seen.get(p.text) || 0) + 1);
  }
  assert.deepEqual([...seen].filter(([, n]) => n > 1), [], 'published twice');
  assert.equal(seen.size, POSTS);
});
