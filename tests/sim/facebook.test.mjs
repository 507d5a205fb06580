// The simulated Facebook (www.facebook.com, graph.facebook.com, rupload.facebook.com):
// OAuth, Page tokens, publishing, processing, metrics and the strict refusals.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startSim, simFetch } from '../lib/sim.mjs';

const APP = 'p2s-sim-facebook';
const SECRET = 'p2s-sim-facebook-secret';
const REDIRECT = 'http://127.0.0.1:9/oauth/facebook/callback';
const USER = '10150000000000001';
const PAGE = '20150000000000001';
const PAGE2 = '20150000000000002';
const IG = '17841400000000001';
const SCOPES = [
  'pages_show_list',
  'business_management',
  'pages_manage_posts',
  'pages_manage_engagement',
  'pages_read_engagement',
  'read_insights',
  'instagram_basic',
  'instagram_content_publish',
  'instagram_manage_insights',
].join(',');

// A 64x64 JPEG, and an MP4 header (ftyp box) with some bytes after it.
const JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCABAAEADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwBtFFFeWeyFFFFABRRRQAUUUUAFFFFABRRRQAUUUUAFFFFABRRRQAUUUUAFFFFABRRRQAUUUUAFFFFABRRRQAUUUUAf/9k=',
  'base64',
);
const MP4 = Buffer.concat([
  Buffer.from('000000186674797069736f6d0000020069736f6d6d703431', 'hex'),
  Buffer.alloc(2048, 7),
]);

let sim;
let media; // { server, url, dead }

