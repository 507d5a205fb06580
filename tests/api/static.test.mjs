// The web app's files: content types, ETag/304, caching, gzip, SPA fallback, traversal.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startServer, request, errorOf, ROOT } from '../lib/harness.mjs';

let srv;
const dist = join(ROOT, 'web', 'dist');
const jsAsset = readdirSync(join(dist, 'assets')).find((f) => f.endsWith('.js'));
const cssAsset = readdirSync(join(dist, 'assets')).find((f) => f.endsWith('.css'));

before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv.stop();
});

/** Send a raw request line (paths that fetch would normalise) and return the status line. */
function rawGet(path) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    let data = '';
    sock.on('data', (d) => (data += d));
    sock.on('error', reject);
    sock.on('end', () => resolve(data));
    sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  });
}

describe('web app files', () => {
  test('/ serves index.html, revalidated on each visit', async () => {
    const r = await request(srv, 'GET', '/');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(r.text, readFileSync(join(dist, 'index.html'), 'utf8'));
    assert.equal(r.headers.get('cache-control'), 'no-cache');
    assert.ok(r.headers.get('etag'));
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  });

  test('ETag and If-None-Match give 304', async () => {
    const first = await request(srv, 'GET', '/');
    const etag = first.headers.get('etag');
    const again = await request(srv, 'GET', '/', { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.text, '');
    const other = await request(srv, 'GET', '/', { headers: { 'If-None-Match': '"nope"' } });
    assert.equal(other.status, 200);
  });

  test('hashed assets get the right type and a year of cache', async () => {
    const js = await request(srv, 'GET', '/assets/' + jsAsset, { headers: { 'Accept-Encoding': 'identity' } });
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const css = await request(srv, 'GET', '/assets/' + cssAsset);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
  });

  test('gzip clients get the precompressed file', async () => {
    const body = await new Promise((resolve, reject) => {
      const sock = net.connect(srv.port, '127.0.0.1');
      const chunks = [];
      sock.on('data', (d) => chunks.push(d));
      sock.on('error', reject);
      sock.on('end', () => resolve(Buffer.concat(chunks)));
      sock.write(`GET /assets/${jsAsset} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip, br\r\nConnection: close\r\n\r\n`);
    });
    const split = body.indexOf('\r\n\r\n');
    const head = body.subarray(0, split).toString();
    assert.match(head, /Content-Encoding: gzip/i);
    assert.match(head, /Vary: Accept-Encoding/i);
    const plain = gunzipSync(body.subarray(split + 4)).toString();
    assert.equal(plain, readFileSync(join(dist, 'assets', jsAsset), 'utf8'));
    const refused = await request(srv, 'GET', '/assets/' + jsAsset, { headers: { 'Accept-Encoding': 'gzip;q=0' } });
    assert.equal(refused.headers.get('content-encoding'), null);
  });

  test('client-side routes fall back to index.html', async () => {
    for (const p of ['/privacy', '/calendar/2026/11', '/signin']) {
      const r = await request(srv, 'GET', p);
      assert.equal(r.status, 200, p);
      assert.match(r.headers.get('content-type'), /^text\/html/);
      assert.match(r.text, /<div id="app">/);
    }
  });

  test('a missing file (with an extension) is a 404 in the error shape', async () => {
    const r = await request(srv, 'GET', '/assets/missing-1234.js');
    assert.equal(r.status, 404);
    assert.equal(errorOf(r).code, 'not_found');
  });

  test('paths that try to leave the folder or reach hidden files get 404', async () => {
    for (const p of ['/../../../../etc/passwd', '/assets/../../Makefile', '/%2e%2e/%2e%2e/etc/passwd',
      '/..%2f..%2fetc%2fpasswd', '/.gitignore', '/assets/%2e%2e/%2e%2e/README.md', '/..\\..\\etc\\passwd']) {
      const answer = await rawGet(p);
      const status = Number(answer.split(' ')[1]);
      assert.ok(status === 404 || status === 400, `${p} gave ${status}`);
      assert.doesNotMatch(answer, /root:x:0/);
    }
  });
});
