// The S3 media store against the fake S3 (tests/lib/fake-s3.mjs): the fake's own Signature V4
// check first (the AWS documented example, refusals as S3 words them), then the C store's
// round trip - build/tests/test_media_s3 run against the fake - judged from both sides.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { startFakeS3, signV4, headerMap, amzDateOf, EMPTY_SHA256 } from '../lib/fake-s3.mjs';
import { BIN } from '../lib/harness.mjs';

const ACCESS = 'AKIAP2STESTKEY000001';
const SECRET = 'p2s/fake+secret/0123456789abcdefghijklmnop';
const REGION = 'eu-central-1';
const BUCKET = 'p2s-test';
// The unit tests built next to the server binary (build/ or build/asan/).
const S3_TEST_BIN = join(dirname(BIN), 'tests', 'test_media_s3');

const sha256 = (b) => createHash('sha256').update(b).digest('hex');

/** The bytes the C test writes: byte i of a pattern that starts at position from. */
function pattern(n, from = 0) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    const j = i + from;
    b[i] = (j * 131 + Math.floor(j / 1024)) & 0xff;
  }
  return b;
}

let s3;
before(async () => {
  s3 = await startFakeS3({ accessKey: ACCESS, secretKey: SECRET, region: REGION });
});
after(async () => {
  await s3?.stop();
});

/**
 * A signed request to the fake: { status, headers, body (Buffer), text }.
 * o: method, path (raw, after the host), body, headers, secret, accessKey, region, host,
 * payloadHash (default: the body's SHA-256), amzDate, sign (extra header names to sign).
 */
function s3req(o) {
  const body = o.body ?? Buffer.alloc(0);
  const host = o.host ?? `127.0.0.1:${s3.port}`;
  const amzDate = o.amzDate ?? amzDateOf();
  const payloadHash = o.payloadHash === undefined ? sha256(body) : o.payloadHash;
  const headers = { Host: host, 'x-amz-date': amzDate, ...(o.headers || {}) };
  if (payloadHash !== null) headers['x-amz-content-sha256'] = payloadHash;
  if (o.method === 'PUT') headers['Content-Length'] = String(body.length);
  const signed = o.signed ?? [
    'host',
    'x-amz-date',
    ...(payloadHash !== null ? ['x-amz-content-sha256'] : []),
    ...(o.sign || []),
  ];
  const [rawPath, rawQuery = ''] = o.path.split('?');
  const sig = signV4({
    method: o.method,
    rawPath,
    rawQuery,
    headers: headerMap(Object.entries(headers)),
    signedHeaders: signed,
    payloadHash: payloadHash ?? EMPTY_SHA256,
    accessKey: o.accessKey ?? ACCESS,
    secretKey: o.secret ?? SECRET,
    region: o.region ?? REGION,
    amzDate,
  });
  headers.Authorization = sig.authorization;
  // o.tamper: change the path or headers after signing.
  const sendPath = o.tamper?.path ?? o.path;
  Object.assign(headers, o.tamper?.headers || {});
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: s3.port, method: o.method, path: sendPath, headers },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const b = Buffer.concat(chunks);
          resolve({ status: res.statusCode, headers: res.headers, body: b, text: b.toString() });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const xmlCode = (text) => /<Code>([^<]*)<\/Code>/.exec(text)?.[1];

test('signature V4 reproduces the AWS documented GET example', () => {
  const headers = headerMap([
    ['Host', 'examplebucket.s3.amazonaws.com'],
    ['Range', 'bytes=0-9'],
    ['x-amz-content-sha256', EMPTY_SHA256],
    ['x-amz-date', '20130524T000000Z'],
  ]);
  const r = signV4({
    method: 'GET',
    rawPath: '/test.txt',
    headers,
    signedHeaders: ['host', 'range', 'x-amz-content-sha256', 'x-amz-date'],
    payloadHash: EMPTY_SHA256,
    accessKey: 'AKIAIOSFODNN7EXAMPLE',
    secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    region: 'us-east-1',
    amzDate: '20130524T000000Z',
  });
  assert.equal(r.signature, 'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41');
});

