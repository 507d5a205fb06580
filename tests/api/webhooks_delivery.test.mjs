// Webhook delivery (src/notify/senders.c, webhook_send.c, netguard.c): a local receiver on
// 127.0.0.1 checks every request's signature and timestamp the way a real receiver would,
// answers 500 twice and then 200, and the delivery log (webhook_deliveries) records each
// attempt, its status and the backoff; a test delivery goes out the same way; a webhook turned
// off gets nothing; and with P2S_WEBHOOK_ALLOW_PRIVATE=0 (the default) URLs that point at
// loopback, by address or by name, are never called.
//
// Webhooks are written straight into the store with a secret sealed the way the server seals it
// (XChaCha20-Poly1305 under P2S_SECRET_KEY, associated data "webhooks:<id>:secret"), so this
// file depends on the delivery side only; the API routes have their own tests.  Retries wait
// 10 s, then 1 min: the test checks next_attempt_at and then moves it to now.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createCipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { startServer, sql } from '../lib/harness.mjs';
import { signup, createWorkspace, addMember } from '../lib/api.mjs';
import { until } from '../lib/connect.mjs';

const KEY_HEX = randomBytes(32).toString('hex');

/* ---- sealing a secret as src/crypto/vault.c does: base64(nonce24 || ciphertext || tag) ---- */

const rotl = (v, n) => ((v << n) | (v >>> (32 - n))) >>> 0;

/** HChaCha20(key, nonce16): the XChaCha20 subkey. */
function hchacha20(key, nonce16) {
  const s = new Uint32Array(16);
  s[0] = 0x61707865;
  s[1] = 0x3320646e;
  s[2] = 0x79622d32;
  s[3] = 0x6b206574;
  for (let i = 0; i < 8; i++) s[4 + i] = key.readUInt32LE(i * 4);
  for (let i = 0; i < 4; i++) s[12 + i] = nonce16.readUInt32LE(i * 4);
  const qr = (a, b, c, d) => {
    s[a] = (s[a] + s[b]) >>> 0; s[d] = rotl(s[d] ^ s[a], 16);
    s[c] = (s[c] + s[d]) >>> 0; s[b] = rotl(s[b] ^ s[c], 12);
    s[a] = (s[a] + s[b]) >>> 0; s[d] = rotl(s[d] ^ s[a], 8);
    s[c] = (s[c] + s[d]) >>> 0; s[b] = rotl(s[b] ^ s[c], 7);
  };
  for (let i = 0; i < 10; i++) {
    qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15);
    qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14);
  }
  const out = Buffer.alloc(32);
  [0, 1, 2, 3, 12, 13, 14, 15].forEach((w, i) => out.writeUInt32LE(s[w], i * 4));
  return out;
}

function seal(keyHex, context, plaintext) {
  const nonce = randomBytes(24);
  const sub = hchacha20(Buffer.from(keyHex, 'hex'), nonce.subarray(0, 16));
  const iv = Buffer.concat([Buffer.alloc(4), nonce.subarray(16)]);
  const c = createCipheriv('chacha20-poly1305', sub, iv, { authTagLength: 16 });
  c.setAAD(Buffer.from(context), { plaintextLength: Buffer.byteLength(plaintext) });
  const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
  return Buffer.concat([nonce, ct, c.getAuthTag()]).toString('base64');
}

/* ---- the store ---- */

const q = (s) => `'${String(s).replaceAll("'", "''")}'`;

/** A webhook of ws taking events (comma list or "*"); returns {id, secret}. */
function createHook(srv, ws, url, events, { active = 1 } = {}) {
  const now = Date.now();
  const id = Number(
    sql(
      srv,
      `INSERT INTO webhooks (workspace_id, url, events, secret_enc, key_version, active, created_at, updated_at) ` +
        `VALUES (${ws}, ${q(url)}, ${q(events)}, 'none', 1, ${active}, ${now}, ${now}) RETURNING id`,
    ).trim().split('\n').pop(),
  );
  const secret = 'whsec_' + randomBytes(32).toString('hex');
  sql(srv, `UPDATE webhooks SET secret_enc = ${q(seal(KEY_HEX, `webhooks:${id}:secret`, secret))} WHERE id = ${id}`);
  return { id, secret };
}

/** The webhook's deliveries, oldest first. */
function deliveries(srv, hookId) {
  const out = sql(
    srv,
    `SELECT id, event, state, attempts, next_attempt_at, COALESCE(response_status, 0), COALESCE(error, ''), ` +
      `COALESCE(delivered_at, 0), lease_until, payload FROM webhook_deliveries WHERE webhook_id = ${hookId} ORDER BY id`,
  ).trim();
  if (!out) return [];
  return out.split('\n').map((line) => {
    const f = line.split('|');
    return {
      id: Number(f[0]),
      event: f[1],
      state: f[2],
      attempts: Number(f[3]),
      next_attempt_at: Number(f[4]),
      response_status: Number(f[5]),
      error: f[6],
      delivered_at: Number(f[7]),
      leased: Number(f[8]) > 0, // an attempt in flight
      payload: JSON.parse(f.slice(9).join('|')),
    };
  });
}

