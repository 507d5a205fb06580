// A worker told to stop (SIGTERM) in the middle of a burst: it claims nothing more, lets the
// requests in flight finish within P2S_SHUTDOWN_TIMEOUT, gives the rest back at once (due again,
// not counted as failures, nothing left leased, its attempts ended), and exits 0; the next worker
// publishes the rest, each post exactly once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql } from '../lib/harness.mjs';
import { until } from '../lib/connect.mjs';
import { burstSetup, importBurst, onPlatforms, threeAccounts } from '../lib/burst.mjs';

const POSTS = 300;

let b;

before(async () => {
  // slow enough that the burst is still under way when the worker is told to stop
  b = await burstSetup({
    latency: { ms: 150, jitter_ms: 100 },
    workerEnv: { P2S_SHUTDOWN_TIMEOUT: '2', P2S_ENGINE_INFLIGHT: '64' },
    name: 'Shutdown',
  });
});
after(async () => {
  await b.stop();
});

test('SIGTERM mid-burst: requests in flight finish, the rest is given back, the next worker publishes it once', { timeout: 180000 }, async () => {
  const { srv, sim } = b;
  const accounts = await threeAccounts(b);
  const tag = `Stop ${randomBytes(4).toString('hex')}`;
  await importBurst(b, accounts, POSTS, tag);

  const count = (where) => Number(sql(srv, `SELECT COUNT(*) FROM post_targets WHERE ${where}`).trim());
  const first = b.startWorker();
  await until(() => count("state = 'published'") >= 20, 60000, 'the first posts to go out');
  const stopAt = Date.now();
  first.proc.kill('SIGTERM');
  const r = await first.exited;
  const took = Date.now() - stopAt;
  assert.equal(r.code, 0, `the worker exits 0 (${r.code ?? r.signal})\n${first.logs().slice(-2000)}`);
  assert.ok(took < 2000 + 3000, `it stops within its shutdown time and a little (${took} ms)`);
  assert.ok(count("state = 'published'") < POSTS, 'the burst was still under way when it stopped');

  // Nothing is left with the stopped worker: every unfinished target is due again now, without
  // a failure counted against it, and no attempt is left open.
  const now = Date.now();
  assert.equal(count("state IN ('publishing', 'processing')"), 0, sql(srv, 'SELECT state, COUNT(*) FROM post_targets GROUP BY state'));
  assert.equal(count(`state NOT IN ('published', 'failed') AND (lease_until > ${now} OR due_at > ${now})`), 0);
  assert.equal(count('failures > 0'), 0);
  assert.equal(Number(sql(srv, 'SELECT COUNT(*) FROM publish_attempts WHERE ended_at IS NULL').trim()), 0, 'no attempt left open');

  // The next worker takes the rest.
  const second = b.startWorker();
  await until(() => count("state IN ('published', 'failed')") === POSTS, 120000, 'every target to finish');
  assert.equal(count("state = 'failed'"), 0);
  second.proc.kill('SIGTERM');
  assert.equal((await second.exited).code, 0);

  const seen = await onPlatforms(sim, tag);
  assert.deepEqual([...seen].filter(([, n]) => n > 1), [], 'published twice');
  assert.equal(seen.size, POSTS);
});
