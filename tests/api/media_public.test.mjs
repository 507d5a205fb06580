// Public, signed, expiring media links for platforms that fetch by URL.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, ROOT } from '../lib/harness.mjs';
import { signup, createWorkspace, addMember } from '../lib/api.mjs';

const jpeg = readFileSync(join(ROOT, 'tests', 'fixtures', 'photo-320x240.jpg'));
let srv;
let owner;
let ws;
let media;

before(async () => {
  srv = await startServer();
  owner = await signup(srv);
  ws = await createWorkspace(owner, 'Public');
  media = (await owner.call('POST', `/api/v1/workspaces/${ws}/media?name=p.jpg`, jpeg, { headers: { 'Content-Type': 'image/jpeg' } })).json.media;
});
after(async () => {
  await srv.stop();
});

test('a public link serves the file to anyone until it expires, with Range', async () => {
  const r = await owner.post(`/api/v1/workspaces/${ws}/media/${media.id}/public-url`, { ttl_s: 600 });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.json.url.startsWith(`${srv.url}/media/public/`));
  const minutes = (Date.parse(r.json.expires_at) - Date.now()) / 60000;
  assert.ok(minutes > 9 && minutes <= 10);
  const res = await fetch(r.json.url);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'image/jpeg');
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), jpeg);
  const part = await fetch(r.json.url, { headers: { Range: 'bytes=0-9' } });
  assert.equal(part.status, 206);
  assert.equal((await part.arrayBuffer()).byteLength, 10);
  const token = r.json.url.split('/').pop();
  assert.ok(!srv.logs().includes(token.split('.')[3]), 'the link never reaches the log');
});

test('tampered, forged and expired links are refused', async () => {
  const r = await owner.post(`/api/v1/workspaces/${ws}/media/${media.id}/public-url`);
  const [w, id, exp, mac] = r.json.url.split('/').pop().split('.');
  const base = `${srv.url}/media/public/`;
  assert.equal((await fetch(`${base}${w}.${id}.${Number(exp) + 3600}.${mac}`)).status, 404, 'a longer life');
  assert.equal((await fetch(`${base}${w}.${Number(id) + 1}.${exp}.${mac}`)).status, 404, 'another file');
  assert.equal((await fetch(`${base}${w}.${id}.${exp}.${'A'.repeat(43)}`)).status, 404, 'a made-up signature');
  assert.equal((await fetch(`${base}garbage`)).status, 404);
  // A correctly signed link whose time is over: sign one with the key file, as the server would.
  const keyHex = readFileSync(join(srv.dataDir, 'secret.key'), 'utf8').trim().split(' ')[1];
  const past = Math.floor(Date.now() / 1000) - 10;
  const sig = createHmac('sha256', Buffer.from(keyHex, 'hex')).update(`p2s-media-url:${w}:${id}:${past}`).digest('base64url');
  const expired = await fetch(`${base}${w}.${id}.${past}.${sig}`);
  assert.equal(expired.status, 410);
  assert.equal((await expired.json()).error.code, 'link_expired');
});

test('only editors and up make links; ttl is bounded', async () => {
  const c = await signup(srv);
  await addMember(owner, ws, c, 'contributor');
  assert.equal((await c.post(`/api/v1/workspaces/${ws}/media/${media.id}/public-url`)).status, 403);
  assert.equal((await owner.post(`/api/v1/workspaces/${ws}/media/${media.id}/public-url`, { ttl_s: 10 })).json.error.field, 'ttl_s');
  assert.equal((await owner.post(`/api/v1/workspaces/${ws}/media/${media.id}/public-url`, { ttl_s: 8 * 86400 })).json.error.field, 'ttl_s');
});
