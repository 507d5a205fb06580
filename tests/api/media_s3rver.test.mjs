// The S3 media store against s3rver (an independent S3-compatible server from npm):
// uploads land in the bucket, files are read back with Range, deletes remove the objects,
// and an unknown access key is refused.  s3rver 3.7 does not check Signature V4 itself
// ("unimplemented" in its source); the signature is checked for real, wrong secret
// included, by tests/lib/fake-s3.mjs in tests/sim/fake_s3.test.mjs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { startServer, ROOT } from '../lib/harness.mjs';
import { signup, createWorkspace } from '../lib/api.mjs';

const jpeg = readFileSync(join(ROOT, 'tests', 'fixtures', 'photo-320x240.jpg'));
const mp4 = readFileSync(join(ROOT, 'tests', 'fixtures', 'clip-160x90.mp4'));
let s3;
let s3dir;
let endpoint;

function s3env(secret = 'S3RVER', access = 'S3RVER') {
  return {
    P2S_MEDIA_STORE: 's3',
    P2S_S3_ENDPOINT: endpoint,
    P2S_S3_REGION: 'us-east-1',
    P2S_S3_BUCKET: 'p2s-media',
    P2S_S3_ACCESS_KEY: access,
    P2S_S3_SECRET_KEY: secret,
    P2S_S3_PATH_STYLE: '1',
  };
}

before(async () => {
  s3dir = mkdtempSync(join(tmpdir(), 'p2s-s3rver-'));
  s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3dir, configureBuckets: [{ name: 'p2s-media' }] });
  const addr = await s3.run();
  endpoint = `http://127.0.0.1:${addr.port}`;
});
after(async () => {
  await s3.close();
  rmSync(s3dir, { recursive: true, force: true });
});


test('uploads go to the bucket signed with Signature V4 and come back with Range', async () => {
  const srv = await startServer({ env: s3env() });
  try {
    const o = await signup(srv);
    const ws = await createWorkspace(o, 'S3');
    const up = await o.call('POST', `/api/v1/workspaces/${ws}/media?name=s3.jpg`, jpeg, { headers: { 'Content-Type': 'image/jpeg' } });
    assert.equal(up.status, 201, up.text);
    const vid = await o.call('POST', `/api/v1/workspaces/${ws}/media?name=s3.mp4`, mp4, { headers: { 'Content-Type': 'video/mp4' } });
    assert.equal(vid.status, 201, vid.text);
    const m = up.json.media;
    const cookie = { Cookie: `p2s_session=${o.cookie}` };
    const whole = await fetch(srv.url + m.url, { headers: cookie });
    assert.equal(whole.status, 200);
    assert.deepEqual(Buffer.from(await whole.arrayBuffer()), jpeg);
    const part = await fetch(srv.url + m.url, { headers: { ...cookie, Range: 'bytes=10-19' } });
    assert.equal(part.status, 206);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), jpeg.subarray(10, 20));
    const thumb = await fetch(srv.url + m.thumbnail_url, { headers: cookie });
    assert.equal(thumb.status, 200);
    // The object sits in s3rver's store under a random key, not the file name.
    const stored = JSON.stringify(readdirDeep(s3dir));
    assert.match(stored, /ws\d+/);
    assert.ok(!stored.includes('s3.jpg'));
    assert.equal((await o.del(`/api/v1/workspaces/${ws}/media/${m.id}`)).status, 204);
    assert.equal((await fetch(srv.url + m.url, { headers: cookie })).status, 404);
  } finally {
    await srv.stop();
  }
});

test('an unknown access key is refused by the bucket and nothing is kept', async () => {
  const srv = await startServer({ env: s3env('not-the-secret', 'NOT-A-KEY') });
  try {
    const o = await signup(srv);
    const ws = await createWorkspace(o, 'Wrong');
    const up = await o.call('POST', `/api/v1/workspaces/${ws}/media?name=x.jpg`, jpeg, { headers: { 'Content-Type': 'image/jpeg' } });
    assert.ok(up.status >= 500, `${up.status} ${up.text}`);
    assert.equal((await o.get(`/api/v1/workspaces/${ws}/media`)).json.items.length, 0);
    assert.ok(!srv.logs().includes('not-the-secret'), 'the secret is never logged');
  } finally {
    await srv.stop();
  }
});

function readdirDeep(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSyncSafe(d)) {
      const p = join(d, e.name);
      out.push(p.slice(dir.length));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

function readdirSyncSafe(d) {
  try {
    return readdirSync(d, { withFileTypes: true });
  } catch {
    return [];
  }
}