test('the fake stores, ranges, heads and deletes, path-style and virtual-hosted', async () => {
  const body = Buffer.from('0123456789abcdef');
  let r = await s3req({
    method: 'PUT',
    path: `/${BUCKET}/n/obj.txt`,
    body,
    headers: { 'Content-Type': 'text/plain' },
    sign: ['content-type'],
  });
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.etag, /^"[0-9a-f]{32}"$/);
  assert.deepEqual(s3.objects.get(`${BUCKET}/n/obj.txt`).body, body);

  const ranged = (Range) =>
    s3req({ method: 'GET', path: `/${BUCKET}/n/obj.txt`, headers: { Range }, sign: ['range'] });
  r = await ranged('bytes=2-5');
  assert.equal(r.status, 206);
  assert.equal(r.headers['content-range'], 'bytes 2-5/16');
  assert.equal(r.text, '2345');
  r = await ranged('bytes=-3');
  assert.equal(r.status, 206);
  assert.equal(r.text, 'def');
  r = await ranged('bytes=16-');
  assert.equal(r.status, 416);
  assert.equal(xmlCode(r.text), 'InvalidRange');
  assert.equal(r.headers['content-range'], 'bytes */16');

  r = await s3req({ method: 'HEAD', path: `/${BUCKET}/n/obj.txt` });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-length'], '16');
  assert.equal(r.headers['content-type'], 'text/plain');
  assert.equal(r.body.length, 0);

  // Virtual-hosted: the bucket is in the Host header.
  r = await s3req({ method: 'GET', path: '/n/obj.txt', host: `${BUCKET}.localhost:${s3.port}` });
  assert.equal(r.status, 200);
  assert.equal(r.text, body.toString());

  r = await s3req({ method: 'DELETE', path: `/${BUCKET}/n/obj.txt` });
  assert.equal(r.status, 204);
  r = await s3req({ method: 'DELETE', path: `/${BUCKET}/n/obj.txt` });
  assert.equal(r.status, 204);
  r = await s3req({ method: 'GET', path: `/${BUCKET}/n/obj.txt` });
  assert.equal(r.status, 404);
  assert.equal(xmlCode(r.text), 'NoSuchKey');
  r = await s3req({ method: 'HEAD', path: `/${BUCKET}/n/obj.txt` });
  assert.equal(r.status, 404);
  assert.equal(r.body.length, 0);
  r = await s3req({ method: 'GET', path: '/other-bucket/x' });
  assert.equal(r.status, 404);
  assert.equal(xmlCode(r.text), 'NoSuchBucket');
});

test('the fake refuses what S3 refuses', async () => {
  const path = `/${BUCKET}/refused/x`;
  // A wrong secret: 403 SignatureDoesNotMatch with what the server signed.
  let r = await s3req({ method: 'GET', path, secret: SECRET + 'x' });
  assert.equal(r.status, 403);
  assert.equal(xmlCode(r.text), 'SignatureDoesNotMatch');
  const scope = String.raw`\d{8}/eu-central-1/s3/aws4_request`;
  const sts = String.raw`AWS4-HMAC-SHA256\n\d{8}T\d{6}Z\n${scope}\n[0-9a-f]{64}`;
  assert.match(r.text, new RegExp(`<StringToSign>${sts}</StringToSign>`));
  assert.match(r.text, /<CanonicalRequest>GET\n\/p2s-test\/refused\/x\n\nhost:127\.0\.0\.1:\d+\n/);
  assert.ok(!r.text.includes(SECRET), 'the answer never holds the secret');
  // A path or a signed header changed after signing.
  r = await s3req({ method: 'GET', path, tamper: { path: `/${BUCKET}/refused/y` } });
  assert.equal(r.status, 403);
  assert.equal(xmlCode(r.text), 'SignatureDoesNotMatch');
  r = await s3req({
    method: 'GET',
    path,
    headers: { Range: 'bytes=0-1' },
    sign: ['range'],
    tamper: { headers: { Range: 'bytes=0-9' } },
  });
  assert.equal(r.status, 403);
  assert.equal(xmlCode(r.text), 'SignatureDoesNotMatch');
  // A body that is not what x-amz-content-sha256 says.
  r = await s3req({ method: 'PUT', path, body: Buffer.from('abc'), payloadHash: sha256('abd') });
  assert.equal(r.status, 400);
  assert.equal(xmlCode(r.text), 'XAmzContentSHA256Mismatch');
  assert.ok(!s3.objects.has(`${BUCKET}/refused/x`));
  // No payload hash, or an unsigned one.
  r = await s3req({ method: 'GET', path, payloadHash: null });
  assert.equal(r.status, 400);
  assert.match(r.text, /x-amz-content-sha256/);
  r = await s3req({ method: 'PUT', path, body: Buffer.from('a'), payloadHash: 'UNSIGNED-PAYLOAD' });
  assert.equal(r.status, 400);
  assert.equal(xmlCode(r.text), 'InvalidRequest');
  // An x-amz-* header left out of the signature.
  r = await s3req({ method: 'GET', path, headers: { 'x-amz-meta-a': '1' } });
  assert.equal(r.status, 403);
  assert.equal(xmlCode(r.text), 'AccessDenied');
  // Host not signed.
  r = await s3req({ method: 'GET', path, signed: ['x-amz-date', 'x-amz-content-sha256'] });
  assert.equal(r.status, 403);
  // An unknown key id, the wrong region, an old request.
  r = await s3req({ method: 'GET', path, accessKey: 'AKIANOTKNOWN' });
  assert.equal(r.status, 403);
  assert.equal(xmlCode(r.text), 'InvalidAccessKeyId');
  r = await s3req({ method: 'GET', path, region: 'us-west-2' });
  assert.equal(r.status, 400);
  assert.equal(xmlCode(r.text), 'AuthorizationHeaderMalformed');
  r = await s3req({ method: 'GET', path, amzDate: amzDateOf(new Date(Date.now() - 3600e3)) });
  assert.equal(r.status, 403);
  assert.equal(xmlCode(r.text), 'RequestTimeTooSkewed');
  // The same request signed right passes the check (and finds nothing).
  r = await s3req({ method: 'GET', path });
  assert.equal(r.status, 404);
  assert.equal(xmlCode(r.text), 'NoSuchKey');
});

