// Publishing throughput and lateness: N posts due at the same instant across many simulated
// accounts, published by `post2share worker` against the platform simulator with a fixed latency
// per request; in the same run, a plain libcurl multi loop (bench/curl_ceiling, `make bench`)
// sends the same requests to the same simulator with the same concurrency limits: the ceiling.
//
//   make server sim bench
//   node bench/publish.mjs [N ...]                  default 1000 10000, SQLite
//   P2S_TEST_DB=postgres P2S_TEST_PG_ADMIN_URL=postgres://... node bench/publish.mjs 1000
//
// Settings (environment):
//   P2S_BENCH_PLATFORMS     what each workspace connects (default facebook,facebook,linkedin: both
//                           simulated Facebook Pages and the simulated LinkedIn member, up to 5,000
//                           posts; above, linkedin alone: the simulator's Facebook post lookup
//                           scans every post it holds, and would be what is measured, see
//                           docs/benchmarks.md); every connection is its own account in the store
//   P2S_BENCH_WORKSPACES    workspaces (default 102 accounts' worth: 34 of three, 102 of one)
//   P2S_BENCH_LATENCY_MS    simulator latency per request (default 50)
//   P2S_ENGINE_INFLIGHT, P2S_ENGINE_PER_ACCOUNT, P2S_ENGINE_PER_PLATFORM   the worker's limits
//                           (default the product's: 256, 4, 128); the ceiling gets the same
//   P2S_BIN, P2S_SIM_BIN, P2S_CEILING_BIN   binaries (default build/...)
//   P2S_BENCH_QUIET         e.g. 0.8: before each measured phase, wait (up to 10 minutes) until
//                           the machine has been that idle for 3 s (other work skews the figures;
//                           each phase reports how idle the machine was meanwhile)
//   P2S_BENCH_PERF          a directory: `perf record` the worker while it publishes
//
// How it goes, for each N:
//   1. a simulator and a server (--no-worker); W workspaces, each with its accounts, connected
//      through the simulator's OAuth as a person would;
//   2. one post per account imported through the CSV import (the row shapes the product writes),
//      then N text posts written straight into the store after their pattern: post i goes to
//      account i mod A, so ids (the claim order) interleave the accounts; Facebook posts are
//      feed posts, LinkedIn posts text posts; every text is different;
//   3. latency set; due time T = now + 3 s set on every post; `post2share worker` started on the
//      same database and data directory; waited for until every target is published or failed;
//   4. the ceiling, before and after the worker, each on a fresh simulator (connected the same
//      way, so that it starts from the same state as the worker's did: the simulator's cost per
//      post grows with the posts it holds): N requests with their own texts and the tokens the
//      simulator issued to the connections, one token per simulated account; and once more with
//      a new connection for every request, as the worker opens one for every create step.
// Lateness of a post = the simulator's record time of the post (its "at", taken on the real
// clock after the latency, i.e. when the platform accepted it) minus T; our own published_at
// (recorded when the answer was processed) minus T is shown beside it.  Posts per second =
// N / (last accept - T).  The worker's own records (publish_attempts, publish_requests) split
// the time: due -> attempt started (claimed and prepared) -> request sent -> answer noticed ->
// outcome recorded.
//
// The simulator's Facebook module computes X-App-Usage by scanning its request log (up to 5,000
// entries) under its global lock on every Graph call, unless a rate limit is set for Facebook;
// the bench sets one that is never reached (1e9 calls a day) so that the simulator is not what
// is measured.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { BIN, ROOT, startServer } from '../tests/lib/harness.mjs';
import { signup, createWorkspace } from '../tests/lib/api.mjs';
import { SIM_BIN, startSim, simEnv } from '../tests/lib/sim.mjs';
import { connectAccount } from '../tests/lib/connect.mjs';

const SIZES = process.argv.slice(2).length ? process.argv.slice(2).map(Number) : [1000, 10000];
/**
 * What each workspace connects for N posts, and how many workspaces: [[platform, pick], ...] and W.
 * A Facebook Page (the simulator offers two: the first "facebook" is Page 1, the second Page 2) or
 * the LinkedIn member.  Above 5,000 posts LinkedIn alone unless told (see the top).
 */
