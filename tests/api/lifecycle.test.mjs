// The process: settings and their errors, database choice and failures, migrations,
// the key file, the nodes table, graceful shutdown.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, rmSync, statSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, request, runCli, freshDatabase, sql, BACKEND } from '../lib/harness.mjs';

function tmp() {
  return mkdtempSync(join(tmpdir(), 'p2s-life-'));
}

describe('settings', () => {
  const cases = [
    [{ P2S_THREADS: 'lots' }, /P2S_THREADS.*integer from 1 to 256/],
    [{ P2S_THREADS: '0' }, /P2S_THREADS.*from 1 to 256/],
    [{ P2S_LISTEN: 'localhost' }, /P2S_LISTEN.*host:port.*0 to 65535/],
    [{ P2S_LISTEN: '127.0.0.1:70000' }, /P2S_LISTEN/],
    [{ P2S_LOG_LEVEL: 'loud' }, /P2S_LOG_LEVEL.*debug, info, warn, error/],
    [{ P2S_PUBLIC_URL: 'ftp://x' }, /P2S_PUBLIC_URL.*http/],
    [{ P2S_DATABASE_URL: 'mysql://x/y' }, /P2S_DATABASE_URL/],
    [{ P2S_SECRET_KEY: 'short' }, /P2S_SECRET_KEY.*64 hex/],
  ];
  for (const [env, re] of cases) {
    test(`bad ${Object.keys(env)[0]}=${Object.values(env)[0]} exits 2 naming the setting`, () => {
      const dir = tmp();
      const r = runCli(['serve', '--data-dir', dir, '--listen', '127.0.0.1:0'], env);
      rmSync(dir, { recursive: true, force: true });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, re);
    });
  }

  test('flags are checked the same way, and unknown flags refused', () => {
    let r = runCli(['serve', '--threads=9999']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /P2S_THREADS \(flag --threads\)/);
    r = runCli(['serve', '--no-such-thing']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown option '--no-such-thing'/);
    r = runCli(['serve', '--secret-key', 'abc']);
    assert.equal(r.code, 2);
    r = runCli(['bogus']);
    assert.equal(r.code, 2);
  });

  test('help lists every setting', () => {
    const r = runCli(['help']);
    assert.equal(r.code, 0);
    for (const v of ['P2S_LISTEN', 'P2S_DATA_DIR', 'P2S_DATABASE_URL', 'P2S_PUBLIC_URL', 'P2S_SECRET_KEY', 'P2S_LOG_LEVEL']) {
      assert.match(r.stdout, new RegExp(v));
    }
  });
});

