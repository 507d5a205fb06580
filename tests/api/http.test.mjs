// The HTTP layer: request ids, the error shape, routing (404/405), body checks
// (JSON, content type, size caps, UTF-8), security headers, the access log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, request, errorOf, sql } from '../lib/harness.mjs';

let srv;
before(async () => {
  srv = await startServer();
});
after(async () => {
  const r = await srv.stop();
  assert.equal(r.code, 0, 'server exits 0 on SIGTERM');
});

/** Send raw bytes and read the whole answer (connection closed by us after a pause). */
function raw(payload, { waitMs = 400 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    let data = '';
    sock.on('data', (d) => (data += d));
    sock.on('error', reject);
    sock.on('close', () => resolve(data));
    sock.write(payload);
    setTimeout(() => sock.end(), waitMs);
  });
}

/** Tables and row counts, to show a request wrote nothing. */
function snapshot() {
  return sql(srv, 'SELECT version FROM schema_migrations ORDER BY version').trim();
}

describe('request ids and headers', () => {
  test('every answer has a generated X-Request-Id and the security headers', async () => {
    const a = await request(srv, 'GET', '/healthz');
    const b = await request(srv, 'GET', '/healthz');
    assert.equal(a.status, 200);
    assert.match(a.headers.get('x-request-id'), /^[0-9a-f]{24}$/);
    assert.notEqual(a.headers.get('x-request-id'), b.headers.get('x-request-id'));
    assert.equal(a.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(a.headers.get('x-frame-options'), 'DENY');
    assert.match(a.headers.get('content-security-policy'), /frame-ancestors 'none'/);
    assert.doesNotMatch(a.headers.get('content-security-policy'), /unsafe-inline/);
    assert.equal(a.headers.get('cache-control'), 'no-store');
  });

  test('a well-formed client request id is kept, a bad one replaced', async () => {
    const ok = await request(srv, 'GET', '/healthz', { headers: { 'X-Request-Id': 'trace-42.a_b' } });
    assert.equal(ok.headers.get('x-request-id'), 'trace-42.a_b');
    const bad = await request(srv, 'GET', '/healthz', { headers: { 'X-Request-Id': 'has space<script>' } });
    assert.match(bad.headers.get('x-request-id'), /^[0-9a-f]{24}$/);
    const long = await request(srv, 'GET', '/healthz', { headers: { 'X-Request-Id': 'a'.repeat(65) } });
    assert.match(long.headers.get('x-request-id'), /^[0-9a-f]{24}$/);
  });
});

describe('health', () => {
  test('/healthz says the process is alive', async () => {
    const r = await request(srv, 'GET', '/healthz');
    assert.equal(r.status, 200);
    assert.equal(r.json.status, 'ok');
    assert.match(r.json.version, /^\d+\.\d+\.\d+$/);
    assert.equal(typeof r.json.uptime_s, 'number');
    assert.match(r.headers.get('content-type'), /^application\/json/);
  });

  test('/readyz checks the database', async () => {
    const r = await request(srv, 'GET', '/readyz');
    assert.equal(r.status, 200);
    assert.equal(r.json.status, 'ready');
    assert.equal(r.json.checks.database.ok, true);
    assert.equal(r.json.checks.database.backend, srv.backend);
    assert.ok(r.json.checks.database.schema_version >= 1);
  });

  test('HEAD answers GET routes without a body', async () => {
    const r = await request(srv, 'HEAD', '/healthz');
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
  });
});

describe('routing errors', () => {
  test('unknown API route: 404 with the error shape', async () => {
    const r = await request(srv, 'GET', '/api/v1/nope');
    assert.equal(r.status, 404);
    const e = errorOf(r);
    assert.equal(e.code, 'not_found');
    assert.equal(e.field, null);
  });

  test('wrong method: 405 with Allow', async () => {
    const r = await request(srv, 'DELETE', '/healthz');
    assert.equal(r.status, 405);
    assert.equal(errorOf(r).code, 'method_not_allowed');
    assert.equal(r.headers.get('allow'), 'GET, HEAD');
    const p = await request(srv, 'GET', '/api/v1/client-errors');
    assert.equal(p.status, 405);
    assert.equal(p.headers.get('allow'), 'POST');
  });

  test('non-GET on a web app path: 405', async () => {
    const r = await request(srv, 'POST', '/some/page', { body: 'x' });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'GET, HEAD');
  });
});