function layout(n) {
  const list = process.env.P2S_BENCH_PLATFORMS || (n > 5000 ? 'linkedin' : 'facebook,facebook,linkedin');
  const perWs = list.split(',').map((p, i, all) => [p.trim(), all.slice(0, i).filter((x) => x === p).length]);
  return { perWs, w: Number(process.env.P2S_BENCH_WORKSPACES || Math.ceil(102 / perWs.length)) };
}
const LATENCY = Number(process.env.P2S_BENCH_LATENCY_MS || 50);
const LIMITS = {
  inflight: Number(process.env.P2S_ENGINE_INFLIGHT || 256),
  perAccount: Number(process.env.P2S_ENGINE_PER_ACCOUNT || 4),
  perPlatform: Number(process.env.P2S_ENGINE_PER_PLATFORM || 128),
};
const CEILING = resolve(ROOT, process.env.P2S_CEILING_BIN || 'build/bench/curl_ceiling');
const LEAD_MS = 3000;
const FB_VERSION = 'v20.0';
const LI_VERSION = '202601';
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim() || 100);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const q = (s) => `'${String(s).replaceAll("'", "''")}'`;
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const stats = (values) => {
  const v = [...values].sort((a, b) => a - b);
  return { p50: pct(v, 50), p99: pct(v, 99), max: v[v.length - 1], min: v[0] };
};

