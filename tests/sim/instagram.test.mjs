// The simulated Instagram (www.instagram.com, api.instagram.com, graph.instagram.com):
// Instagram Login, token exchange and refresh, content publishing with containers,
// metrics, the publishing quota and the strict refusals.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startSim, simFetch } from '../lib/sim.mjs';

const APP = 'p2s-sim-instagram';
const SECRET = 'p2s-sim-instagram-secret';
const REDIRECT = 'https://app.example.test/oauth/instagram/callback';
const IG = '17841400000000001';
const SCOPES =
  'instagram_business_basic,instagram_business_content_publish,instagram_business_manage_comments,instagram_business_manage_insights';

// A 64x64 JPEG, a 40x100 JPEG (too tall for the feed), a PNG, and an MP4 header.
const JPEG = Buffer.from('/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCABAAEADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwBtFFFeWeyFFFFABRRRQAUUUUAFFFFABRRRQAUUUUAFFFFABRRRQAUUUUAFFFFABRRRQAUUUUAFFFFABRRRQAUUUUAf/9k=', 'base64');
const TALL = Buffer.from('/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCABkACgDASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDPooor2zzwooooAKKKKACiiigAooooAKKKKACiiigAooooAKKKKACiiigAooooAKKKKACiiigAooooAKKKKACiiigAooooAKKKKACiiigAooooAKKKKAP/2Q==', 'base64');
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d494844520000000100000001080200000090775' + '3de0000000c4944415408d763f8cfc000000301010018dd8db00000000049454e44ae426082',
  'hex',
);
const MP4 = Buffer.concat([
  Buffer.from('000000186674797069736f6d0000020069736f6d6d703431', 'hex'),
  Buffer.alloc(4096, 3),
]);

let sim;
let media;

