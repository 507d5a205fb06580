// Never twice, never lost: a burst of posts due at once, workers killed with SIGKILL at random
// moments and started again; afterwards the simulator holds every post exactly once.
// SQLite: one worker at a time.  PostgreSQL: two workers at once, both killed now and then.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BACKEND, sql } from '../lib/harness.mjs';
import { until } from '../lib/connect.mjs';
import { burstSetup, importBurst, onPlatforms, threeAccounts } from '../lib/burst.mjs';

const POSTS = Number(process.env.P2S_CRASH_POSTS || 1000);
const KILLS = Number(process.env.P2S_CRASH_KILLS || 6);
const WORKERS = BACKEND === 'postgres' ? 2 : 1;

let b;
const workers = [];

before(async () => {
  // some latency, so that kills land in the middle of requests
  b = await burstSetup({
    latency: { ms: 30, jitter_ms: 30 },
    workerEnv: { P2S_ENGINE_LEASE: '5', P2S_ENGINE_PER_ACCOUNT: '8' },
  });
});
after(async () => {
  await b.stop();
});

function startWorker() {
  const w = b.startWorker();
  workers.push(w);
  return w;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test(`${POSTS} posts due at once survive ${KILLS} kill -9 of ${WORKERS} worker(s), each published exactly once`, { timeout: 300000 }, async () => {
  const { srv, sim } = b;
  const accounts = await threeAccounts(b);
  const tag = `Burst ${randomBytes(4).toString('hex')}`;
  await importBurst(b, accounts, POSTS, tag);

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
  const seen = await onPlatforms(sim, tag);
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