/** Run SQL (any length, through stdin) on the server's database; stdout text. */
function runSql(srv, text) {
  const r =
    srv.backend === 'postgres'
      ? spawnSync('psql', ['-X', '-q', '-tA', '-v', 'ON_ERROR_STOP=1', srv.dbUrl, '-f', '-'], { input: text, encoding: 'utf8', maxBuffer: 1 << 28 })
      : spawnSync('sqlite3', ['-batch', srv.dbFile], { input: text, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`sql failed: ${r.stderr}\n${text.slice(0, 500)}`);
  return r.stdout;
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** CPU seconds used so far by every PostgreSQL process (the database's share of the work). */
function postgresCpuSeconds() {
  let sum = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (f.slice(f.indexOf('(') + 1, f.lastIndexOf(')')) !== 'postgres') continue;
      const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
      sum += (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
    } catch {
      /* gone */
    }
  }
  return sum;
}

/** Machine-wide CPU counters (jiffies): {total, idle}. */
function cpuTimes() {
  const v = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { total: v.reduce((a, b) => a + b, 0), idle: v[3] + (v[4] || 0) };
}
const idleSince = (t) => {
  const n = cpuTimes();
  return (n.idle - t.idle) / Math.max(1, n.total - t.total);
};

/** P2S_BENCH_QUIET=F: wait (up to 10 minutes) until the machine was at least F idle for 3 s. */
async function waitQuiet() {
  const want = Number(process.env.P2S_BENCH_QUIET || 0);
  if (!want) return;
  const end = Date.now() + 600000;
  let good = 0;
  while (good < 3 && Date.now() < end) {
    const t = cpuTimes();
    await sleep(1000);
    good = idleSince(t) >= want ? good + 1 : 0;
  }
}

/** The text of post i: the same length for the worker's posts and the ceiling's. */
function textOf(prefix, tag, i) {
  return `${prefix} ${tag} ${String(i).padStart(5, '0')} - a scheduled update of ordinary length for a social network`;
}

/** LinkedIn "little text" escaping as pub_linkedin.c does it (the bench texts have nothing to escape). */
function littleText(s) {
  return s.replace(/[\\|{}@[\]()<>*_~]/g, (c) => '\\' + c);
}

/** The request the worker sends for a text post to account acc (see pub_facebook.c, pub_linkedin.c). */
function requestFor(sim, acc, token, text) {
  if (acc.platform === 'facebook') {
    return {
      method: 'POST',
      url: `${sim.url}/facebook/graph/${FB_VERSION}/${acc.remote_id}/feed?fields=id%2Cpermalink_url`,
      headers: [`Authorization: Bearer ${token}`, 'Content-Type: application/json'],
      body: JSON.stringify({ message: text, published: true }),
      account: String(acc.id),
      platform: 'facebook',
    };
  }
  return {
    method: 'POST',
    url: `${sim.url}/linkedin/api/rest/posts`,
    headers: [`Authorization: Bearer ${token}`, `LinkedIn-Version: ${LI_VERSION}`, 'X-Restli-Protocol-Version: 2.0.0', 'Content-Type: application/json'],
    body: JSON.stringify({
      author: acc.remote_id,
      commentary: littleText(text),
      visibility: 'PUBLIC',
      distribution: { feedDistribution: 'MAIN_FEED', targetEntities: [], thirdPartyDistributionChannels: [] },
      lifecycleState: 'PUBLISHED',
      isReshareDisabledByAuthor: false,
    }),
    account: String(acc.id),
    platform: 'linkedin',
  };
}

/** A simulator (latency set) and a server (no worker) with the workspaces' accounts connected. */
async function setup(n) {
  const sim = await startSim();
  const srv = await startServer({ env: simEnv(sim.url), args: ['--no-worker'] });
  try {
    const owner = await signup(srv, { name: 'Bench' });
    const { accounts, tokens } = await connectAll(srv, sim, owner, layout(n));
    await sim.admin('POST', '/_sim/latency', { platform: '*', ms: LATENCY });
    // X-App-Usage from a counter instead of a scan of the request log (see the top)
    await sim.admin('POST', '/_sim/ratelimit', { platform: 'facebook', limit: 1e9, window_s: 86400 });
    return { sim, srv, owner, accounts, tokens };
  } catch (e) {
    await srv.stop();
    await sim.stop();
    throw e;
  }
}

/** The ceiling over N requests (texts "Ceiling <tag> i") on a fresh simulator; its JSON summary. */
async function runCeiling(n, dir, { fresh = false } = {}) {
  const { sim, srv, accounts, tokens } = await setup(n);
  try {
    const tag = randomBytes(3).toString('hex');
    const lines = [];
    for (let i = 0; i < n; i++) {
      const acc = accounts[i % accounts.length];
      lines.push(JSON.stringify(requestFor(sim, acc, tokens.get(acc.id), textOf('Ceiling', tag, i))));
    }
    const file = join(dir, `ceiling-${tag}.jsonl`);
    writeFileSync(file, lines.join('\n') + '\n');
    await waitQuiet();
    const simCpu0 = cpuSeconds(sim.proc.pid);
    const load = loadavg()[0];
    const idle0 = cpuTimes();
    const args = ['--inflight', String(LIMITS.inflight), '--per-account', String(LIMITS.perAccount), '--per-platform', String(LIMITS.perPlatform)];
    if (fresh) args.push('--fresh-connect');
    const r = spawnSync(CEILING, [...args, file], {
      encoding: 'utf8',
      timeout: 600000,
    });
    if (r.status !== 0) throw new Error(`curl_ceiling failed (${r.status}): ${r.stderr}${r.stdout}`);
    const out = JSON.parse(r.stdout);
    out.sim_cpu_s = cpuSeconds(sim.proc.pid) - simCpu0;
    out.loadavg = load;
    out.machine_idle = idleSince(idle0);
    const got = (await sim.admin('GET', '/_sim/posts')).items.filter((p) => String(p.text).startsWith(`Ceiling ${tag} `)).length;
    if (got !== n) throw new Error(`ceiling: ${got} of ${n} posts on the platforms`);
    return out;
  } finally {
    await srv.stop();
    await sim.stop();
  }
}

/** Connect the workspaces' accounts (layout()); the accounts, and a token per account for the ceiling. */
async function connectAll(srv, sim, owner, { perWs, w: W }) {
  const accounts = [];
  for (let w = 0; w < W; w++) {
    const ws = await createWorkspace(owner, `Bench ${w}`, 'UTC');
    for (const [platform, pick] of perWs) {
      const a = await connectAccount(srv, owner, ws, platform, { pick });
      if (a.status !== 'active') throw new Error(`account ${a.id} is ${a.status}`);
      accounts.push({ id: a.id, ws, platform: a.platform, remote_id: a.remote_id, w });
    }
  }
  if (new Set(accounts.map((a) => a.id)).size !== perWs.length * W) throw new Error('accounts were not all new');
  // The ceiling's tokens: live tokens the simulator issued, one per simulated account (Page
  // tokens per Page, LinkedIn access tokens), so that it too speaks for A different accounts.
  const live = (await sim.admin('GET', '/_sim/tokens')).items.filter((t) => !t.revoked && (!t.expires_at || t.expires_at > Date.now() + 3600000));
  const pool = new Map();
  for (const t of live) {
    const key = t.platform === 'facebook' && t.kind === 'page' ? t.subject : t.platform === 'linkedin' && t.kind === 'access' ? 'urn:li:person:' + t.subject : null;
    if (!key) continue;
    if (!pool.has(key)) pool.set(key, []);
    pool.get(key).push(t.token);
  }
  const tokens = new Map();
  for (const a of accounts) {
    const list = pool.get(a.remote_id) || [];
    if (!list.length) throw new Error(`no live simulator token for ${a.remote_id}`);
    tokens.set(a.id, list[a.w % list.length]);
  }
  return { accounts, tokens };
}

/** Templates through the CSV import, then N posts written after them; the post id range. */
async function loadPosts(srv, owner, accounts, n, tag) {
  const day = new Date(Date.now() + 2 * 86400000).toISOString().slice(0, 10);
  const byWs = new Map();
  for (const a of accounts) {
    if (!byWs.has(a.ws)) byWs.set(a.ws, []);
    byWs.get(a.ws).push(a);
  }
  for (const [ws, accs] of byWs) {
    const rows = ['text,accounts,time', ...accs.map((a) => `Template ${tag} ${a.id},${a.id},${day} 12:00`)];
    const imp = await owner.call('POST', `/api/v1/workspaces/${ws}/posts/import`, rows.join('\n'), { headers: { 'Content-Type': 'text/csv' } });
    if (imp.status !== 201) throw new Error(`import: ${imp.status} ${imp.text.slice(0, 300)}`);
  }
  const tpl = new Map();
  const cols = 'p.id, p.workspace_id, p.state, p.schedule_mode, COALESCE(p.created_by, 0), t.account_id, t.platform, t.kind, t.options, t.state';
  for (const line of runSql(srv, `SELECT ${cols} FROM posts p JOIN post_targets t ON t.post_id = p.id WHERE p.body LIKE 'Template ${tag} %';`).trim().split('\n')) {
    const [postId, ws, pstate, mode, by, accountId, platform, kind, options, tstate] = line.split('|');
    tpl.set(Number(accountId), { postId: Number(postId), ws: Number(ws), pstate, mode, by: Number(by), platform, kind, options, tstate });
  }
  if (tpl.size !== accounts.length) throw new Error(`templates: ${tpl.size} of ${accounts.length}`);
  const base = Number(runSql(srv, 'SELECT COALESCE(MAX(id), 0) FROM posts;').trim()) + 1000;
  const tbase = Number(runSql(srv, 'SELECT COALESCE(MAX(id), 0) FROM post_targets;').trim()) + 1000;
  const later = Date.now() + 86400000; // due tomorrow until T is set
  const now = Date.now();
  const posts = [];
  const targets = [];
  for (let i = 0; i < n; i++) {
    const a = accounts[i % accounts.length];
    const t = tpl.get(a.id);
    const text = textOf('Bench', tag, i);
    const hash = createHash('sha256').update(text).digest('hex');
    posts.push(`(${base + i}, ${t.ws}, ${q(t.pstate)}, ${q(text)}, ${q(t.mode)}, ${later}, ${t.by || 'NULL'}, ${t.by || 'NULL'}, ${now}, ${now})`);
    targets.push(`(${tbase + i}, ${base + i}, ${t.ws}, ${a.id}, ${q(t.platform)}, ${q(t.kind)}, ${q(t.options)}, ${q(hash)}, ${q(t.tstate)}, ${later}, ${now}, ${now})`);
  }
  const ids = [...tpl.values()].map((t) => t.postId).join(', ');
  let script =
    'BEGIN;\n' +
    `DELETE FROM post_targets WHERE post_id IN (${ids});\nDELETE FROM posts WHERE id IN (${ids});\n` +
    `INSERT INTO posts (id, workspace_id, state, body, schedule_mode, scheduled_at, created_by, updated_by, created_at, updated_at) VALUES\n${posts.join(',\n')};\n` +
    `INSERT INTO post_targets (id, post_id, workspace_id, account_id, platform, kind, options, text_hash, state, due_at, created_at, updated_at) VALUES\n${targets.join(',\n')};\n` +
    'COMMIT;\n';
  if (srv.backend === 'postgres')
    script +=
      "SELECT setval(pg_get_serial_sequence('posts', 'id'), (SELECT MAX(id) FROM posts));\n" +
      "SELECT setval(pg_get_serial_sequence('post_targets', 'id'), (SELECT MAX(id) FROM post_targets));\nANALYZE;\n";
  else script += 'ANALYZE;\n';
  runSql(srv, script);
  return { first: base, last: base + n - 1, tfirst: tbase, tlast: tbase + n - 1 };
}

async function runWorker(n) {
  const t0 = Date.now();
  const { sim, srv, owner, accounts } = await setup(n);
  let worker = null;
  try {
    const tag = randomBytes(3).toString('hex');
    const range = await loadPosts(srv, owner, accounts, n, tag);
    const loadS = (Date.now() - t0) / 1000;

    // Due at T; the worker starts now and waits for it.
    await waitQuiet();
    const T = Date.now() + LEAD_MS;
    runSql(srv, `UPDATE post_targets SET due_at = ${T} WHERE id BETWEEN ${range.tfirst} AND ${range.tlast};\nUPDATE posts SET scheduled_at = ${T} WHERE id BETWEEN ${range.first} AND ${range.last};\n`);
    const env = {
      ...process.env,
      ...simEnv(sim.url),
      P2S_DATABASE_URL: srv.dbUrl,
      P2S_PUBLIC_URL: srv.url,
      P2S_ENGINE_INFLIGHT: String(LIMITS.inflight),
      P2S_ENGINE_PER_ACCOUNT: String(LIMITS.perAccount),
      P2S_ENGINE_PER_PLATFORM: String(LIMITS.perPlatform),
    };
    const proc = spawn(BIN, ['worker', '--data-dir', srv.dataDir], { env, stdio: ['ignore', 'ignore', 'pipe'] }); // the product's defaults but for the limits
    let log = '';
    let started = 0;
    proc.stderr.on('data', (d) => {
      log = (log + d).slice(-20000);
      if (!started && log.includes('publishing worker started')) started = Date.now();
    });
    const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));
    worker = { proc, exited };
    const targets = `id BETWEEN ${range.tfirst} AND ${range.tlast}`;
    const count = () =>
      runSql(srv, `SELECT state, COUNT(*) FROM post_targets WHERE ${targets} GROUP BY state;`)
        .trim()
        .split('\n')
        .filter(Boolean)
        .reduce((o, l) => ({ ...o, [l.split('|')[0]]: Number(l.split('|')[1]) }), {});
    await sleep(Math.max(0, T - Date.now() - 200));
    const wCpu0 = cpuSeconds(proc.pid);
    const sCpu0 = cpuSeconds(sim.proc.pid);
    const pgCpu0 = srv.backend === 'postgres' ? postgresCpuSeconds() : 0;
    const load = loadavg()[0];
    const idle0 = cpuTimes();
    // P2S_BENCH_PERF=DIR: a perf profile of the worker while it publishes (DIR/worker-N.data)
    const perf = process.env.P2S_BENCH_PERF
      ? spawn('perf', ['record', '-q', '-F', '1999', '--call-graph', 'dwarf,16384', '-o', join(process.env.P2S_BENCH_PERF, `worker-${n}.data`), '-p', String(proc.pid)], { stdio: 'ignore' })
      : null;
    const deadline = Date.now() + 900000;
    let c = {};
    for (;;) {
      c = count();
      if ((c.published || 0) + (c.failed || 0) >= n) break;
      if (proc.exitCode !== null) throw new Error(`worker exited (${proc.exitCode})\n${log}`);
      if (Date.now() > deadline) throw new Error(`not finished: ${JSON.stringify(c)}\n${log.slice(-3000)}`);
      await sleep(100);
    }
    const wallS = (Date.now() - T) / 1000;
    const workerCpu = cpuSeconds(proc.pid) - wCpu0;
    const simCpu = cpuSeconds(sim.proc.pid) - sCpu0;
    const idle = idleSince(idle0);
    const pgCpu = srv.backend === 'postgres' ? postgresCpuSeconds() - pgCpu0 : null;
    if (perf) {
      perf.kill('SIGINT');
      await new Promise((res) => perf.on('exit', res));
    }
    proc.kill('SIGTERM');
    await exited;
    worker = null;

    // The platform's side: when each post was accepted, and that each is there once.
    const at = [];
    const seen = new Map();
    for (const platform of ['facebook', 'linkedin']) {
      const r = await sim.admin('GET', `/_sim/posts?platform=${platform}`);
      for (const p of r.items) {
        if (!String(p.text).startsWith(`Bench ${tag} `)) continue;
        seen.set(p.text, (seen.get(p.text) || 0) + 1);
        at.push(p.at - T);
      }
    }
    const twice = [...seen.values()].filter((k) => k > 1).length;
    // Our side, from the worker's own records: where the time went.
    const rows = runSql(
      srv,
      `SELECT a.started_at - ${T}, r.started_at - ${T}, r.ended_at - ${T}, COALESCE(t.published_at, 0) - ${T} FROM post_targets t ` +
        `JOIN publish_attempts a ON a.target_id = t.id JOIN publish_requests r ON r.attempt_id = a.id WHERE t.${targets};`,
    )
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('|').map(Number));
    const attempts = Number(runSql(srv, `SELECT COUNT(*) FROM publish_attempts WHERE target_id BETWEEN ${range.tfirst} AND ${range.tlast};`).trim());
    const span = Math.max(...rows.map((r) => r[2])) - Math.min(...rows.map((r) => r[1]));
    const busy = rows.reduce((sum, r) => sum + (r[2] - r[1]), 0);
    const acceptMs = stats(at);
    // claimed, then kept waiting for a request slot (account or platform limit) for over a second
    const starved = rows.filter((r) => r[1] - r[0] > 1000);
    return {
      n,
      backend: srv.backend,
      accounts: accounts.length,
      platforms: layout(n).perWs.map((p) => p[0]).join(','),
      workspaces: layout(n).w,
      latency_ms: LATENCY,
      limits: LIMITS,
      load_s: loadS,
      loadavg: load,
      machine_idle: idle,
      worker_started_before_due_ms: started ? T - started : null,
      published: c.published || 0,
      failed: c.failed || 0,
      on_platform: seen.size,
      published_twice: twice,
      requests_per_post: rows.length / n,
      attempts_per_post: attempts / n,
      posts_per_second: at.length / (acceptMs.max / 1000),
      lateness_ms: acceptMs,
      our_published_at_ms: stats(rows.map((r) => r[3])),
      attempt_started_ms: stats(rows.map((r) => r[0])),
      prepare_to_send_ms: stats(rows.map((r) => r[1] - r[0])),
      request_ms: stats(rows.map((r) => r[2] - r[1])),
      answer_to_recorded_ms: stats(rows.map((r) => r[3] - r[2])),
      mean_in_flight: busy / span,
      waited_over_1s_for_a_slot: starved.length,
      their_attempt_started_ms: starved.length ? stats(starved.map((r) => r[0])) : null,
      wall_s_until_all_recorded: wallS,
      worker_cpu_s: workerCpu,
      sim_cpu_s: simCpu,
      postgres_cpu_s: pgCpu,
    };
  } finally {
    if (worker) {
      worker.proc.kill('SIGKILL');
      await worker.exited;
    }
    await srv.stop();
    await sim.stop();
  }
}