async function mediaServer() {
  const server = http.createServer((req, res) => {
    if (req.url.startsWith('/photo.jpg')) res.writeHead(200, { 'Content-Type': 'image/jpeg' }).end(JPEG);
    else if (req.url.startsWith('/clip.mp4')) res.writeHead(200, { 'Content-Type': 'video/mp4' }).end(MP4);
    else if (req.url.startsWith('/page.html'))
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><p>not media</p>');
    else res.writeHead(404).end();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  // A port nobody listens on, for the unreachable case.
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

const G = (path) => `/facebook/graph/v20.0${path}`;
const q = (o) => new URLSearchParams(o).toString();

function envelope(r, code, subcode) {
  assert.ok(r.json && r.json.error, `expected a Graph error, got ${r.status} ${r.text}`);
  const e = r.json.error;
  assert.equal(e.code, code, r.text);
  if (subcode === undefined) assert.equal(e.error_subcode, undefined, r.text);
  else assert.equal(e.error_subcode, subcode, r.text);
  assert.equal(typeof e.message, 'string');
  assert.equal(typeof e.type, 'string');
  assert.match(e.fbtrace_id, /^[A-Za-z0-9_-]{6,}$/);
  return e;
}

async function authorize({ scope = SCOPES, redirect = REDIRECT, approve = 'allow', state = 'st-1', extra = {} } = {}) {
  const r = await simFetch(
    sim,
    'GET',
    `/facebook/www/v20.0/dialog/oauth?${q({ client_id: APP, redirect_uri: redirect, state, scope, sim_approve: approve, ...extra })}`,
  );
  assert.equal(r.status, 302, r.text);
  return new URL(r.headers.get('location'));
}

async function exchange(code, over = {}) {
  return simFetch(
    sim,
    'GET',
    G(`/oauth/access_token?${q({ client_id: APP, redirect_uri: REDIRECT, client_secret: SECRET, code, ...over })}`),
  );
}

/** A full login: short token, long token, page tokens. */
async function login(scope = SCOPES) {
  const loc = await authorize({ scope });
  const short = await exchange(loc.searchParams.get('code'));
  assert.equal(short.status, 200, short.text);
  const long = await simFetch(
    sim,
    'GET',
    G(`/oauth/access_token?${q({ grant_type: 'fb_exchange_token', client_id: APP, client_secret: SECRET, fb_exchange_token: short.json.access_token })}`),
  );
  assert.equal(long.status, 200, long.text);
  const acc = await simFetch(
    sim,
    'GET',
    G(`/me/accounts?${q({ fields: 'id,name,access_token,instagram_business_account', access_token: long.json.access_token })}`),
  );
  assert.equal(acc.status, 200, acc.text);
  const page = acc.json.data.find((p) => p.id === PAGE);
  return { short: short.json.access_token, user: long.json.access_token, page: page?.access_token, accounts: acc.json };
}

test('OAuth: dialog → code → short-lived token → 60-day token → me, permissions, pages, IG account', async () => {
  const loc = await authorize();
  assert.equal(loc.origin + loc.pathname, REDIRECT);
  assert.equal(loc.searchParams.get('state'), 'st-1');
  assert.match(loc.searchParams.get('code'), /^AQ/);
  assert.equal(loc.hash, '#_=_');

  const short = await exchange(loc.searchParams.get('code'));
  assert.equal(short.status, 200, short.text);
  assert.equal(short.json.token_type, 'bearer');
  assert.ok(short.json.expires_in >= 3600 && short.json.expires_in <= 7200, short.text);

  const long = await simFetch(
    sim,
    'GET',
    G(`/oauth/access_token?${q({ grant_type: 'fb_exchange_token', client_id: APP, client_secret: SECRET, fb_exchange_token: short.json.access_token })}`),
  );
  assert.equal(long.status, 200, long.text);
  assert.deepEqual(Object.keys(long.json).sort(), ['access_token', 'expires_in', 'token_type']);
  assert.equal(long.json.expires_in, 5183944);
  const tok = long.json.access_token;

  const me = await simFetch(sim, 'GET', G(`/me?access_token=${tok}`));
  assert.deepEqual(me.json, { name: 'Sim Demo', id: USER });
  const meFields = await simFetch(sim, 'GET', `/facebook/graph/v23.0/me?fields=id,name,picture&access_token=${tok}`);
  assert.equal(meFields.headers.get('facebook-api-version'), 'v23.0');
  assert.match(meFields.json.picture.data.url, /\.png$/);

  const perms = await simFetch(sim, 'GET', G('/me/permissions'), { headers: { Authorization: `Bearer ${tok}` } });
  assert.equal(perms.status, 200, perms.text);
  const granted = perms.json.data.filter((p) => p.status === 'granted').map((p) => p.permission);
  for (const s of SCOPES.split(',')) assert.ok(granted.includes(s), `${s} granted`);

  const acc = await simFetch(
    sim,
    'GET',
    G(`/me/accounts?${q({ fields: 'id,username,name,access_token,picture.type(large),instagram_business_account', limit: 100, access_token: tok })}`),
  );
  assert.equal(acc.status, 200, acc.text);
  assert.equal(acc.json.data.length, 2);
  const [coffee, bikes] = acc.json.data;
  assert.equal(coffee.id, PAGE);
  assert.equal(coffee.name, 'Sim Coffee Roasters');
  assert.equal(coffee.username, 'simcoffee');
  assert.deepEqual(coffee.instagram_business_account, { id: IG });
  assert.ok(coffee.access_token && coffee.access_token !== tok);
  assert.equal(bikes.id, PAGE2);
  assert.equal(bikes.instagram_business_account, undefined);
  assert.ok(acc.json.paging.cursors.before && acc.json.paging.cursors.after);
  assert.equal(acc.json.paging.next, undefined);

  // Paging: one page per call, "next" carries on.
  const one = await simFetch(sim, 'GET', G(`/me/accounts?${q({ fields: 'id', limit: 1, access_token: tok })}`));
  assert.equal(one.json.data.length, 1);
  const next = new URL(one.json.paging.next);
  const two = await simFetch(sim, 'GET', next.pathname + next.search);
  assert.deepEqual(two.json.data, [{ id: PAGE2 }]);

  // The picture is a PNG the simulator serves.
  const pic = await simFetch(sim, 'GET', new URL(coffee.picture.data.url).pathname);
  assert.equal(pic.status, 200);
  assert.equal(pic.headers.get('content-type'), 'image/png');

  // The Page token never expires and reads the page; the IG account profile.
  const page = await simFetch(sim, 'GET', G(`/${PAGE}?fields=id,name,username,fan_count&access_token=${coffee.access_token}`));
  assert.equal(page.json.username, 'simcoffee');
  const ig = await simFetch(sim, 'GET', G(`/${IG}?fields=username,name,profile_picture_url&access_token=${tok}`));
  assert.equal(ig.status, 200, ig.text);
  assert.equal(ig.json.username, 'simcoffee');
  assert.equal(ig.json.id, IG);
  assert.match(ig.json.profile_picture_url, /^http/);
  const toks = await sim.admin('GET', '/_sim/tokens?platform=facebook');
  const rec = toks.items.find((t) => t.token === coffee.access_token);
  assert.equal(rec.expires_at, 0);
});

test('OAuth: consent page, deny, and the dialog refusals', async () => {
  const page = await simFetch(sim, 'GET', `/facebook/www/v20.0/dialog/oauth?${q({ client_id: APP, redirect_uri: REDIRECT, state: 'x', scope: SCOPES })}`);
  assert.equal(page.status, 200);
  assert.match(page.text, /id="allow"/);
  assert.match(page.text, /sim_approve=allow/);

  const denied = await authorize({ approve: 'deny', state: 'st-deny' });
  assert.equal(denied.searchParams.get('error'), 'access_denied');
  assert.equal(denied.searchParams.get('error_reason'), 'user_denied');
  assert.ok(denied.searchParams.get('error_description'));
  assert.equal(denied.searchParams.get('state'), 'st-deny');
  assert.equal(denied.searchParams.get('code'), null);

  const badApp = await simFetch(sim, 'GET', `/facebook/www/v20.0/dialog/oauth?${q({ client_id: 'nope', redirect_uri: REDIRECT, scope: SCOPES })}`);
  assert.equal(badApp.status, 400);
  assert.match(badApp.text, /Invalid App ID/);
  const badScope = await simFetch(sim, 'GET', `/facebook/www/v20.0/dialog/oauth?${q({ client_id: APP, redirect_uri: REDIRECT, scope: 'pages_show_list,manage_pages,publish_pages', sim_approve: 'allow' })}`);
  assert.equal(badScope.status, 400);
  assert.match(badScope.text, /Invalid Scopes: manage_pages, publish_pages/);
});

test('OAuth refusals: redirect_uri mismatch, reused code, expired code, wrong secret, unknown app', async () => {
  let loc = await authorize();
  const mismatch = await exchange(loc.searchParams.get('code'), { redirect_uri: REDIRECT + '/' });
  assert.equal(mismatch.status, 400);
  assert.match(envelope(mismatch, 100, 36008).message, /redirect_uri is\s+identical/);
  // The code survives a refused exchange and works once.
  const ok = await exchange(loc.searchParams.get('code'));
  assert.equal(ok.status, 200, ok.text);
  const reused = await exchange(loc.searchParams.get('code'));
  assert.equal(envelope(reused, 100, 36009).message, 'This authorization code has been used.');

  loc = await authorize();
  const wrongSecret = await exchange(loc.searchParams.get('code'), { client_secret: 'wrong' });
  assert.equal(envelope(wrongSecret, 1).message, 'Error validating client secret.');
  const unknownApp = await exchange(loc.searchParams.get('code'), { client_id: 'someone-else' });
  envelope(unknownApp, 101);
  await sim.admin('POST', '/_sim/clock', { advance_s: 601 });
  const expired = await exchange(loc.searchParams.get('code'));
  assert.equal(envelope(expired, 100, 36007).message, 'This authorization code has expired.');
  const garbage = await exchange('AQnot-a-code');
  envelope(garbage, 100);
});

test('tokens: expired (190/463), invalid (190), revoked (190/460), app removed (190/458)', async () => {
  const { short, user, page } = await login();
  const invalid = await simFetch(sim, 'GET', G('/me?access_token=EAAnonsense'));
  assert.equal(invalid.status, 400);
  assert.equal(envelope(invalid, 190).message, 'Invalid OAuth access token - Cannot parse access token');
  assert.match(invalid.headers.get('www-authenticate'), /invalid_token/);
  const missing = await simFetch(sim, 'GET', G(`/${PAGE}/feed`));
  envelope(missing, 104);

  // A short-lived token runs out; it can be exchanged no more.
  await sim.admin('POST', '/_sim/clock', { advance_s: 2 * 3600 });
  const exp = await simFetch(sim, 'GET', G(`/me?access_token=${short}`));
  assert.equal(exp.status, 400);
  const e = envelope(exp, 190, 463);
  assert.equal(e.type, 'OAuthException');
  assert.match(e.message, /^Error validating access token: Session has expired on \w+day, \d\d-\w{3}-\d\d \d\d:\d\d:\d\d P[SD]T\. The current time is/);
  const noExchange = await simFetch(
    sim,
    'GET',
    G(`/oauth/access_token?${q({ grant_type: 'fb_exchange_token', client_id: APP, client_secret: SECRET, fb_exchange_token: short })}`),
  );
  envelope(noExchange, 190, 463);
  // The long-lived one and the Page token still work.
  assert.equal((await simFetch(sim, 'GET', G(`/me?access_token=${user}`))).status, 200);
  assert.equal((await simFetch(sim, 'GET', G(`/${PAGE}/published_posts?access_token=${page}`))).status, 200);

  // Expired and revoked through the admin API.
  const other = await login();
  await sim.admin('POST', '/_sim/tokens/expire', { token: other.user });
  envelope(await simFetch(sim, 'GET', G(`/me?access_token=${other.user}`)), 190, 463);
  const third = await login();
  await sim.admin('POST', '/_sim/tokens/revoke', { token: third.user });
  const rev = await simFetch(sim, 'GET', G(`/me?access_token=${third.user}`));
  assert.match(envelope(rev, 190, 460).message, /session has been invalidated/);
  envelope(await simFetch(sim, 'GET', G(`/${PAGE}?access_token=${third.page}`)), 190, 460);

  // The user removes the app: every token of theirs stops working.
  const del = await simFetch(sim, 'DELETE', G(`/me/permissions?access_token=${user}`));
  assert.deepEqual(del.json, { success: true });
  const gone = await simFetch(sim, 'GET', G(`/me?access_token=${user}`));
  assert.match(envelope(gone, 190, 458).message, /has not authorized application/);
  envelope(await simFetch(sim, 'GET', G(`/${PAGE}/feed?access_token=${page}`)), 190, 458);
});

test('publishing text: JSON body, permalink, duplicate refused, user token refused, lists', async () => {
  const { user, page } = await login();
  const text = `Fresh beans today ${Date.now()}`;
  const r = await simFetch(sim, 'POST', G(`/${PAGE}/feed?fields=id,permalink_url&access_token=${page}`), {
    json: { message: text, published: true },
  });
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.id, new RegExp(`^${PAGE}_\\d+$`));
  assert.match(r.json.permalink_url, /^https:\/\/www\.facebook\.com\//);
  const usage = JSON.parse(r.headers.get('x-app-usage'));
  assert.deepEqual(Object.keys(usage).sort(), ['call_count', 'total_cputime', 'total_time']);
  const buc = JSON.parse(r.headers.get('x-business-use-case-usage'));
  assert.equal(buc[PAGE][0].type, 'pages');
  assert.equal(typeof buc[PAGE][0].estimated_time_to_regain_access, 'number');

  const dup = await simFetch(sim, 'POST', G(`/${PAGE}/feed?access_token=${page}`), { json: { message: text } });
  assert.equal(dup.status, 400);
  assert.equal(envelope(dup, 506, 1455006).message, '(#506) Duplicate status message');

  const asUser = await simFetch(sim, 'POST', G(`/${PAGE}/feed?access_token=${user}`), { json: { message: 'as user' } });
  assert.equal(asUser.status, 403);
  envelope(asUser, 200);
  const empty = await simFetch(sim, 'POST', G(`/${PAGE}/feed?access_token=${page}`), { json: {} });
  envelope(empty, 100);

  // Form body and link.
  const link = await simFetch(sim, 'POST', G(`/${PAGE}/feed`), {
    form: { message: 'Read our story', link: 'https://example.com/story', access_token: page },
  });
  assert.equal(link.status, 200, link.text);

  const list = await simFetch(sim, 'GET', G(`/${PAGE}/published_posts?fields=id,message,created_time,permalink_url&limit=2&access_token=${page}`));
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.data[0].id, link.json.id);
  assert.equal(list.json.data[1].id, r.json.id);
  assert.equal(list.json.data[1].message, text);
  assert.match(list.json.data[1].created_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);
  const feed = await simFetch(sim, 'GET', G(`/${PAGE}/feed?access_token=${page}`));
  assert.ok(feed.json.data.some((p) => p.id === r.json.id));
  const userRead = await simFetch(sim, 'GET', G(`/${PAGE}/feed?access_token=${user}`));
  envelope(userRead, 10);

  const posts = await sim.admin('GET', '/_sim/posts?platform=facebook');
  const rec = posts.items.find((p) => p.id === r.json.id);
  assert.equal(rec.text, text);
  assert.equal(rec.kind, 'feed');
  assert.equal(rec.account, PAGE);
  assert.equal(rec.account_name, 'Sim Coffee Roasters');
  assert.match(rec.url, /^https:\/\/www\.facebook\.com\//);

  const bad = await simFetch(sim, 'GET', G(`/${r.json.id}?fields=message,nonsense&access_token=${page}`));
  assert.match(envelope(bad, 100).message, /nonexisting field \(nonsense\) on node type \(Post\)/);
  const nothing = await simFetch(sim, 'GET', G(`/${PAGE}_999?access_token=${page}`));
  const ne = envelope(nothing, 100, 33);
  assert.equal(ne.type, 'GraphMethodException');
  assert.match(ne.message, /^Unsupported get request\. Object with ID/);
});

test('publishing photos: single, unpublished + attached_media, unreachable and non-image URLs', async () => {
  const { page } = await login();
  const one = await simFetch(sim, 'POST', G(`/${PAGE}/photos?access_token=${page}`), {
    json: { url: `${media.url}/photo.jpg`, caption: 'Our roaster', published: true },
  });
  assert.equal(one.status, 200, one.text);
  assert.match(one.json.id, /^\d+$/);
  assert.equal(one.json.post_id, `${PAGE}_${one.json.id}`);

  const ids = [];
  for (let i = 0; i < 2; i++) {
    const r = await simFetch(sim, 'POST', G(`/${PAGE}/photos?access_token=${page}`), {
      json: { url: `${media.url}/photo.jpg`, published: false },
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.json), ['id']);
    ids.push(r.json.id);
  }
  const post = await simFetch(sim, 'POST', G(`/${PAGE}/feed?access_token=${page}`), {
    json: { message: 'Two photos', attached_media: ids.map((id) => ({ media_fbid: id })), published: true },
  });
  assert.equal(post.status, 200, post.text);
  const again = await simFetch(sim, 'POST', G(`/${PAGE}/feed?access_token=${page}`), {
    json: { message: 'Reuse', attached_media: [{ media_fbid: ids[0] }] },
  });
  envelope(again, 100);
  const posts = await sim.admin('GET', '/_sim/posts?platform=facebook');
  const rec = posts.items.find((p) => p.id === post.json.id);
  assert.equal(rec.media.length, 2);
  const bytes = await simFetch(sim, 'GET', `/_sim/media/${rec.media[0]}`);
  assert.deepEqual(bytes.bytes, JPEG);

  const dead = await simFetch(sim, 'POST', G(`/${PAGE}/photos?access_token=${page}`), {
    json: { url: `${media.dead}/photo.jpg`, published: true },
  });
  assert.equal(dead.status, 400);
  envelope(dead, 324, 2069019);
  const html = await simFetch(sim, 'POST', G(`/${PAGE}/photos?access_token=${page}`), {
    json: { url: `${media.url}/page.html` },
  });
  envelope(html, 324, 1366046);
});

test('publishing video: processing polls, ready, failure, refusals; reels and stories through rupload', async () => {
  const { page } = await login();
  await sim.admin('POST', '/_sim/processing', { platform: 'facebook', polls: 2 });
  const v = await simFetch(sim, 'POST', G(`/${PAGE}/videos?fields=id,permalink_url&access_token=${page}`), {
    json: { file_url: `${media.url}/clip.mp4`, description: 'Latte art', published: true },
  });
  assert.equal(v.status, 200, v.text);
  const states = [];
  for (let i = 0; i < 3; i++) {
    const s = await simFetch(sim, 'GET', G(`/${v.json.id}?fields=status&access_token=${page}`));
    assert.equal(s.status, 200, s.text);
    states.push(s.json.status.video_status);
  }
  assert.deepEqual(states, ['processing', 'processing', 'ready']);
  let posts = await sim.admin('GET', '/_sim/posts?platform=facebook');
  assert.ok(posts.items.some((p) => p.kind === 'video' && p.text === 'Latte art'));

  await sim.admin('POST', '/_sim/processing', { platform: 'facebook', polls: 0, fail: true });
  const bad = await simFetch(sim, 'POST', G(`/${PAGE}/videos?access_token=${page}`), {
    json: { file_url: `${media.url}/clip.mp4`, description: 'Doomed' },
  });
  const st = await simFetch(sim, 'GET', G(`/${bad.json.id}?fields=status&access_token=${page}`));
  assert.equal(st.json.status.video_status, 'error');
  posts = await sim.admin('GET', '/_sim/posts?platform=facebook');
  assert.ok(!posts.items.some((p) => p.text === 'Doomed'));
  await sim.admin('POST', '/_sim/processing', { platform: 'facebook', polls: 1, fail: false });

  envelope(await simFetch(sim, 'POST', G(`/${PAGE}/videos?access_token=${page}`), { json: { file_url: `${media.dead}/clip.mp4` } }), 389);
  envelope(await simFetch(sim, 'POST', G(`/${PAGE}/videos?access_token=${page}`), { json: { file_url: `${media.url}/photo.jpg` } }), 352);

  // Reel: start → rupload (file_url header) → finish.
  const start = await simFetch(sim, 'POST', G(`/${PAGE}/video_reels?upload_phase=start&access_token=${page}`));
  assert.equal(start.status, 200, start.text);
  const early = await simFetch(sim, 'POST', G(`/${PAGE}/video_reels?${q({ upload_phase: 'finish', video_id: start.json.video_id, video_state: 'PUBLISHED', access_token: page })}`));
  envelope(early, 6000);
  const up = new URL(start.json.upload_url);
  const noAuth = await simFetch(sim, 'POST', up.pathname, { headers: { file_url: `${media.url}/clip.mp4` } });
  assert.equal(noAuth.status, 401);
  const upload = await simFetch(sim, 'POST', up.pathname, {
    headers: { Authorization: `OAuth ${page}`, file_url: `${media.url}/clip.mp4` },
  });
  assert.deepEqual(upload.json, { success: true });
  const fin = await simFetch(sim, 'POST', G(`/${PAGE}/video_reels?${q({ upload_phase: 'finish', video_id: start.json.video_id, video_state: 'PUBLISHED', description: 'Reel time', access_token: page })}`));
  assert.deepEqual(fin.json, { success: true });

  // Story: bytes in the body.
  const s2 = await simFetch(sim, 'POST', G(`/${PAGE}/video_stories?upload_phase=start&access_token=${page}`));
  const up2 = new URL(s2.json.upload_url);
  const upload2 = await simFetch(sim, 'POST', up2.pathname, {
    headers: { Authorization: `OAuth ${page}`, offset: '0', file_size: String(MP4.length) },
    body: MP4,
  });
  assert.deepEqual(upload2.json, { success: true });
  const fin2 = await simFetch(sim, 'POST', G(`/${PAGE}/video_stories?${q({ upload_phase: 'finish', video_id: s2.json.video_id, access_token: page })}`));
  assert.equal(fin2.json.success, true);
  assert.match(fin2.json.post_id, new RegExp(`^${PAGE}_`));
  posts = await sim.admin('GET', '/_sim/posts?platform=facebook');
  assert.ok(posts.items.some((p) => p.kind === 'reel' && p.text === 'Reel time' && /\/reel\//.test(p.url)));
  assert.ok(posts.items.some((p) => p.kind === 'story'));
});

test('metrics grow with simulated time; insights refusals', async () => {
  const { page } = await login();
  const r = await simFetch(sim, 'POST', G(`/${PAGE}/feed?access_token=${page}`), { json: { message: `Metrics ${Date.now()}` } });
  const id = r.json.id;
  const metrics = 'post_total_media_view_unique,post_reactions_by_type_total,post_clicks,post_clicks_by_type';
  const read = async () => {
    const i = await simFetch(sim, 'GET', `/facebook/graph/v23.0/${id}/insights?metric=${metrics}&access_token=${page}`);
    assert.equal(i.status, 200, i.text);
    return Object.fromEntries(i.json.data.map((d) => [d.name, d.values[0].value]));
  };
  const first = await read();
  assert.equal(first.post_clicks, 0);
  const counts = async () =>
    (await simFetch(sim, 'GET', G(`/${id}?fields=shares,reactions.summary(total_count),comments.summary(total_count)&access_token=${page}`))).json;
  const c0 = await counts();
  assert.equal(c0.reactions.summary.total_count, 0);
  assert.equal(c0.shares, undefined);

  await sim.admin('POST', '/_sim/clock', { advance_s: 3 * 3600 });
  const later = await read();
  assert.ok(later.post_total_media_view_unique > 100, JSON.stringify(later));
  assert.ok(later.post_clicks > 0);
  const reactions = Object.values(later.post_reactions_by_type_total).reduce((a, b) => a + b, 0);
  assert.ok(reactions > 0);
  const c1 = await counts();
  assert.equal(c1.reactions.summary.total_count, reactions);
  assert.ok(c1.comments.summary.total_count > 0);
  assert.ok(c1.shares.count > 0);
  await sim.admin('POST', '/_sim/clock', { advance_s: 3600 });
  const more = await read();
  assert.ok(more.post_total_media_view_unique > later.post_total_media_view_unique);

  const bogus = await simFetch(sim, 'GET', G(`/${id}/insights?metric=post_nonsense&access_token=${page}`));
  assert.equal(envelope(bogus, 100).message, '(#100) The value must be a valid insights metric');
});

test('IG through Facebook Login: container, polling, publish, permalink, scope refusal', async () => {
  await sim.admin('POST', '/_sim/processing', { platform: 'instagram', polls: 1 });
  const { user, page } = await login();
  const c = await simFetch(sim, 'POST', G(`/${IG}/media?${q({ image_url: `${media.url}/photo.jpg`, caption: 'From FB login', access_token: page })}`));
  assert.equal(c.status, 200, c.text);
  const early = await simFetch(sim, 'POST', G(`/${IG}/media_publish?creation_id=${c.json.id}&access_token=${user}`));
  envelope(early, 9007, 2207027);
  const s1 = await simFetch(sim, 'GET', G(`/${c.json.id}?fields=status_code,status&access_token=${user}`));
  assert.equal(s1.json.status_code, 'IN_PROGRESS');
  const s2 = await simFetch(sim, 'GET', G(`/${c.json.id}?fields=status_code&access_token=${user}`));
  assert.equal(s2.json.status_code, 'FINISHED');
  const pub = await simFetch(sim, 'POST', G(`/${IG}/media_publish?creation_id=${c.json.id}&access_token=${user}`));
  assert.equal(pub.status, 200, pub.text);
  const link = await simFetch(sim, 'GET', G(`/${pub.json.id}?fields=permalink&access_token=${user}`));
  assert.match(link.json.permalink, /^https:\/\/www\.instagram\.com\/p\/[A-Za-z0-9_-]+\/$/);
  assert.equal(link.json.id, pub.json.id);

  const narrow = await login('pages_show_list,pages_read_engagement,instagram_basic');
  const refused = await simFetch(sim, 'POST', G(`/${IG}/media?${q({ image_url: `${media.url}/photo.jpg`, access_token: narrow.user })}`));
  assert.equal(refused.status, 403);
  envelope(refused, 10);
  // The bike shop's Page token has no Instagram account.
  const acc = narrow.accounts.data.find((p) => p.id === PAGE2);
  const foreign = await simFetch(sim, 'GET', G(`/${IG}?fields=username&access_token=${acc.access_token}`));
  envelope(foreign, 100, 33);
});

test('429 with usage headers after /_sim/ratelimit; injected 500 in the Graph envelope', async () => {
  const { user } = await login();
  await sim.admin('POST', '/_sim/ratelimit', { platform: 'facebook', limit: 2, window_s: 60 });
  const a = await simFetch(sim, 'GET', G(`/me?access_token=${user}`));
  assert.equal(a.status, 200);
  assert.equal(JSON.parse(a.headers.get('x-app-usage')).call_count, 50);
  await simFetch(sim, 'GET', G(`/me?access_token=${user}`));
  const limited = await simFetch(sim, 'GET', G(`/me?access_token=${user}`));
  assert.equal(limited.status, 429);
  const e = envelope(limited, 4);
  assert.equal(e.is_transient, true);
  assert.match(e.message, /request limit reached/);
  assert.equal(JSON.parse(limited.headers.get('x-app-usage')).call_count, 100);
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
  await sim.admin('POST', '/_sim/ratelimit', { platform: 'facebook', limit: 0, window_s: 60 });

  await sim.admin('POST', '/_sim/faults', { platform: 'facebook', path: '/me', status: 500 });
  const broken = await simFetch(sim, 'GET', G(`/me?access_token=${user}`));
  assert.equal(broken.status, 500);
  assert.equal(envelope(broken, 1, 99).message, 'An unknown error occurred');
  const fine = await simFetch(sim, 'GET', G(`/me?access_token=${user}`));
  assert.equal(fine.status, 200);
});
