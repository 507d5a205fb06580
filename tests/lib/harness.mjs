// Test harness: start the real post2share server on a free port with a fresh data
// directory (and, under PostgreSQL, a fresh database), talk to it, stop it.
//
// Environment:
//   P2S_BIN                 server binary (default build/post2share)
//   P2S_TEST_DB             "sqlite" (default) or "postgres"
//   P2S_TEST_PG_ADMIN_URL   postgres://... of a cluster where databases may be created
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = resolve(ROOT, process.env.P2S_BIN || 'build/post2share');
export const BACKEND = process.env.P2S_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';

const PG_ADMIN = process.env.P2S_TEST_PG_ADMIN_URL || '';

/** Run psql against url with one command; throws on failure. Returns stdout. */
export function psql(url, command) {
  const r = spawnSync('psql', ['-X', '-q', '-tA', '-v', 'ON_ERROR_STOP=1', url, '-c', command], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
  return r.stdout;
}

/** Run sqlite3 against a database file with one command. Returns stdout. */
export function sqlite(file, command) {
  const r = spawnSync('sqlite3', ['-batch', file, command], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${r.stderr}`);
  return r.stdout;
}

/** Run one SQL command on a server's database, whichever backend. Returns stdout text. */
export function sql(srv, command) {
  return srv.backend === 'postgres' ? psql(srv.dbUrl, command) : sqlite(srv.dbFile, command);
}

/** A fresh, empty database: { dbUrl, dbFile, drop() }. dataDir is used for SQLite. */
export function freshDatabase(dataDir) {
  if (BACKEND === 'postgres') {
    if (!PG_ADMIN) throw new Error('P2S_TEST_DB=postgres needs P2S_TEST_PG_ADMIN_URL');
    const name = 'p2s_t_' + randomBytes(6).toString('hex');
    psql(PG_ADMIN, `CREATE DATABASE ${name}`);
    const u = new URL(PG_ADMIN);
    u.pathname = '/' + name;
    return {
      dbUrl: u.toString(),
      dbFile: null,
      drop() {
        try {
          psql(PG_ADMIN, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } catch {
          /* the cluster may be gone already */
        }
      },
    };
  }
  const dbFile = join(dataDir, 'post2share.db');
  return { dbUrl: 'sqlite:' + dbFile, dbFile, drop() {} };
}

/** Run the binary to completion (migrate, bad settings, ...): { code, stdout, stderr }. */
export function runCli(args, env = {}) {
  const r = spawnSync(BIN, args, {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 30000,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Start a server. Options: env (extra environment), args (extra flags), dataDir and
 * dbUrl (reuse instead of fresh ones), webDir.
 * Resolves to { url, port, dataDir, dbUrl, dbFile, backend, proc, logs(), stop(signal) }.
 */
export async function startServer(opts = {}) {
  const ownData = !opts.dataDir;
  const dataDir = opts.dataDir || mkdtempSync(join(tmpdir(), 'p2s-test-'));
  const db = opts.dbUrl ? { dbUrl: opts.dbUrl, dbFile: opts.dbFile || null, drop() {} } : freshDatabase(dataDir);
  const args = [
    'serve',
    '--listen', '127.0.0.1:0',
    '--data-dir', dataDir,
    '--web-dir', opts.webDir || join(ROOT, 'web', 'dist'),
    '--threads', '2',
    '--db-pool', '4',
    ...(opts.args || []),
  ];
  const proc = spawn(BIN, args, {
    // Tests sign up many people from one address: throttling is tested with its own limits.
    env: {
      ...process.env,
      P2S_DATABASE_URL: db.dbUrl,
      P2S_SIGNUP_LIMIT: '100000',
      P2S_AUTH_FAIL_LIMIT: '100000',
      ...(opts.env || {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((res) => proc.on('exit', (code, signal) => res({ code, signal })));

  const url = await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`server did not start in 20 s\n${stderr}`)), 20000);
    proc.stdout.on('data', (d) => {
      stdout += d;
      const m = stdout.match(/running at (http:\/\/[^\s/]+)\//);
      if (m) {
        clearTimeout(timer);
        res(m[1]);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      rej(new Error(`server exited (${code ?? signal}) before listening\n${stderr}`));
    });
  });

  let stopped = null;
  const cleanup = () => {
    db.drop();
    if (ownData) rmSync(dataDir, { recursive: true, force: true });
  };
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    dbUrl: db.dbUrl,
    dbFile: db.dbFile,
    backend: BACKEND,
    proc,
    logs: () => stderr,
    /** Drop the database and data dir (after stop with keep). */
    cleanup,
    /** Stop with a signal; resolves to { code, signal }. Cleans up the data dir and database unless keep. */
    async stop(signal = 'SIGTERM', { keep = false } = {}) {
      if (!stopped) {
        stopped = (async () => {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
          const killer = setTimeout(() => proc.kill('SIGKILL'), 30000);
          const r = await exited;
          clearTimeout(killer);
          if (!keep) cleanup();
          // Under ASan+UBSan: a memory error, a leak found at exit or undefined behaviour fails
          // the test that stopped the server.
          const san = sanitizerReport(stderr);
          if (san) throw new Error(`the server's sanitizers reported:\n${san}`);
          return r;
        })();
      }
      return stopped;
    },
  };
}

/** What AddressSanitizer, LeakSanitizer or UBSan printed (the report's lines), or ''. */
export function sanitizerReport(text) {
  if (!/ERROR: (Address|Leak)Sanitizer|runtime error:/.test(text)) return '';
  return text
    .split('\n')
    .filter((l) => /Sanitizer|runtime error|SUMMARY|Direct leak|Indirect leak|^\s+#\d+ /.test(l))
    .slice(0, 80)
    .join('\n');
}

/**
 * One HTTP request. body: an object (sent as JSON), a string or Buffer (sent as is).
 * Resolves to { status, headers, text, json }.
 */
export async function request(srv, method, path, { body, headers = {} } = {}) {
  const h = { ...headers };
  let payload;
  if (body !== undefined && body !== null && typeof body === 'object' && !Buffer.isBuffer(body)) {
    payload = JSON.stringify(body);
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['Content-Type'] = 'application/json';
  } else {
    payload = body;
  }
  const res = await fetch(srv.url + path, { method, headers: h, body: payload, redirect: 'manual' });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Assert-friendly check of the error shape; returns the error object. */
export function errorOf(res) {
  const e = res.json && res.json.error;
  if (!e || typeof e.code !== 'string' || typeof e.message !== 'string' || !('field' in e)) {
    throw new Error(`not the error shape: ${res.status} ${res.text}`);
  }
  return e;
}