/** Run a program to its end without blocking the event loop (the fake runs in this process). */
function run(bin, env) {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, [], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', (code, signal) => resolve({ code, signal, out }));
  });
}

test('the C S3 store (tests/unit/test_media_s3.c) round-trips through the fake', async () => {
  assert.ok(existsSync(S3_TEST_BIN), `${S3_TEST_BIN} is missing: make unit`);
  // Fault fixtures the C test reads.
  const now = new Date();
  const put = (key, body) =>
    s3.objects.set(`${BUCKET}/${key}`, {
      body,
      contentType: 'application/octet-stream',
      etag: '"x"',
      lastModified: now,
    });
  put('fixtures/truncated.bin', pattern(1024 * 1024));
  s3.faults.set(`${BUCKET}/fixtures/truncated.bin`, 'truncate');
  put('fixtures/error500.bin', pattern(10));
  s3.faults.set(`${BUCKET}/fixtures/error500.bin`, 'status500');
  put('fixtures/norange.bin', pattern(100000));
  s3.faults.set(`${BUCKET}/fixtures/norange.bin`, 'ignore-range');
  const first = s3.requests.length;

  const r = await run(S3_TEST_BIN, {
    P2S_TEST_S3_URL: s3.url,
    P2S_TEST_S3_ACCESS_KEY: ACCESS,
    P2S_TEST_S3_SECRET_KEY: SECRET,
    P2S_TEST_S3_REGION: REGION,
    P2S_TEST_S3_BUCKET: BUCKET,
    P2S_TEST_S3_FIXTURES: '1',
    CMOCKA_MESSAGE_OUTPUT: 'TAP',
  });
  assert.equal(r.code, 0, r.out);
  assert.doesNotMatch(r.out, /^not ok/m, r.out);
  assert.doesNotMatch(r.out, /# SKIP/i, 'every S3 test ran');
  assert.equal((r.out.match(/^ok \d+/gm) || []).length, 14, r.out);
  assert.ok(!r.out.includes(SECRET), 'the secret never appears in the output');

  // What arrived, seen from the server.
  const keep = s3.objects.get(`${BUCKET}/keep/pattern.bin`);
  assert.ok(keep, 'keep/pattern.bin was stored');
  assert.ok(keep.body.equals(pattern(3 * 1024 * 1024 + 7)), 'byte-identical 3 MiB object');
  assert.equal(keep.contentType, 'video/quicktime');
  const tiny = s3.objects.get(`${BUCKET}/keep/tiny.png`);
  assert.ok(tiny.body.equals(pattern(1234, 9)), 'byte-identical small object');
  assert.equal(tiny.contentType, 'image/png');

  const reqs = s3.requests.slice(first);
  const puts = reqs.filter((q) => q.method === 'PUT');
  assert.ok(puts.length >= 8);
  for (const q of puts) {
    assert.match(q.payloadHash, /^[0-9a-f]{64}$/, 'PUT sends the content hash, not UNSIGNED');
    if (q.status === 200) {
      assert.equal(q.payloadHash, q.bodySha256);
      assert.match(q.signedHeaders, /(^|;)content-type(;|$)/);
      assert.match(q.signedHeaders, /(^|;)x-amz-content-sha256(;|$)/);
    }
  }
  for (const q of reqs.filter((x) => x.method !== 'PUT')) assert.equal(q.payloadHash, EMPTY_SHA256);
  const codes = new Set(reqs.map((q) => q.code));
  assert.ok(codes.has('SignatureDoesNotMatch'), 'the wrong secret was refused');
  assert.ok(codes.has('XAmzContentSHA256Mismatch'), 'the wrong hash was refused');
  assert.ok(codes.has('NoSuchBucket'));
  const refused = reqs.filter((q) => q.code === 'SignatureDoesNotMatch');
  assert.ok(refused.some((q) => q.method === 'PUT') && refused.some((q) => q.method === 'GET'));
  // The 2 MiB upload with the wrong secret asked to continue and was refused before its body.
  assert.ok(refused.some((q) => q.method === 'PUT' && q.beforeBody));
  assert.ok(reqs.some((q) => q.style === 'virtual' && q.status === 200), 'virtual-hosted');
  assert.ok(reqs.some((q) => q.range === 'bytes=1000-5999'), 'ranges are sent as bytes=O-E');
  assert.ok(reqs.some((q) => q.method === 'GET' && q.status === 206));
  assert.ok(!s3.objects.has(`${BUCKET}/rt/big.bin`), 'deleted objects are gone');
});