async function mediaServer() {
  const files = {
    '/photo.jpg': ['image/jpeg', JPEG],
    '/tall.jpg': ['image/jpeg', TALL],
    '/photo.png': ['image/png', PNG],
    '/clip.mp4': ['video/mp4', MP4],
    '/page.html': ['text/html', Buffer.from('<!doctype html><p>a web page</p>')],
  };
  const server = http.createServer((req, res) => {
    const f = files[new URL(req.url, 'http://x').pathname];
    if (f) res.writeHead(200, { 'Content-Type': f[0] }).end(f[1]);
    else res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const probe = http.createServer();
  await new Promise((r) => probe.listen(0, '127.0.0.1', r));
  const deadPort = probe.address().port;
  await new Promise((r) => probe.close(r));
  return { server, url: `http://127.0.0.1:${server.address().port}`, dead: `http://127.0.0.1:${deadPort}` };
}

before(async () => {
  sim = await startSim();
  media = await mediaServer();
});

after(async () => {
  await sim.stop();
  if (process.env.SIM_LOGS) console.error(sim.logs());
  media.server.close();
});

const G = (path) => `/instagram/graph/v21.0${path}`;
const q = (o) => new URLSearchParams(o).toString();

function envelope(r, code, subcode) {
  assert.ok(r.json && r.json.error, `expected a Graph error, got ${r.status} ${r.text}`);
  const e = r.json.error;
  assert.equal(e.code, code, r.text);
  if (subcode === undefined) assert.equal(e.error_subcode, undefined, r.text);
  else assert.equal(e.error_subcode, subcode, r.text);
  assert.equal(typeof e.message, 'string');
  assert.match(e.fbtrace_id, /^[A-Za-z0-9_-]{6,}$/);
  return e;
}

async function authorize({ scope = SCOPES, approve = 'allow', state = 'ig-st', redirect = REDIRECT } = {}) {
  const r = await simFetch(
    sim,
    'GET',
    `/instagram/www/oauth/authorize?${q({ enable_fb_login: 0, client_id: APP, redirect_uri: redirect, response_type: 'code', scope, state, sim_approve: approve })}`,
  );
  assert.equal(r.status, 302, r.text);
  return new URL(r.headers.get('location'));
}

function exchange(code, over = {}, multipart = false) {
  const fields = { client_id: APP, client_secret: SECRET, grant_type: 'authorization_code', redirect_uri: REDIRECT, code, ...over };
  if (!multipart) return simFetch(sim, 'POST', '/instagram/api/oauth/access_token', { form: fields });
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  return fetch(sim.url + '/instagram/api/oauth/access_token', { method: 'POST', body: fd }).then(async (r) => {
    const text = await r.text();
    return { status: r.status, text, json: JSON.parse(text), headers: r.headers };
  });
}

async function longToken(short) {
  const r = await simFetch(sim, 'GET', `/instagram/graph/access_token?${q({ grant_type: 'ig_exchange_token', client_secret: SECRET, access_token: short })}`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function login() {
  const loc = await authorize();
  const short = await exchange(loc.searchParams.get('code'));
  assert.equal(short.status, 200, short.text);
  return (await longToken(short.json.access_token)).access_token;
}

async function poll(token, id, until = 'FINISHED', max = 10) {
  const seen = [];
  for (let i = 0; i < max; i++) {
    const r = await simFetch(sim, 'GET', G(`/${id}?fields=status_code,status&access_token=${token}`));
    assert.equal(r.status, 200, r.text);
    seen.push(r.json.status_code);
    if (r.json.status_code === until || r.json.status_code === 'ERROR') return { seen, last: r.json };
  }
  return { seen };
}

test('Instagram Login: authorize → code → form/multipart exchange → 60-day token → /me', async () => {
  const loc = await authorize();
  assert.equal(loc.origin + loc.pathname, REDIRECT);
  assert.equal(loc.searchParams.get('state'), 'ig-st');
  assert.equal(loc.hash, '#_');
  const short = await exchange(loc.searchParams.get('code'));
  assert.equal(short.status, 200, short.text);
  assert.deepEqual(Object.keys(short.json).sort(), ['access_token', 'permissions', 'user_id']);
  assert.match(short.text, new RegExp(`"user_id":${IG}[,}]`));
  assert.equal(short.json.permissions, SCOPES);

  const loc2 = await authorize();
  const multi = await exchange(loc2.searchParams.get('code'), {}, true);
  assert.equal(multi.status, 200, multi.text);

  const long = await longToken(short.json.access_token);
  assert.equal(long.token_type, 'bearer');
  assert.equal(long.expires_in, 5183944);
  const me = await simFetch(sim, 'GET', G(`/me?fields=user_id,username,name,profile_picture_url&access_token=${long.access_token}`));
  assert.equal(me.status, 200, me.text);
  assert.equal(me.json.user_id, IG);
  assert.equal(me.json.username, 'simcoffee');
  assert.equal(me.json.name, 'Sim Coffee Roasters');
  const pic = await simFetch(sim, 'GET', new URL(me.json.profile_picture_url).pathname);
  assert.equal(pic.headers.get('content-type'), 'image/png');
  const bearer = await simFetch(sim, 'GET', G('/me?fields=username'), { headers: { Authorization: `Bearer ${long.access_token}` } });
  assert.equal(bearer.json.username, 'simcoffee');
  // A Facebook-style field does not exist on the Instagram Login host's user.
  const bad = await simFetch(sim, 'GET', G(`/me?fields=username,ig_id&access_token=${long.access_token}`));
  assert.match(envelope(bad, 100).message, /nonexisting field \(ig_id\)/);
});

test('Instagram Login refusals: deny, bad scope, bad app, redirect mismatch, reused and expired code, wrong secret', async () => {
  const denied = await authorize({ approve: 'deny' });
  assert.equal(denied.searchParams.get('error'), 'access_denied');
  assert.equal(denied.searchParams.get('error_reason'), 'user_denied');
  assert.ok(denied.searchParams.get('error_description'));
  const oldScope = await simFetch(sim, 'GET', `/instagram/www/oauth/authorize?${q({ client_id: APP, redirect_uri: REDIRECT, response_type: 'code', scope: 'business_basic,business_content_publish' })}`);
  assert.equal(oldScope.status, 400);
  assert.equal(oldScope.json.error_type, 'OAuthException');
  assert.match(oldScope.json.error_message, /Invalid scope/);
  const badApp = await simFetch(sim, 'GET', `/instagram/www/oauth/authorize?${q({ client_id: 'nope', redirect_uri: REDIRECT, response_type: 'code', scope: SCOPES })}`);
  assert.deepEqual(badApp.json, { error_type: 'OAuthException', code: 400, error_message: 'Invalid platform app' });

  let loc = await authorize();
  const mismatch = await exchange(loc.searchParams.get('code'), { redirect_uri: REDIRECT + '?x=1' });
  assert.equal(mismatch.status, 400);
  assert.match(mismatch.json.error_message, /redirect_uri is identical/);
  const wrongSecret = await exchange(loc.searchParams.get('code'), { client_secret: 'nope' });
  assert.equal(wrongSecret.status, 400);
  assert.equal(wrongSecret.json.error_type, 'OAuthException');
  assert.equal((await exchange(loc.searchParams.get('code'))).status, 200);
  const reused = await exchange(loc.searchParams.get('code'));
  assert.match(reused.json.error_message, /has been used/);

  loc = await authorize();
  await sim.admin('POST', '/_sim/clock', { advance_s: 601 });
  const expired = await exchange(loc.searchParams.get('code'));
  assert.match(expired.json.error_message, /expired/);
  const asJson = await simFetch(sim, 'POST', '/instagram/api/oauth/access_token', { json: { client_id: APP } });
  assert.equal(asJson.status, 400);

  // The long-lived exchange checks the secret and the token.
  const fresh = await exchange((await authorize()).searchParams.get('code'));
  const badSecret = await simFetch(sim, 'GET', `/instagram/graph/access_token?${q({ grant_type: 'ig_exchange_token', client_secret: 'x', access_token: fresh.json.access_token })}`);
  envelope(badSecret, 1);
  const badTok = await simFetch(sim, 'GET', `/instagram/graph/access_token?${q({ grant_type: 'ig_exchange_token', client_secret: SECRET, access_token: 'IGAAnonsense' })}`);
  envelope(badTok, 190);
});

test('refresh: refused before 24 h, allowed after; expiry after 60 days (190/463); revoked token', async () => {
  const tok = await login();
  const early = await simFetch(sim, 'GET', `/instagram/graph/refresh_access_token?${q({ grant_type: 'ig_refresh_token', access_token: tok })}`);
  assert.equal(early.status, 400);
  assert.match(envelope(early, 100).message, /24 hours/);
  await sim.admin('POST', '/_sim/clock', { advance_s: 25 * 3600 });
  const ok = await simFetch(sim, 'GET', `/instagram/graph/refresh_access_token?${q({ grant_type: 'ig_refresh_token', access_token: tok })}`);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.expires_in, 5183944);
  assert.notEqual(ok.json.access_token, tok);

  await sim.admin('POST', '/_sim/clock', { advance_s: 59 * 86400 });
  const dead = await simFetch(sim, 'GET', G(`/me?fields=username&access_token=${tok}`));
  assert.equal(dead.status, 400);
  assert.match(envelope(dead, 190, 463).message, /Session has expired/);
  const noRefresh = await simFetch(sim, 'GET', `/instagram/graph/refresh_access_token?${q({ grant_type: 'ig_refresh_token', access_token: tok })}`);
  envelope(noRefresh, 190, 463);
  const renewed = ok.json.access_token;
  assert.equal((await simFetch(sim, 'GET', G(`/me?access_token=${renewed}`))).status, 200);
  await sim.admin('POST', '/_sim/tokens/revoke', { token: renewed });
  envelope(await simFetch(sim, 'GET', G(`/me?access_token=${renewed}`)), 190, 460);
});

test('image: container, publish refused before FINISHED, polling, publish once, permalink, listed', async () => {
  await sim.admin('POST', '/_sim/processing', { platform: 'instagram', polls: 2 });
  const tok = await login();
  const caption = `Morning pour-over ${Date.now()}`;
  const c = await simFetch(sim, 'POST', G(`/${IG}/media?${q({ image_url: `${media.url}/photo.jpg`, caption, access_token: tok })}`));
  assert.equal(c.status, 200, c.text);
  assert.deepEqual(Object.keys(c.json), ['id']);
  const early = await simFetch(sim, 'POST', G(`/${IG}/media_publish?creation_id=${c.json.id}&access_token=${tok}`));
  assert.equal(early.status, 400);
  const e = envelope(early, 9007, 2207027);
  assert.equal(e.message, 'Media ID is not available');
  const { seen, last } = await poll(tok, c.json.id);
  assert.deepEqual(seen, ['IN_PROGRESS', 'IN_PROGRESS', 'FINISHED']);
  assert.match(last.status, /^Finished/);
  const pub = await simFetch(sim, 'POST', G(`/me/media_publish?creation_id=${c.json.id}&access_token=${tok}`));
  assert.equal(pub.status, 200, pub.text);
  assert.match(pub.json.id, /^\d+$/);
  const twice = await simFetch(sim, 'POST', G(`/${IG}/media_publish?creation_id=${c.json.id}&access_token=${tok}`));
  assert.equal(twice.status, 400);
  assert.equal((await poll(tok, c.json.id, 'PUBLISHED')).last.status_code, 'PUBLISHED');

  const m = await simFetch(sim, 'GET', G(`/${pub.json.id}?fields=permalink,caption,media_type,media_product_type,timestamp,like_count,comments_count&access_token=${tok}`));
  assert.equal(m.status, 200, m.text);
  assert.match(m.json.permalink, /^https:\/\/www\.instagram\.com\/p\/[A-Za-z0-9_-]+\/$/);
  assert.equal(m.json.caption, caption);
  assert.equal(m.json.media_type, 'IMAGE');
  assert.equal(m.json.media_product_type, 'FEED');
  assert.match(m.json.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
  assert.equal(m.json.like_count, 0);

  const list = await simFetch(sim, 'GET', G(`/${IG}/media?fields=id,caption,timestamp,permalink&access_token=${tok}`));
  assert.equal(list.json.data[0].id, pub.json.id);
  assert.equal(list.json.data[0].caption, caption);
  const limit = await simFetch(sim, 'GET', G(`/${IG}/content_publishing_limit?fields=quota_usage,config&access_token=${tok}`));
  assert.equal(limit.json.data[0].config.quota_total, 50);
  assert.equal(limit.json.data[0].config.quota_duration, 86400);
  assert.ok(limit.json.data[0].quota_usage >= 1);
  const posts = await sim.admin('GET', '/_sim/posts?platform=instagram');
  const rec = posts.items.find((p) => p.id === pub.json.id);
  assert.equal(rec.text, caption);
  assert.equal(rec.account, IG);
  assert.equal(rec.kind, 'image');
  assert.equal(rec.url, m.json.permalink);
  assert.deepEqual((await simFetch(sim, 'GET', `/_sim/media/${rec.media[0]}`)).bytes, JPEG);
});

test('carousel and reel: children must be FINISHED, 2–10 children, reel permalink', async () => {
  await sim.admin('POST', '/_sim/processing', { platform: 'instagram', polls: 1 });
  const tok = await login();
  const kids = [];
  for (const [k, v] of [
    ['image_url', `${media.url}/photo.jpg`],
    ['video_url', `${media.url}/clip.mp4`],
  ]) {
    const extra = k === 'video_url' ? { media_type: 'VIDEO' } : {};
    const r = await simFetch(sim, 'POST', G(`/${IG}/media?${q({ [k]: v, is_carousel_item: 'true', ...extra, access_token: tok })}`));
    assert.equal(r.status, 200, r.text);
    kids.push(r.json.id);
  }
  const notReady = await simFetch(sim, 'POST', G(`/${IG}/media?${q({ media_type: 'CAROUSEL', children: kids.join(','), caption: 'Two', access_token: tok })}`));
  envelope(notReady, 9007, 2207027);
  for (const k of kids) assert.equal((await poll(tok, k)).last.status_code, 'FINISHED');
  const tooFew = await simFetch(sim, 'POST', G(`/${IG}/media?${q({ media_type: 'CAROUSEL', children: kids[0], access_token: tok })}`));
  envelope(tooFew, 100, 2207028);
  const car = await simFetch(sim, 'POST', G(`/${IG}/media?${q({ media_type: 'CAROUSEL', children: kids.join(','), caption: 'Two of them', access_token: tok })}`));
  assert.equal(car.status, 200, car.text);
  assert.equal((await poll(tok, car.json.id)).last.status_code, 'FINISHED');
  const pub = await simFetch(sim, 'POST', G(`/${IG}/media_publish?creation_id=${car.json.id}&access_token=${tok}`));
  assert.equal(pub.status, 200, pub.text);
  const m = await simFetch(sim, 'GET', G(`/${pub.json.id}?fields=media_type,children{id,media_type},permalink&access_token=${tok}`));
  assert.equal(m.json.media_type, 'CAROUSEL_ALBUM');
  assert.deepEqual(m.json.children.data.map((c) => c.media_type), ['IMAGE', 'VIDEO']);

  const reel = await simFetch(sim, 'POST', G(`/${IG}/media?${q({ media_type: 'REELS', video_url: `${media.url}/clip.mp4`, caption: 'Reel', access_token: tok })}`));
  assert.equal(reel.status, 200, reel.text);
  assert.equal((await poll(tok, reel.json.id)).last.status_code, 'FINISHED');
  const rp = await simFetch(sim, 'POST', G(`/${IG}/media_publish?creation_id=${reel.json.id}&access_token=${tok}`));
  const link = await simFetch(sim, 'GET', G(`/${rp.json.id}?fields=permalink,media_product_type&access_token=${tok}`));
  assert.match(link.json.permalink, /^https:\/\/www\.instagram\.com\/reel\//);
  assert.equal(link.json.media_product_type, 'REELS');
  const kinds = (await sim.admin('GET', '/_sim/posts?platform=instagram')).items.map((p) => p.kind);
  assert.ok(kinds.includes('carousel') && kinds.includes('reel'));
});

test('container refusals: unreachable, not media, PNG, aspect ratio, long caption, video errors, expiry', async () => {
  await sim.admin('POST', '/_sim/processing', { platform: 'instagram', polls: 0, fail: false });
  const tok = await login();
  const create = (o) => simFetch(sim, 'POST', G(`/${IG}/media?${q({ ...o, access_token: tok })}`));
  const dead = await create({ image_url: `${media.dead}/photo.jpg` });
  assert.equal(dead.status, 400);
  assert.match(envelope(dead, 9004, 2207052).error_user_msg, /could not be fetched/);
  envelope(await create({ image_url: `${media.url}/page.html` }), 9004, 2207052);
  envelope(await create({ image_url: `${media.url}/photo.png` }), 36001, 2207005);
  envelope(await create({ image_url: `${media.url}/tall.jpg` }), 36003, 2207009);
  // Stories take any aspect ratio.
  assert.equal((await create({ image_url: `${media.url}/tall.jpg`, media_type: 'STORIES' })).status, 200);
  const long = await create({ image_url: `${media.url}/photo.jpg`, caption: 'é'.repeat(2201) });
  envelope(long, 36004, 2207010);
  assert.equal((await create({ image_url: `${media.url}/photo.jpg`, caption: 'é'.repeat(2200) })).status, 200);
  envelope(await create({ image_url: `${media.url}/photo.jpg`, media_type: 'PANORAMA' }), 100, 2207023);
  envelope(await create({ caption: 'no media' }), 100);

  // Video problems show up in the container's status, as Instagram reports them.
  const vdead = await create({ media_type: 'REELS', video_url: `${media.dead}/clip.mp4` });
  assert.equal(vdead.status, 200, vdead.text);
  const s1 = (await poll(tok, vdead.json.id)).last;
  assert.equal(s1.status_code, 'ERROR');
  assert.match(s1.status, /2207052/);
  const vbad = await create({ media_type: 'REELS', video_url: `${media.url}/photo.jpg` });
  assert.match((await poll(tok, vbad.json.id)).last.status, /2207026/);
  envelope(await simFetch(sim, 'POST', G(`/${IG}/media_publish?creation_id=${vbad.json.id}&access_token=${tok}`)), 9007, 2207027);
  await sim.admin('POST', '/_sim/processing', { platform: 'instagram', polls: 1, fail: true });
  const vfail = await create({ media_type: 'REELS', video_url: `${media.url}/clip.mp4` });
  const sf = await poll(tok, vfail.json.id);
  assert.deepEqual(sf.seen, ['IN_PROGRESS', 'ERROR']);
  await sim.admin('POST', '/_sim/processing', { platform: 'instagram', polls: 0, fail: false });

  // A container not published within 24 h expires.
  const stale = await create({ image_url: `${media.url}/photo.jpg` });
  await sim.admin('POST', '/_sim/clock', { advance_s: 24 * 3600 + 1 });
  const tok2 = await login();
  assert.equal((await poll(tok2, stale.json.id, 'EXPIRED')).last.status_code, 'EXPIRED');
  envelope(await simFetch(sim, 'POST', G(`/${IG}/media_publish?creation_id=${stale.json.id}&access_token=${tok2}`)), -2, 2207020);
  envelope(await simFetch(sim, 'POST', G(`/${IG}/media_publish?creation_id=999&access_token=${tok2}`)), 24, 2207008);
  const other = await simFetch(sim, 'GET', G(`/17841499999999999?fields=username&access_token=${tok2}`));
  const e = envelope(other, 100, 33);
  assert.equal(e.type, 'IGApiException');
});

test('metrics grow with simulated time; unknown metric refused', async () => {
  await sim.admin('POST', '/_sim/processing', { platform: 'instagram', polls: 0 });
  const tok = await login();
  const c = await simFetch(sim, 'POST', G(`/${IG}/media?${q({ image_url: `${media.url}/photo.jpg`, caption: 'Metrics', access_token: tok })}`));
  const pub = await simFetch(sim, 'POST', G(`/${IG}/media_publish?creation_id=${c.json.id}&access_token=${tok}`));
  const read = async () => {
    const r = await simFetch(sim, 'GET', G(`/${pub.json.id}/insights?metric=views,reach,saved,likes,comments,shares&access_token=${tok}`));
    assert.equal(r.status, 200, r.text);
    return Object.fromEntries(r.json.data.map((d) => [d.name, d.values[0].value]));
  };
  const zero = await read();
  assert.deepEqual(Object.values(zero), [0, 0, 0, 0, 0, 0]);
  await sim.admin('POST', '/_sim/clock', { advance_s: 2 * 3600 });
  const later = await read();
  for (const [k, v] of Object.entries(later)) assert.ok(v > 0, `${k} grew`);
  assert.ok(later.views >= later.reach && later.reach > later.likes);
  const fields = await simFetch(sim, 'GET', G(`/${pub.json.id}?fields=like_count,comments_count&access_token=${tok}`));
  assert.equal(fields.json.like_count, later.likes);
  assert.equal(fields.json.comments_count, later.comments);
  await sim.admin('POST', '/_sim/clock', { advance_s: 3600 });
  assert.ok((await read()).views > later.views);

  const bad = await simFetch(sim, 'GET', G(`/${pub.json.id}/insights?metric=impressions&access_token=${tok}`));
  assert.match(envelope(bad, 100).message, /metric\[0\] must be one of the following values/);
  const acct = await simFetch(sim, 'GET', G(`/${IG}/insights?metric=reach,views&period=day&metric_type=total_value&access_token=${tok}`));
  assert.equal(acct.status, 200, acct.text);
  assert.ok(acct.json.data[0].total_value.value >= 0);
});

test('publishing limit: 50 per moving 24 h (2207042)', async () => {
  await sim.admin('POST', '/_sim/reset');
  await sim.admin('POST', '/_sim/processing', { platform: 'instagram', polls: 0 });
  const tok = await login();
  const one = async (i) => {
    const c = await simFetch(sim, 'POST', G(`/${IG}/media?${q({ image_url: `${media.url}/photo.jpg`, caption: `n${i}`, access_token: tok })}`));
    assert.equal(c.status, 200, c.text);
    return simFetch(sim, 'POST', G(`/${IG}/media_publish?creation_id=${c.json.id}&access_token=${tok}`));
  };
  for (let i = 0; i < 50; i++) assert.equal((await one(i)).status, 200);
  const over = await one(50);
  assert.equal(over.status, 400);
  envelope(over, 9, 2207042);
  const limit = await simFetch(sim, 'GET', G(`/${IG}/content_publishing_limit?access_token=${tok}`));
  assert.deepEqual(limit.json, { data: [{ quota_usage: 50 }] });
  await sim.admin('POST', '/_sim/clock', { advance_s: 24 * 3600 });
  const tok2 = await login();
  const c = await simFetch(sim, 'POST', G(`/${IG}/media?${q({ image_url: `${media.url}/photo.jpg`, access_token: tok2 })}`));
  assert.equal((await simFetch(sim, 'POST', G(`/${IG}/media_publish?creation_id=${c.json.id}&access_token=${tok2}`))).status, 200);
});

test('scope refusal, 429 with usage headers, injected 500 in the Graph envelope', async () => {
  const loc = await authorize({ scope: 'instagram_business_basic' });
  const short = await exchange(loc.searchParams.get('code'));
  const basic = short.json.access_token;
  const refused = await simFetch(sim, 'POST', G(`/${IG}/media?${q({ image_url: `${media.url}/photo.jpg`, access_token: basic })}`));
  assert.equal(refused.status, 403);
  envelope(refused, 10);

  await sim.admin('POST', '/_sim/ratelimit', { platform: 'instagram', limit: 1, window_s: 60 });
  assert.equal((await simFetch(sim, 'GET', G(`/me?access_token=${basic}`))).status, 200);
  const limited = await simFetch(sim, 'GET', G(`/me?access_token=${basic}`));
  assert.equal(limited.status, 429);
  envelope(limited, 4);
  assert.equal(JSON.parse(limited.headers.get('x-app-usage')).call_count, 100);
  await sim.admin('POST', '/_sim/ratelimit', { platform: 'instagram', limit: 0, window_s: 60 });

  await sim.admin('POST', '/_sim/faults', { platform: 'instagram', path: '/media_publish', status: 500 });
  const broken = await simFetch(sim, 'POST', G(`/${IG}/media_publish?creation_id=1&access_token=${basic}`));
  assert.equal(broken.status, 500);
  assert.equal(envelope(broken, 1, 99).message, 'An unknown error occurred');
});