describe('request bodies', () => {
  const path = '/api/v1/client-errors';

  test('a valid body is accepted', async () => {
    const r = await request(srv, 'POST', path, { body: { message: 'TypeError: x is undefined', page: '/calendar' } });
    assert.equal(r.status, 202);
    assert.deepEqual(r.json, { received: true });
  });

  test('malformed JSON: 400 invalid_json, nothing written', async () => {
    const before = snapshot();
    const r = await request(srv, 'POST', path, { body: '{"message": ', headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 400);
    assert.equal(errorOf(r).code, 'invalid_json');
    assert.equal(snapshot(), before);
  });

  test('JSON that is not an object: 400', async () => {
    const r = await request(srv, 'POST', path, { body: '[1,2]', headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 400);
    assert.equal(errorOf(r).code, 'invalid_json');
  });

  test('duplicate keys are refused', async () => {
    const r = await request(srv, 'POST', path, {
      body: '{"message":"a","message":"b"}',
      headers: { 'Content-Type': 'application/json' },
    });
    assert.equal(r.status, 400);
  });

  test('invalid UTF-8: 400', async () => {
    const body = Buffer.concat([Buffer.from('{"message":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    const r = await request(srv, 'POST', path, { body, headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 400);
    assert.equal(errorOf(r).code, 'invalid_json');
  });

  test('wrong content type: 415', async () => {
    const r = await request(srv, 'POST', path, { body: 'message=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(r.status, 415);
    assert.equal(errorOf(r).code, 'unsupported_media_type');
    const none = await request(srv, 'POST', path, { body: '{"message":"x"}', headers: { 'Content-Type': 'text/plain' } });
    assert.equal(none.status, 415);
  });

  test('content type with charset is fine', async () => {
    const r = await request(srv, 'POST', path, {
      body: '{"message":"x"}',
      headers: { 'Content-Type': 'application/json; charset=utf-8' },
    });
    assert.equal(r.status, 202);
  });

  test('oversized body: 413, declared or streamed', async () => {
    const big = JSON.stringify({ message: 'x', stack: 'y'.repeat(20000) });
    const r = await request(srv, 'POST', path, { body: big, headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 413);
    assert.equal(errorOf(r).code, 'payload_too_large');
    // Chunked: no Content-Length, the cap is found while reading.
    const chunk = '{"message":"x","stack":"' + 'z'.repeat(20000) + '"}';
    const hex = Buffer.byteLength(chunk).toString(16);
    const answer = await raw(
      `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${hex}\r\n${chunk}\r\n0\r\n\r\n`,
    );
    assert.match(answer, /^HTTP\/1\.1 413 /);
    assert.match(answer, /"code":"payload_too_large"/);
  });

  test('a missing field is named', async () => {
    const r = await request(srv, 'POST', path, { body: { page: '/x' } });
    assert.equal(r.status, 400);
    const e = errorOf(r);
    assert.equal(e.code, 'invalid_field');
    assert.equal(e.field, 'message');
  });

  test('a field of the wrong type or length is named', async () => {
    let r = await request(srv, 'POST', path, { body: { message: 42 } });
    assert.equal(errorOf(r).field, 'message');
    r = await request(srv, 'POST', path, { body: { message: 'x'.repeat(1001) } });
    assert.equal(r.status, 400);
    assert.equal(errorOf(r).field, 'message');
    r = await request(srv, 'POST', path, { body: { message: 'x', line: -1, source: '/a.js' } });
    assert.equal(errorOf(r).field, 'line');
    r = await request(srv, 'POST', path, { body: { message: 'x', page: 'a\u0001b' } });
    assert.equal(errorOf(r).field, 'page');
  });

  test('an empty body where one is required names the field', async () => {
    const r = await request(srv, 'POST', path, { body: '', headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 400);
    assert.equal(errorOf(r).field, 'message');
  });
});

describe('access log', () => {
  test('one JSON line per request; no bodies, queries or secrets', async () => {
    const marker = 'supersecret-' + Date.now();
    await request(srv, 'POST', '/api/v1/client-errors?token=' + marker, {
      body: { message: 'boom', page: '/invite?token=' + marker, stack: marker },
      headers: { 'X-Request-Id': 'logcheck-1', Cookie: 'p2s_session=' + marker },
    });
    // The line is written when the request completes; give it a moment.
    await new Promise((r) => setTimeout(r, 100));
    const lines = srv.logs().trim().split('\n').map((l) => JSON.parse(l));
    const line = lines.find((l) => l.msg === 'request' && l.request_id === 'logcheck-1');
    assert.ok(line, 'request line present');
    assert.equal(line.method, 'POST');
    assert.equal(line.path, '/api/v1/client-errors');
    assert.equal(line.status, 202);
    assert.equal(typeof line.bytes, 'number');
    assert.equal(typeof line.duration_ms, 'number');
    assert.ok(line.ts && line.level);
    const reported = lines.find((l) => l.msg === 'client error' && l.request_id === 'logcheck-1');
    assert.equal(reported.page, '/invite');
    assert.ok(!srv.logs().includes(marker), 'no secret in the log');
  });
});

describe('openapi', () => {
  test('the document is served and is OpenAPI 3.1', async () => {
    const r = await request(srv, 'GET', '/api/v1/openapi.json');
    assert.equal(r.status, 200);
    assert.match(r.json.openapi, /^3\.1\./);
    assert.ok(r.json.paths['/healthz'].get);
    assert.ok(r.json.paths['/api/v1/client-errors'].post);
  });
});