/** A delivery due now (skipping its backoff); the sender looks every 2 s. */
function fastForward(srv, id) {
  sql(srv, `UPDATE webhook_deliveries SET next_attempt_at = ${Date.now()} WHERE id = ${id} AND state = 'pending'`);
}

/* ---- the receiver ---- */

/** An HTTP receiver on 127.0.0.1 answering statuses in turn (then 200), recording requests. */
async function startReceiver(statuses = []) {
  const r = { requests: [], statuses: [...statuses] };
  r.server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      r.requests.push({ method: req.method, url: req.url, headers: req.headers, body, at: Date.now() });
      const status = r.statuses.length ? r.statuses.shift() : 200;
      res.writeHead(status, { 'Content-Type': 'text/plain' });
      res.end(status === 200 ? 'thanks' : 'receiver is having a bad day');
    });
  });
  await new Promise((res) => r.server.listen(0, '127.0.0.1', res));
  r.port = r.server.address().port;
  r.url = (path = '/hook') => `http://127.0.0.1:${r.port}${path}`;
  r.close = () => new Promise((res) => r.server.close(res));
  return r;
}

/** Check a request the way a receiver should: signature over "<ts>.<body>", fresh timestamp. */
function verify(reqRec, secret) {
  const ts = reqRec.headers['x-post2share-timestamp'];
  const sig = reqRec.headers['x-post2share-signature'];
  assert.match(ts, /^\d+$/, 'a timestamp in seconds');
  assert.ok(Math.abs(Number(ts) - Date.now() / 1000) < 300, `timestamp ${ts} is fresh`);
  assert.match(sig, /^v1=[0-9a-f]{64}$/);
  const want = createHmac('sha256', secret).update(`${ts}.${reqRec.body}`).digest();
  assert.ok(timingSafeEqual(Buffer.from(sig.slice(3), 'hex'), want), 'the signature checks out');
  const wrong = createHmac('sha256', 'not-the-secret').update(`${ts}.${reqRec.body}`).digest();
  assert.ok(!timingSafeEqual(Buffer.from(sig.slice(3), 'hex'), wrong), 'another secret does not match');
}

/* ---- tests ---- */

