// Calendar and list latency on a workspace with many posts (default 100,000, two targets each).
//
//   node bench/calendar.mjs [posts]                      SQLite
//   P2S_TEST_DB=postgres P2S_TEST_PG_ADMIN_URL=... node bench/calendar.mjs [posts]
//
// Posts are written straight into the store (spread over five years, 10 accounts, 20
// campaigns), then each query is timed over HTTP 30 times after 3 warm-ups.  The baseline,
// measured in the same run, is GET /readyz (one trivial query over the same HTTP stack), so the
// figures read as "the calendar costs N times a trivial request".
import { startServer, sql } from '../tests/lib/harness.mjs';
import { signup, createWorkspace } from '../tests/lib/api.mjs';
import { seedAccount } from '../tests/lib/posts.mjs';

const N = Number(process.argv[2] || 100000);
const RUNS = 30;

const srv = await startServer({ args: ['--threads', '4', '--no-worker'] });
try {
  const owner = await signup(srv, { name: 'Bench' });
  const ws = await createWorkspace(owner, 'Bench', 'Europe/London');
  const accounts = [];
  for (let i = 0; i < 10; i++) accounts.push(seedAccount(srv, ws, ['x', 'linkedin', 'facebook', 'instagram', 'youtube'][i % 5], `Account ${i}`));
  const a0 = accounts[0];
  const start = Date.UTC(2025, 0, 1);
  const span = 5 * 365 * 86400000;
  const series = srv.backend === 'postgres' ? `generate_series(1, ${N}) AS s(i)` : `(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < ${N}) SELECT i FROM s) s`;
  const t0 = Date.now();
  sql(srv, `INSERT INTO campaigns (workspace_id, name, color, created_at, updated_at) SELECT ${ws}, 'Campaign ' || i, '#336699', 0, 0 FROM ${srv.backend === 'postgres' ? 'generate_series(1, 20) AS s(i)' : '(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 20) SELECT i FROM s) s'}`);
  const camp0 = Number(sql(srv, `SELECT MIN(id) FROM campaigns WHERE workspace_id = ${ws}`).trim());
  sql(
    srv,
    `INSERT INTO posts (workspace_id, state, body, campaign_id, schedule_mode, scheduled_at, created_at, updated_at) ` +
      `SELECT ${ws}, CASE WHEN i % 10 = 0 THEN 'draft' ELSE 'scheduled' END, 'Bench post number ' || i || ' with a body of ordinary length for a social post', ` +
      `${camp0} + (i % 20), 'at', ${start} + (CAST(i AS BIGINT) * ${Math.floor(span / N)}), 0, 0 FROM ${series}`,
  );
  for (const k of [0, 1]) {
    sql(
      srv,
      `INSERT INTO post_targets (post_id, workspace_id, account_id, platform, kind, options, text_hash, state, due_at, created_at, updated_at) ` +
        `SELECT p.id, ${ws}, a.id, a.platform, 'post', '{}', 'h' || p.id, p.state, p.scheduled_at, 0, 0 FROM posts p JOIN social_accounts a ` +
        `ON a.id = ${a0} + ((p.id + ${k * 5}) % 10) WHERE p.workspace_id = ${ws}`,
    );
  }
  if (srv.backend === 'postgres') sql(srv, 'ANALYZE');
  else sql(srv, 'ANALYZE');
  const loadS = (Date.now() - t0) / 1000;

  async function time(path) {
    const w = `/api/v1/workspaces/${ws}`;
    const ms = [];
    let size = 0;
    let count = 0;
    for (let i = 0; i < RUNS + 3; i++) {
      const t = process.hrtime.bigint();
      const r = await owner.get(path.startsWith('/') ? path : `${w}/${path}`);
      const d = Number(process.hrtime.bigint() - t) / 1e6;
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.text.slice(0, 200)}`);
      if (i >= 3) ms.push(d);
      size = r.text.length;
      count = r.json && r.json.posts ? r.json.posts.length : 0;
    }
    ms.sort((x, y) => x - y);
    return { p50: ms[Math.floor(RUNS * 0.5)], p95: ms[Math.floor(RUNS * 0.95)], max: ms[RUNS - 1], count, kb: size / 1024 };
  }

  const base = await time('/readyz');
  const cases = [
    ['month view (March 2027)', 'calendar?from=2027-03-01&to=2027-04-01'],
    ['week view', 'calendar?from=2027-03-08&to=2027-03-15'],
    ['month, one account', `calendar?from=2027-03-01&to=2027-04-01&account_id=${a0}`],
    ['month, one campaign', `calendar?from=2027-03-01&to=2027-04-01&campaign_id=${camp0 + 3}`],
    ['month, platform x, state scheduled', 'calendar?from=2027-03-01&to=2027-04-01&platform=x&state=scheduled'],
    ['list, first page of 50', 'posts?limit=50'],
    ['list, drafts, page of 50', 'posts?limit=50&state=draft'],
  ];
  console.log(`backend ${srv.backend}: ${N} posts, ${2 * N} targets, loaded in ${loadS.toFixed(1)} s`);
  console.log(`baseline GET /readyz: p50 ${base.p50.toFixed(2)} ms`);
  console.log('query                                   posts   KiB    p50 ms   p95 ms   max ms   p50/baseline');
  for (const [name, path] of cases) {
    const r = await time(path);
    console.log(`${name.padEnd(40)}${String(r.count).padStart(5)} ${r.kb.toFixed(0).padStart(5)} ${r.p50.toFixed(2).padStart(9)} ${r.p95.toFixed(2).padStart(8)} ${r.max.toFixed(2).padStart(8)} ${(r.p50 / base.p50).toFixed(1).padStart(10)}x`);
  }
} finally {
  await srv.stop();
}