async function runOne(n) {
  const dir = mkdtempSync(join(tmpdir(), 'p2s-bench-publish-'));
  try {
    const before = await runCeiling(n, dir);
    const r = await runWorker(n);
    const after = await runCeiling(n, dir);
    const fresh = await runCeiling(n, dir, { fresh: true });
    r.ceiling_before = before;
    r.ceiling_after = after;
    r.ceiling_fresh_connections = fresh;
    r.ratio_to_ceiling = r.posts_per_second / Math.max(before.per_second, after.per_second);
    return r;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`# ${cpus().length} CPUs (${cpus()[0].model}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; server ${BIN}; simulator ${SIM_BIN}`);
console.log(`# latency ${LATENCY} ms, limits ${JSON.stringify(LIMITS)}`);
const f = (x) => (typeof x === 'number' ? Math.round(x) : x);
const line = (s) => `p50 ${f(s.p50)}, p99 ${f(s.p99)}, max ${f(s.max)} ms`;
for (const n of SIZES) {
  const r = await runOne(n);
  console.log(
    `\nN=${n} (${r.backend}, ${r.accounts} accounts: ${r.workspaces} workspaces x ${r.platforms}): ${r.published} published, ${r.failed} failed, ${r.on_platform} on the platforms, ${r.published_twice} twice; ` +
      `${r.requests_per_post.toFixed(2)} requests and ${r.attempts_per_post.toFixed(2)} attempts per post`,
  );
  console.log(`  worker: ${r.posts_per_second.toFixed(0)} posts/s; lateness (platform accept - due) ${line(r.lateness_ms)} (first ${f(r.lateness_ms.min)} ms)`);
  console.log(`    our published_at - due     ${line(r.our_published_at_ms)}`);
  console.log(`    due -> attempt started     ${line(r.attempt_started_ms)}`);
  console.log(`    attempt -> request sent    ${line(r.prepare_to_send_ms)}`);
  console.log(`    request sent -> answer     ${line(r.request_ms)}`);
  console.log(`    answer -> outcome recorded ${line(r.answer_to_recorded_ms)}`);
  if (r.waited_over_1s_for_a_slot)
    console.log(`    ${r.waited_over_1s_for_a_slot} targets waited over 1 s for a request slot after their attempt started; those attempts started ${line(r.their_attempt_started_ms)} after due`);
  console.log(`    requests in flight on average ${r.mean_in_flight.toFixed(0)}; worker CPU ${r.worker_cpu_s.toFixed(2)} s, simulator CPU ${r.sim_cpu_s.toFixed(2)} s over ${r.wall_s_until_all_recorded.toFixed(2)} s; machine ${(100 * r.machine_idle).toFixed(0)} % idle, load average ${r.loadavg.toFixed(1)}`);
  for (const [name, c] of [['before', r.ceiling_before], ['after', r.ceiling_after], ['after, a new connection per request', r.ceiling_fresh_connections]])
    console.log(`  ceiling (${name}): ${c.per_second.toFixed(0)} requests/s over ${c.seconds.toFixed(2)} s; answers ${line(c.done_ms)}; each request ${line(c.request_ms)}; simulator CPU ${c.sim_cpu_s.toFixed(2)} s; machine ${(100 * c.machine_idle).toFixed(0)} % idle, load average ${c.loadavg.toFixed(1)}`);
  console.log(`  ratio to the ceiling (the higher of before and after): ${(100 * r.ratio_to_ceiling).toFixed(0)} %; to the ceiling with a new connection per request: ${((100 * r.posts_per_second) / r.ceiling_fresh_connections.per_second).toFixed(0)} %`);
  console.log('  ' + JSON.stringify(r));
}