describe('webhook delivery', () => {
  let srv, recv, owner, ws;

  before(async () => {
    recv = await startReceiver([500, 500]);
    srv = await startServer({ env: { P2S_SECRET_KEY: KEY_HEX, P2S_WEBHOOK_ALLOW_PRIVATE: '1' } });
    owner = await signup(srv, { name: 'Owner' });
    ws = await createWorkspace(owner, 'Hooks');
  });

  after(async () => {
    if (srv) await srv.stop();
    if (recv) await recv.close();
  });

  test('signed POSTs; 500 twice is retried with backoff, then 200 is delivered; the log says so', async () => {
    const hook = createHook(srv, ws, recv.url('/hook?token=abc'), 'invitation.accepted');
    const other = createHook(srv, ws, recv.url('/other'), 'target.failed'); // does not take it
    const member = await signup(srv, { name: 'Newcomer' });
    await addMember(owner, ws, member, 'editor');

    // attempt 1: 500, due again in 10 s
    const first = await until(() => {
      const d = deliveries(srv, hook.id);
      return d.length === 1 && d[0].attempts === 1 && !d[0].leased && d[0].response_status === 500 && d[0].state === 'pending' && d[0];
    }, 15000, 'the first attempt');
    const wait1 = first.next_attempt_at - Date.now();
    assert.ok(wait1 > 5000 && wait1 <= 10500, `first retry in about 10 s (${wait1} ms)`);
    assert.match(first.error, /500/);
    assert.equal(first.event, 'invitation.accepted');
    assert.equal(deliveries(srv, other.id).length, 0, 'a webhook that does not take the kind gets nothing');

    fastForward(srv, first.id);
    const second = await until(() => {
      const d = deliveries(srv, hook.id)[0];
      return d.attempts === 2 && !d.leased && d.response_status === 500 && d.state === 'pending' && d;
    }, 15000, 'the second attempt');
    const wait2 = second.next_attempt_at - Date.now();
    assert.ok(wait2 > 50000 && wait2 <= 60500, `second retry in about 1 min (${wait2} ms)`);

    fastForward(srv, second.id);
    const done = await until(() => {
      const d = deliveries(srv, hook.id)[0];
      return d.state === 'delivered' && d;
    }, 15000, 'the delivery');
    assert.equal(done.attempts, 3);
    assert.equal(done.response_status, 200);
    assert.equal(done.error, '', 'no error once delivered');
    assert.ok(done.delivered_at > 0);

    // the receiver's view: three signed POSTs of the same delivery
    const got = recv.requests.filter((r) => r.url === '/hook?token=abc');
    assert.equal(got.length, 3);
    for (const r of got) {
      assert.equal(r.method, 'POST');
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.headers['user-agent'], 'Post2Share-Webhooks/0.1');
      assert.equal(r.headers['x-post2share-event'], 'invitation.accepted');
      assert.equal(r.headers['x-post2share-delivery'], String(done.id));
      verify(r, hook.secret);
      const body = JSON.parse(r.body);
      assert.equal(body.type, 'invitation.accepted');
      assert.equal(body.workspace_id, ws);
      assert.equal(typeof body.id, 'number');
      assert.equal(typeof body.created_ms, 'number');
      assert.equal(typeof body.title, 'string');
      assert.equal(typeof body.data, 'object');
      assert.deepEqual(body, done.payload, 'the stored payload, as is');
    }
    assert.equal(recv.requests.filter((r) => r.url === '/other').length, 0);
  });

  test('a test delivery is sent the same way; a webhook turned off gets nothing', async () => {
    const hook = createHook(srv, ws, recv.url('/test-hook'), '*');
    const off = createHook(srv, ws, recv.url('/off'), '*', { active: 0 });
    const now = Date.now();
    const payload = JSON.stringify({ id: 0, type: 'test', created_ms: now, workspace_id: ws, title: 'Test delivery', body: 'hello', link: null, data: { webhook_id: hook.id } });
    for (const h of [hook, off]) {
      sql(srv, `INSERT INTO webhook_deliveries (webhook_id, event, payload, state, next_attempt_at, created_at) VALUES (${h.id}, 'test', ${q(payload)}, 'pending', ${now}, ${now})`);
    }
    // a real event too: the webhook turned off does not take it
    sql(srv, `INSERT INTO webhook_deliveries (webhook_id, event, payload, state, next_attempt_at, created_at) VALUES (${off.id}, 'target.failed', ${q(payload)}, 'pending', ${now}, ${now})`);
    const done = await until(() => {
      const d = deliveries(srv, hook.id)[0];
      return d && d.state === 'delivered' && d;
    }, 10000, 'the test delivery');
    assert.equal(done.response_status, 200);
    const r = recv.requests.find((x) => x.url === '/test-hook');
    assert.equal(r.headers['x-post2share-event'], 'test');
    assert.equal(r.body, payload, 'the payload exactly as stored');
    verify(r, hook.secret);

    const offd = await until(() => {
      const d = deliveries(srv, off.id);
      return d.every((x) => x.state !== 'pending') && d;
    }, 10000, 'the turned-off webhook\'s deliveries to settle');
    const real = offd.find((x) => x.event === 'target.failed');
    assert.equal(real.state, 'failed');
    assert.match(real.error, /turned off/);
    // a test delivery goes out even to a webhook turned off (someone asked for it)
    assert.equal(offd.find((x) => x.event === 'test').state, 'delivered');
    assert.equal(recv.requests.filter((x) => x.url === '/off').length, 1);
  });

  test('the secret never reaches the log or the delivery log', async () => {
    const all = sql(srv, `SELECT COALESCE(error, '') || payload FROM webhook_deliveries`);
    assert.ok(all.length > 0);
    assert.doesNotMatch(srv.logs(), /whsec_/);
    assert.doesNotMatch(all, /whsec_/);
    assert.doesNotMatch(sql(srv, `SELECT secret_enc FROM webhooks`), /whsec_/, 'sealed at rest');
  });
});

describe('private addresses are refused unless P2S_WEBHOOK_ALLOW_PRIVATE=1', () => {
  let srv, recv, owner, ws;

  before(async () => {
    recv = await startReceiver();
    srv = await startServer({ env: { P2S_SECRET_KEY: KEY_HEX } });
    owner = await signup(srv, { name: 'Owner' });
    ws = await createWorkspace(owner, 'Guarded');
  });

  after(async () => {
    if (srv) await srv.stop();
    if (recv) await recv.close();
  });

  test('loopback by address, by name and IPv4-mapped IPv6 fail at once and are never called', async () => {
    // written as if allowed when they were made (or a name that now resolves inside)
    const hooks = [
      createHook(srv, ws, recv.url('/literal'), '*'),
      createHook(srv, ws, `http://localhost:${recv.port}/by-name`, '*'),
      createHook(srv, ws, `http://[::ffff:127.0.0.1]:${recv.port}/mapped`, '*'),
    ];
    const member = await signup(srv, { name: 'Newcomer' });
    await addMember(owner, ws, member, 'viewer');
    for (const h of hooks) {
      const d = await until(() => {
        const x = deliveries(srv, h.id)[0];
        return x && x.state === 'failed' && x;
      }, 10000, `delivery of webhook ${h.id} to fail`);
      assert.equal(d.attempts, 1, 'not retried');
      assert.equal(d.response_status, 0, 'nothing answered');
      assert.match(d.error, /P2S_WEBHOOK_ALLOW_PRIVATE/);
      assert.match(d.error, /loopback|private/);
    }
    assert.equal(recv.requests.length, 0, 'the receiver was never called');
  });
});