describe('database', () => {
  test('a PostgreSQL URL that cannot connect exits 1 with a clear message and no password', () => {
    const r = runCli(['migrate', '--data-dir', tmp()], {
      P2S_DATABASE_URL: 'postgres://p2s:hunter2secret@127.0.0.1:1/p2s?connect_timeout=3',
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /P2S_DATABASE_URL: cannot connect to PostgreSQL/);
    assert.doesNotMatch(r.stderr, /hunter2secret/);
  });

  test('a SQLite file that cannot be created exits 1', () => {
    const r = runCli(['migrate', '--data-dir', tmp()], { P2S_DATABASE_URL: 'sqlite:/nonexistent-dir/sub/p2s.db' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /P2S_DATABASE_URL: cannot open SQLite database/);
  });

  test('migrate brings a fresh database up and is idempotent', () => {
    const dir = tmp();
    const db = freshDatabase(dir);
    try {
      let r = runCli(['migrate', '--data-dir', dir], { P2S_DATABASE_URL: db.dbUrl });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /schema is at version \d+/);
      assert.match(r.stderr, /applied migration 1/);
      r = runCli(['migrate', '--data-dir', dir], { P2S_DATABASE_URL: db.dbUrl });
      assert.equal(r.code, 0);
      assert.doesNotMatch(r.stderr, /applied migration/);
    } finally {
      db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a database newer than the binary is refused', () => {
    const dir = tmp();
    const db = freshDatabase(dir);
    try {
      assert.equal(runCli(['migrate', '--data-dir', dir], { P2S_DATABASE_URL: db.dbUrl }).code, 0);
      const fake = { backend: BACKEND, dbUrl: db.dbUrl, dbFile: db.dbFile };
      sql(fake, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'future', 0)");
      const r = runCli(['serve', '--data-dir', dir, '--listen', '127.0.0.1:0'], { P2S_DATABASE_URL: db.dbUrl });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /schema is version 9999 but this binary knows only up to \d+/);
    } finally {
      db.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('files', () => {
  test('the key file is created 0600 and reused; the database is private', async () => {
    const dir = tmp();
    const a = await startServer({ dataDir: dir });
    await a.stop('SIGTERM', { keep: true });
    const key = join(dir, 'secret.key');
    assert.equal(statSync(key).mode & 0o777, 0o600);
    const first = readFileSync(key, 'utf8');
    assert.match(first, /^1 [0-9a-f]{64}\n$/);
    assert.ok(!a.logs().includes(first.trim().split(' ')[1]), 'key never logged');
    if (BACKEND === 'sqlite') assert.equal(statSync(join(dir, 'post2share.db')).mode & 0o077, 0);
    const b = await startServer({ dataDir: dir, dbUrl: a.dbUrl, dbFile: a.dbFile });
    await b.stop('SIGTERM', { keep: true });
    assert.equal(readFileSync(key, 'utf8'), first);
    a.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a key file others can read is refused', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'secret.key'), 'ab'.repeat(32) + '\n');
    chmodSync(join(dir, 'secret.key'), 0o644);
    const r = runCli(['serve', '--data-dir', dir, '--listen', '127.0.0.1:0']);
    rmSync(dir, { recursive: true, force: true });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /chmod 600/);
  });

  test('P2S_SECRET_KEY is used instead of a file and never logged', async () => {
    const key = 'cd'.repeat(32);
    const s = await startServer({ env: { P2S_SECRET_KEY: key } });
    await s.stop('SIGTERM', { keep: true });
    assert.throws(() => statSync(join(s.dataDir, 'secret.key')));
    assert.ok(!s.logs().includes(key));
    s.cleanup();
  });
});

describe('process', () => {
  test('a node registers itself and leaves on shutdown', async () => {
    const s = await startServer();
    const rows = sql(s, "SELECT kind, version FROM nodes").trim();
    assert.match(rows, /^serve\|\d+\.\d+\.\d+$/);
    const id = (await request(s, 'GET', '/healthz')).json.node;
    assert.equal(sql(s, `SELECT COUNT(*) FROM nodes WHERE id = '${id}'`).trim(), '1');
    const r = await s.stop('SIGTERM', { keep: true });
    assert.equal(r.code, 0);
    assert.equal(sql(s, 'SELECT COUNT(*) FROM nodes').trim(), '0');
    s.cleanup();
  });

  test('a port in use is a clear error', async () => {
    const s = await startServer();
    const r = runCli(['serve', '--data-dir', tmp(), '--listen', `127.0.0.1:${s.port}`], { P2S_DATABASE_URL: s.dbUrl });
    await s.stop();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /P2S_LISTEN: cannot listen on 127\.0\.0\.1:\d+/);
  });

  test('SIGTERM lets a request in flight finish', async () => {
    const s = await startServer();
    const body = JSON.stringify({ message: 'sent slowly' });
    const half = Math.floor(body.length / 2);
    const answer = new Promise((resolve, reject) => {
      const sock = net.connect(s.port, '127.0.0.1');
      let data = '';
      sock.on('data', (d) => (data += d));
      sock.on('error', reject);
      sock.on('close', () => resolve(data));
      sock.write(
        `POST /api/v1/client-errors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, half)}`,
      );
      setTimeout(() => {
        s.proc.kill('SIGTERM');
        setTimeout(() => sock.write(body.slice(half)), 300);
      }, 200);
    });
    const text = await answer;
    assert.match(text, /^HTTP\/1\.1 202 /);
    const r = await s.stop();
    assert.equal(r.code, 0);
    // After shutdown nothing listens any more.
    await assert.rejects(request(s, 'GET', '/healthz'));
  });

  test('SIGINT stops cleanly too', async () => {
    const s = await startServer();
    assert.equal((await request(s, 'GET', '/healthz')).status, 200);
    const r = await s.stop('SIGINT');
    assert.equal(r.code, 0);
    assert.match(s.logs(), /"msg":"stopped"/);
  });

  test('two instances run side by side with their own settings', async () => {
    const [a, b] = await Promise.all([startServer(), startServer()]);
    assert.notEqual(a.port, b.port);
    const [ha, hb] = await Promise.all([request(a, 'GET', '/healthz'), request(b, 'GET', '/healthz')]);
    assert.notEqual(ha.json.node, hb.json.node);
    await Promise.all([a.stop(), b.stop()]);
  });
});
