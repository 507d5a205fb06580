// The simulator's X (Twitter) API v2 module: OAuth 2.0 with PKCE, posting, v2 media upload,
// metrics, and each refusal the real API makes (PLATFORMS.md section 5).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startSim, simFetch } from '../lib/sim.mjs';

const CLIENT = 'p2s-sim-x';
const SECRET = 'p2s-sim-x-secret';
const REDIRECT = 'http://127.0.0.1:8080/api/oauth/x/callback';
const BASIC = 'Basic ' + Buffer.from(`${CLIENT}:${SECRET}`).toString('base64');
const SCOPES = 'tweet.read tweet.write users.read media.write offline.access';
const USER_ID = '1500000000000000001';
const UNAUTHORIZED = {
  title: 'Unauthorized',
  type: 'about:blank',
  status: 401,
  detail: 'Unauthorized',
};
const BAD_CODE = {
  error: 'invalid_request',
  error_description: 'Value passed for the authorization code was invalid.',
};

let sim;
before(async () => {
  sim = await startSim();
});
after(async () => {
  await sim?.stop();
});

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

function authorizeQuery(o = {}) {
  const q = {
    response_type: 'code',
    client_id: CLIENT,
    redirect_uri: REDIRECT,
    scope: SCOPES,
    state: 'state-' + randomBytes(6).toString('hex'),
    code_challenge_method: 'S256',
    sim_approve: 'allow',
    ...o,
  };
  for (const k of Object.keys(q)) if (q[k] === undefined) delete q[k];
  return q;
}

async function authorize(o = {}, host = '/x/www/i/oauth2/authorize') {
  return simFetch(sim, 'GET', `${host}?${new URLSearchParams(authorizeQuery(o))}`);
}

/** A fresh code for a challenge (asserting the redirect carries state and code). */
async function getCode(challenge, o = {}) {
  const state = 'st-' + randomBytes(4).toString('hex');
  const r = await authorize({ code_challenge: challenge, state, ...o });
  assert.equal(r.status, 302, r.text);
  const loc = new URL(r.headers.get('location'));
  assert.equal(`${loc.origin}${loc.pathname}`, o.redirect_uri || REDIRECT);
  assert.equal(loc.searchParams.get('state'), state);
  const code = loc.searchParams.get('code');
  assert.ok(code);
  return code;
}

function exchange(code, verifier, { redirect = REDIRECT, auth = BASIC } = {}) {
  return simFetch(sim, 'POST', '/x/api/2/oauth2/token', {
    headers: auth ? { Authorization: auth } : {},
    form: {
      code,
      grant_type: 'authorization_code',
      redirect_uri: redirect,
      code_verifier: verifier,
    },
  });
}

function refresh(token, auth = BASIC) {
  return simFetch(sim, 'POST', '/x/api/2/oauth2/token', {
    headers: auth ? { Authorization: auth } : {},
    form: { grant_type: 'refresh_token', refresh_token: token },
  });
}

async function login(scope = SCOPES) {
  const { verifier, challenge } = pkce();
  const code = await getCode(challenge, { scope });
  const r = await exchange(code, verifier);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

function api(token, method, path, opts = {}) {
  return simFetch(sim, method, '/x/api' + path, {
    ...opts,
    headers: { Authorization: `Bearer ${token}`, ...(opts.headers || {}) },
  });
}

// A small valid PNG (so uploads carry real image bytes).
function crc32(buf) {
  let c;
  let crc = 0xffffffff;
  for (const b of buf) {
    c = (crc ^ b) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
async function tinyPng() {
  const { deflateSync } = await import('node:zlib');
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2, 0);
  ihdr.writeUInt32BE(2, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const raw = Buffer.from([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 255]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
// Bytes that start like an MP4 file (an ftyp box), padded to n bytes.
function fakeMp4(n) {
  const b = Buffer.alloc(n, 7);
  Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x6d, 0x70, 0x34, 0x32]).copy(b);
  return b;
}

const video = (total_bytes) => ({
  media_type: 'video/mp4',
  total_bytes,
  media_category: 'tweet_video',
});

async function initUpload(token, body) {
  const r = await api(token, 'POST', '/2/media/upload/initialize', { json: body });
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.data.id, /^[0-9]{1,19}$/);
  assert.ok(r.json.data.media_key);
  assert.ok(r.json.data.expires_after_secs > 0);
  return r.json.data.id;
}

function append(token, id, index, bytes) {
  const fd = new FormData();
  fd.append('segment_index', String(index));
  fd.append('media', new Blob([bytes]), 'blob');
  return api(token, 'POST', `/2/media/upload/${id}/append`, { body: fd });
}

async function uploadImage(token) {
  const png = await tinyPng();
  const id = await initUpload(token, {
    media_type: 'image/png',
    total_bytes: png.length,
    media_category: 'tweet_image',
  });
  assert.equal((await append(token, id, 0, png)).status, 200);
  const f = await api(token, 'POST', `/2/media/upload/${id}/finalize`);
  assert.equal(f.status, 200, f.text);
  assert.equal(f.json.data.processing_info, undefined); // images are ready at once
  return id;
}

function tweet(token, body) {
  return api(token, 'POST', '/2/tweets', { json: body });
}

// ---- consent page and authorize checks ----

test('without sim_approve a consent page shows; its Allow link issues the code', async () => {
  const { challenge } = pkce();
  const r = await authorize({ code_challenge: challenge, sim_approve: undefined, state: 's1' });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/html/);
  const allow = r.text.match(/id="allow" href="([^"]+)"/)[1].replaceAll('&amp;', '&');
  const deny = r.text.match(/id="deny" href="([^"]+)"/)[1].replaceAll('&amp;', '&');
  assert.match(allow, /sim_approve=allow/);
  const a = await simFetch(sim, 'GET', allow.slice(sim.url.length));
  assert.equal(a.status, 302);
  const loc = new URL(a.headers.get('location'));
  assert.equal(loc.searchParams.get('state'), 's1');
  assert.ok(loc.searchParams.get('code'));
  const d = new URL(deny);
  assert.equal(d.searchParams.get('error'), 'access_denied');
  assert.equal(d.searchParams.get('state'), 's1');
});

test('sim_approve=deny redirects with access_denied; api.x.com serves authorize too', async () => {
  const { challenge } = pkce();
  const r = await authorize({ code_challenge: challenge, sim_approve: 'deny', state: 'xyz' });
  assert.equal(r.status, 302);
  const loc = new URL(r.headers.get('location'));
  assert.equal(loc.searchParams.get('error'), 'access_denied');
  assert.equal(loc.searchParams.get('state'), 'xyz');
  assert.equal(loc.searchParams.get('code'), null);
  const api2 = await authorize({ code_challenge: challenge }, '/x/api/2/oauth2/authorize');
  assert.equal(api2.status, 302);
  assert.ok(new URL(api2.headers.get('location')).searchParams.get('code'));
});

test('authorize refuses bad requests with an error page and no redirect', async () => {
  const { challenge } = pkce();
  const cases = [
    { client_id: 'someone-else' },
    { response_type: 'token' },
    { state: undefined },
    { state: 'x'.repeat(501) },
    { code_challenge: undefined },
    { code_challenge_method: 'S512' },
    { scope: 'tweet.read tweet.fly' },
    { redirect_uri: 'not a url' },
  ];
  for (const c of cases) {
    const r = await authorize({ code_challenge: challenge, ...c });
    assert.equal(r.status, 400, JSON.stringify(c));
    assert.equal(r.headers.get('location'), null);
  }
  const ok = await authorize({ code_challenge: challenge, state: 'y'.repeat(500) });
  assert.equal(ok.status, 302);
});

test('registered callback URLs are matched exactly when SIM_X_REDIRECT_URIS is set', async () => {
  const own = await startSim({
    env: { SIM_X_REDIRECT_URIS: `${REDIRECT},https://app.example/cb` },
  });
  try {
    const q = (ru) => {
      const query = authorizeQuery({ code_challenge: 'c'.repeat(43), redirect_uri: ru });
      return `/x/www/i/oauth2/authorize?${new URLSearchParams(query)}`;
    };
    assert.equal((await simFetch(own, 'GET', q(REDIRECT))).status, 302);
    assert.equal((await simFetch(own, 'GET', q('https://app.example/cb'))).status, 302);
    assert.equal((await simFetch(own, 'GET', q(REDIRECT + '/'))).status, 400);
    assert.equal((await simFetch(own, 'GET', q('https://app.example/cb?x=1'))).status, 400);
  } finally {
    await own.stop();
  }
});

// ---- the happy path ----

let tokens; // the current grant for the tests below

test('PKCE S256: code for token, exact token response shape, users/me', async () => {
  const { verifier, challenge } = pkce();
  const code = await getCode(challenge);
  const r = await exchange(code, verifier);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json).sort(), [
    'access_token',
    'expires_in',
    'refresh_token',
    'scope',
    'token_type',
  ]);
  assert.equal(r.json.token_type, 'bearer');
  assert.equal(r.json.expires_in, 7200);
  assert.equal(r.json.scope, SCOPES);
  tokens = r.json;

  const me = await api(tokens.access_token, 'GET', '/2/users/me');
  assert.equal(me.status, 200);
  assert.deepEqual(me.json, { data: { id: USER_ID, name: 'Sim Demo', username: 'simdemo' } });

  const pic = await api(tokens.access_token, 'GET', '/2/users/me?user.fields=profile_image_url');
  assert.equal(pic.status, 200);
  const img = await fetch(pic.json.data.profile_image_url);
  const bytes = Buffer.from(await img.arrayBuffer());
  assert.equal(bytes.subarray(1, 4).toString(), 'PNG');

  const bad = await api(tokens.access_token, 'GET', '/2/users/me?user.fields=shoe_size');
  assert.equal(bad.status, 400);
  assert.equal(bad.json.type, 'https://api.x.com/2/problems/invalid-request');
});

test('no refresh token without offline.access; plain PKCE works', async () => {
  const verifier = 'plain-verifier-' + randomBytes(8).toString('hex');
  const code = await getCode(verifier, {
    code_challenge_method: 'plain',
    scope: 'tweet.read users.read',
  });
  const r = await exchange(code, verifier);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.refresh_token, undefined);
  assert.equal(r.json.scope, 'tweet.read users.read');
});

test('refresh rotates; reusing an old refresh token kills the whole grant', async () => {
  const first = await login();
  const r1 = await refresh(first.refresh_token);
  assert.equal(r1.status, 200, r1.text);
  assert.equal(r1.json.token_type, 'bearer');
  assert.equal(r1.json.expires_in, 7200);
  assert.equal(r1.json.scope, SCOPES);
  assert.notEqual(r1.json.refresh_token, first.refresh_token);
  assert.notEqual(r1.json.access_token, first.access_token);
  const r2 = await refresh(r1.json.refresh_token);
  assert.equal(r2.status, 200);
  assert.equal((await api(r2.json.access_token, 'GET', '/2/users/me')).status, 200);

  // The first refresh token again: refused, and every token of the grant dies with it.
  const reuse = await refresh(first.refresh_token);
  assert.equal(reuse.status, 400);
  assert.equal(reuse.json.error, 'invalid_request');
  const me = await api(r2.json.access_token, 'GET', '/2/users/me');
  assert.equal(me.status, 401);
  assert.deepEqual(me.json, UNAUTHORIZED);
  assert.equal((await api(first.access_token, 'GET', '/2/users/me')).status, 401);
  assert.equal((await refresh(r2.json.refresh_token)).status, 400);

  // Another grant is not touched.
  assert.equal((await api(tokens.access_token, 'GET', '/2/users/me')).status, 200);
  assert.equal((await refresh('x_r_nonsense')).status, 400);
  assert.equal((await refresh(r2.json.refresh_token, null)).status, 401);
});

let videoId;
let imageId;

test('chunked video upload: initialize, append, finalize, STATUS polling', async () => {
  const t = tokens.access_token;
  const video = fakeMp4(300000);
  videoId = await initUpload(t, {
    media_type: 'video/mp4',
    total_bytes: video.length,
    media_category: 'tweet_video',
  });
  const a0 = await append(t, videoId, 0, video.subarray(0, 200000));
  assert.equal(a0.status, 200, a0.text);
  assert.ok(a0.json.data.expires_at > Date.now() / 1000);
  assert.equal((await append(t, videoId, 1, video.subarray(200000))).status, 200);
  const f = await api(t, 'POST', `/2/media/upload/${videoId}/finalize`);
  assert.equal(f.status, 200, f.text);
  assert.equal(f.json.data.id, videoId);
  assert.equal(f.json.data.size, video.length);
  assert.match(f.json.data.media_key, /^7_/);
  const info = f.json.data.processing_info;
  assert.equal(info.state, 'pending');
  assert.equal(info.check_after_secs, 1);

  // Not finished yet: a post with it is refused.
  const early = await tweet(t, { text: 'too early', media: { media_ids: [videoId] } });
  assert.equal(early.status, 400);
  assert.equal(early.json.type, 'https://api.x.com/2/problems/invalid-request');

  const states = [];
  for (let i = 0; i < 5; i++) {
    const s = await api(t, 'GET', `/2/media/upload?command=STATUS&media_id=${videoId}`);
    assert.equal(s.status, 200, s.text);
    states.push(s.json.data.processing_info.state);
    if (s.json.data.processing_info.state === 'succeeded') break;
  }
  assert.deepEqual(states, ['in_progress', 'succeeded']);
  // Finalizing twice is refused.
  assert.equal((await api(t, 'POST', `/2/media/upload/${videoId}/finalize`)).status, 400);
});

test('the stored video is byte-identical to what was uploaded', async () => {
  const state = await sim.admin('GET', '/_sim/state');
  const up = state.uploads[videoId];
  assert.equal(up.state, 'finalized');
  const r = await fetch(`${sim.url}/_sim/media/${up.media}`);
  const got = Buffer.from(await r.arrayBuffer());
  assert.ok(got.equals(fakeMp4(300000)));
});

let rootId;

test('post with video, then a thread reply, with the real response shapes', async () => {
  const t = tokens.access_token;
  const r = await tweet(t, { text: 'Launch day! Video inside.', media: { media_ids: [videoId] } });
  assert.equal(r.status, 201, r.text);
  rootId = r.json.data.id;
  assert.match(rootId, /^[0-9]{19}$/);
  assert.deepEqual(r.json, {
    data: { id: rootId, text: 'Launch day! Video inside.', edit_history_tweet_ids: [rootId] },
  });
  assert.ok(r.headers.get('location').endsWith(`/2/tweets/${rootId}`));
  assert.equal(r.headers.get('x-rate-limit-limit'), '100');
  assert.ok(Number(r.headers.get('x-rate-limit-reset')) > Date.now() / 1000);

  imageId = await uploadImage(t);
  const reply = await tweet(t, {
    text: 'Part 2 of the thread',
    media: { media_ids: [imageId] },
    reply: { in_reply_to_tweet_id: rootId },
  });
  assert.equal(reply.status, 201, reply.text);
  const replyId = reply.json.data.id;

  const posts = (await sim.admin('GET', '/_sim/posts?platform=x')).items;
  const root = posts.find((p) => p.id === rootId);
  assert.equal(root.kind, 'post');
  assert.equal(root.account, USER_ID);
  assert.equal(root.account_name, '@simdemo');
  assert.equal(root.url, `https://x.com/simdemo/status/${rootId}`);
  assert.equal(root.media.length, 1);
  const rep = posts.find((p) => p.id === replyId);
  assert.equal(rep.kind, 'reply');

  const g = await api(
    t,
    'GET',
    `/2/tweets/${replyId}?tweet.fields=conversation_id,referenced_tweets,attachments,author_id`,
  );
  assert.equal(g.status, 200);
  assert.equal(g.json.data.conversation_id, rootId);
  assert.deepEqual(g.json.data.referenced_tweets, [{ type: 'replied_to', id: rootId }]);
  assert.equal(g.json.data.author_id, USER_ID);
  assert.match(g.json.data.attachments.media_keys[0], /^3_/);

  const missing = await tweet(t, { text: 'to nothing', reply: { in_reply_to_tweet_id: '123' } });
  assert.equal(missing.status, 403);
});

test('links come back as 23-character t.co links', async () => {
  const r = await tweet(tokens.access_token, {
    text: 'Read more: https://example.com/a/very/long/path/that/goes/on?and=on, thanks',
  });
  assert.equal(r.status, 201, r.text);
  assert.match(r.json.data.text, /^Read more: https:\/\/t\.co\/[A-Za-z0-9]{10}, thanks$/);
});

test('public metrics grow with simulated time, deterministically', async () => {
  const t = tokens.access_token;
  const get = async () =>
    (await api(t, 'GET', `/2/tweets/${rootId}?tweet.fields=public_metrics`)).json.data
      .public_metrics;
  const m0 = await get();
  assert.deepEqual(Object.keys(m0).sort(), [
    'bookmark_count',
    'impression_count',
    'like_count',
    'quote_count',
    'reply_count',
    'retweet_count',
  ]);
  assert.equal(m0.impression_count, 0);
  assert.equal(m0.reply_count, 1); // the thread reply
  await sim.admin('POST', '/_sim/clock', { advance_s: 3600 });
  const m1 = await get();
  assert.deepEqual(await get(), m1);
  assert.ok(m1.impression_count > 0);
  assert.ok(m1.like_count > 0);
  await sim.admin('POST', '/_sim/clock', { advance_s: 1800 });
  const m2 = await get();
  assert.ok(m2.impression_count > m1.impression_count);
  for (const k of Object.keys(m1)) assert.ok(m2[k] >= m1[k], k);
});

test('recent posts: newest first with meta; delete removes a post', async () => {
  const t = tokens.access_token;
  const r = await api(t, 'GET', `/2/users/${USER_ID}/tweets?max_results=5&tweet.fields=created_at`);
  assert.equal(r.status, 200, r.text);
  const ids = r.json.data.map((d) => d.id);
  assert.ok(ids.length >= 3);
  assert.deepEqual([...ids].sort().reverse(), ids);
  assert.equal(r.json.meta.result_count, ids.length);
  assert.equal(r.json.meta.newest_id, ids[0]);
  assert.equal(r.json.meta.oldest_id, ids.at(-1));
  assert.ok(r.json.data[0].created_at.endsWith('Z'));
  assert.equal((await api(t, 'GET', `/2/users/${USER_ID}/tweets?max_results=2`)).status, 400);
  const other = await api(t, 'GET', '/2/users/42/tweets');
  assert.equal(other.json.errors[0].type, 'https://api.x.com/2/problems/resource-not-found');

  const del = await api(t, 'DELETE', `/2/tweets/${ids[0]}`);
  assert.equal(del.status, 200);
  assert.deepEqual(del.json, { data: { deleted: true } });
  const gone = await api(t, 'GET', `/2/tweets/${ids[0]}`);
  assert.equal(gone.status, 200);
  assert.equal(gone.json.errors[0].title, 'Not Found Error');
  const after = await api(t, 'GET', `/2/users/${USER_ID}/tweets`);
  assert.ok(!after.json.data.some((d) => d.id === ids[0]));
});

// ---- token refusals ----

test('token endpoint refusals: redirect_uri, reuse, 30 s, verifier, Basic auth', async () => {
  const { verifier, challenge } = pkce();

  let code = await getCode(challenge);
  const wrongRedirect = await exchange(code, verifier, { redirect: REDIRECT + '/other' });
  assert.equal(wrongRedirect.status, 400);
  assert.equal(wrongRedirect.json.error, 'invalid_request');

  const noBasic = await exchange(code, verifier, { auth: null });
  assert.equal(noBasic.status, 401);
  assert.deepEqual(noBasic.json, {
    error: 'unauthorized_client',
    error_description: 'Missing valid authorization header',
  });
  const wrongSecret = await exchange(code, verifier, {
    auth: 'Basic ' + Buffer.from(`${CLIENT}:nope`).toString('base64'),
  });
  assert.equal(wrongSecret.status, 401);

  const badVerifier = await exchange(code, pkce().verifier);
  assert.equal(badVerifier.status, 400);
  assert.deepEqual(badVerifier.json, BAD_CODE);

  assert.equal((await exchange(code, verifier)).status, 200);
  const reused = await exchange(code, verifier);
  assert.equal(reused.status, 400);
  assert.deepEqual(reused.json, BAD_CODE);

  code = await getCode(challenge);
  await sim.admin('POST', '/_sim/clock', { advance_s: 31 });
  const old = await exchange(code, verifier);
  assert.equal(old.status, 400);
  assert.deepEqual(old.json, BAD_CODE);

  assert.deepEqual((await exchange('made-up', verifier)).json, BAD_CODE);
});

test('expired and revoked tokens answer the 401 problem JSON', async () => {
  const a = await login();
  await sim.admin('POST', '/_sim/tokens/expire', { token: a.access_token });
  const r = await api(a.access_token, 'GET', '/2/users/me');
  assert.equal(r.status, 401);
  assert.deepEqual(r.json, UNAUTHORIZED);

  const b = await login();
  await sim.admin('POST', '/_sim/clock', { advance_s: 7201 });
  assert.deepEqual((await api(b.access_token, 'GET', '/2/users/me')).json, UNAUTHORIZED);
  // The refresh token still works after the access token expired.
  const fresh = await refresh(b.refresh_token);
  assert.equal(fresh.status, 200);

  const rv = await simFetch(sim, 'POST', '/x/api/2/oauth2/revoke', {
    form: { token: fresh.json.access_token, client_id: CLIENT },
  });
  assert.equal(rv.status, 200);
  assert.deepEqual(rv.json, { revoked: true });
  assert.equal((await api(fresh.json.access_token, 'GET', '/2/users/me')).status, 401);
  assert.equal((await refresh(fresh.json.refresh_token)).status, 200);
  const noClient = await simFetch(sim, 'POST', '/x/api/2/oauth2/revoke', {
    form: { token: fresh.json.refresh_token },
  });
  assert.equal(noClient.status, 401);

  assert.deepEqual((await api('garbage', 'GET', '/2/users/me')).json, UNAUTHORIZED);
  const none = await simFetch(sim, 'GET', '/x/api/2/users/me');
  assert.equal(none.status, 401);
  tokens = await login();
});

test('scopes are enforced with 403', async () => {
  const ro = await login('tweet.read users.read');
  const r = await tweet(ro.access_token, { text: 'not allowed' });
  assert.equal(r.status, 403);
  assert.equal(r.json.title, 'Forbidden');
  const noMedia = await login('tweet.read tweet.write users.read');
  const m = await api(noMedia.access_token, 'POST', '/2/media/upload/initialize', {
    json: { media_type: 'image/png', total_bytes: 10, media_category: 'tweet_image' },
  });
  assert.equal(m.status, 403);
  assert.equal((await tweet(noMedia.access_token, { text: 'scoped ok' })).status, 201);
});

// ---- content refusals ----

test('weighted length: 280 accepted, 281 refused (ASCII, CJK, emoji, URL, NFC)', async () => {
  const t = tokens.access_token;
  const tooLong = async (text) => {
    const r = await tweet(t, { text });
    assert.equal(r.status, 400, `${text.length}: ${r.text}`);
    assert.equal(r.json.type, 'https://api.x.com/2/problems/invalid-request');
    assert.match(r.json.detail, /too long/);
    assert.match(r.json.detail, /281/);
  };
  const fits = async (text) => {
    const r = await tweet(t, { text });
    assert.equal(r.status, 201, `${text.length}: ${r.text}`);
  };
  await fits('a'.repeat(280));
  await tooLong('b'.repeat(281));
  await fits('日'.repeat(140)); // CJK weighs 2
  await tooLong('本'.repeat(140) + 'c');
  await fits('語'.repeat(139) + '👍🏽'); // an emoji sequence (with skin tone) weighs 2
  await tooLong('字'.repeat(139) + '👨‍👩‍👧‍👦' + 'd');
  const url = 'https://example.com/' + 'p'.repeat(100); // any URL counts 23
  await fits('e'.repeat(256) + ' ' + url);
  await tooLong('f'.repeat(257) + ' ' + url);
  await fits('é'.repeat(280)); // e + combining acute: NFC makes one character
  await tooLong('ü'.repeat(281));
  await fits('—'.repeat(280)); // U+2014 is in 8208-8223: weight 1
});

test('duplicates, empty posts, unknown fields and bad media ids are refused', async () => {
  const t = tokens.access_token;
  assert.equal((await tweet(t, { text: 'Same words twice' })).status, 201);
  const dup = await tweet(t, { text: 'Same words twice' });
  assert.equal(dup.status, 403);
  assert.equal(dup.json.detail, 'You are not allowed to create a Tweet with duplicate content.');
  assert.equal((await tweet(t, {})).status, 400);
  assert.equal((await tweet(t, { text: 'x', colour: 'red' })).status, 400);
  assert.equal((await tweet(t, { text: 'y', media: { media_ids: [] } })).status, 400);
  const five = ['1', '2', '3', '4', '5'];
  assert.equal((await tweet(t, { text: 'z', media: { media_ids: five } })).status, 400);
  assert.equal((await tweet(t, { text: 'w', media: { media_ids: ['999'] } })).status, 400);
  assert.equal((await tweet(t, { text: 'v', reply_settings: 'everyone' })).status, 400);
  const asForm = await api(t, 'POST', '/2/tweets', { form: { text: 'form body' } });
  assert.equal(asForm.status, 400);
  // A video and an image together are refused; four images are fine.
  const v2 = fakeMp4(1000);
  const vid = await initUpload(t, video(1000));
  await append(t, vid, 0, v2);
  await api(t, 'POST', `/2/media/upload/${vid}/finalize`);
  for (let i = 0; i < 2; i++) await api(t, 'GET', `/2/media/upload?command=STATUS&media_id=${vid}`);
  const img = await uploadImage(t);
  assert.equal((await tweet(t, { text: 'mixed', media: { media_ids: [vid, img] } })).status, 400);
  const imgs = [img, await uploadImage(t), await uploadImage(t), await uploadImage(t)];
  assert.equal((await tweet(t, { text: 'four images', media: { media_ids: imgs } })).status, 201);
});

test('upload refusals: size at finalize, limits, types, bad bytes, failed processing', async () => {
  const t = tokens.access_token;
  const id = await initUpload(t, video(5000));
  assert.equal((await append(t, id, 0, fakeMp4(4000))).status, 200);
  const f = await api(t, 'POST', `/2/media/upload/${id}/finalize`);
  assert.equal(f.status, 400);
  assert.equal(f.json.type, 'https://api.x.com/2/problems/invalid-request');
  assert.equal((await append(t, id, 1000, fakeMp4(10))).status, 400); // segment_index 0-999
  // A segment may carry 8 MB at most (X's server maximum).
  const big = await initUpload(t, video(9 * 1024 * 1024));
  assert.equal((await append(t, big, 0, fakeMp4(8 * 1024 * 1024))).status, 200);
  const over = await append(t, big, 1, fakeMp4(8 * 1024 * 1024 + 1));
  assert.equal(over.status, 413);
  assert.equal(over.json.title, 'Payload Too Large');

  const init = async (media_type, total_bytes, media_category) =>
    (await api(t, 'POST', '/2/media/upload/initialize', {
      json: { media_type, total_bytes, media_category },
    })).status;
  const MB = 1024 * 1024;
  assert.equal(await init('image/png', 5 * MB + 1, 'tweet_image'), 400);
  assert.equal(await init('image/png', 5 * MB, 'tweet_image'), 200);
  assert.equal(await init('image/gif', 15 * MB + 1, 'tweet_gif'), 400);
  assert.equal(await init('image/gif', 15 * MB, 'tweet_gif'), 200);
  assert.equal(await init('video/mp4', 512 * MB + 1, 'tweet_video'), 400);
  assert.equal(await init('video/mp4', 512 * MB, 'tweet_video'), 200);
  assert.equal(await init('video/mp4', 10, 'tweet_image'), 400);
  assert.equal(await init('image/png', 10, 'tweet_song'), 400);
  assert.equal(await init('image/png', 0, undefined), 400);

  // PNG declared, other bytes sent: refused at finalize.
  const bad = await initUpload(t, { media_type: 'image/png', total_bytes: 8 });
  await append(t, bad, 0, Buffer.from('notapng!'));
  assert.equal((await api(t, 'POST', `/2/media/upload/${bad}/finalize`)).status, 400);

  // Processing failure (admin switch): STATUS ends in failed with an error message.
  await sim.admin('POST', '/_sim/processing', { platform: 'x', polls: 1, fail: true });
  const v = await initUpload(t, video(100));
  await append(t, v, 0, fakeMp4(100));
  await api(t, 'POST', `/2/media/upload/${v}/finalize`);
  const s = await api(t, 'GET', `/2/media/upload?command=STATUS&media_id=${v}`);
  assert.equal(s.json.data.processing_info.state, 'failed');
  assert.ok(s.json.data.processing_info.error.message);
  assert.equal((await tweet(t, { text: 'failed video', media: { media_ids: [v] } })).status, 400);
  await sim.admin('POST', '/_sim/processing', { platform: 'x', polls: 2, fail: false });
});

test('one-shot image upload and the legacy command form', async () => {
  const t = tokens.access_token;
  const png = await tinyPng();
  const fd = new FormData();
  fd.append('media', new Blob([png]), 'a.png');
  fd.append('media_category', 'tweet_image');
  const r = await api(t, 'POST', '/2/media/upload', { body: fd });
  assert.equal(r.status, 200, r.text);
  assert.match(r.json.data.id, /^[0-9]+$/);
  assert.equal(r.json.data.size, png.length);
  const post = await tweet(t, { text: 'one-shot image', media: { media_ids: [r.json.data.id] } });
  assert.equal(post.status, 201);

  const init = await api(t, 'POST', '/2/media/upload', {
    form: {
      command: 'INIT',
      media_type: 'image/png',
      total_bytes: String(png.length),
      media_category: 'tweet_image',
    },
  });
  assert.equal(init.status, 200, init.text);
  const fa = new FormData();
  fa.append('command', 'APPEND');
  fa.append('media_id', init.json.data.id);
  fa.append('segment_index', '0');
  fa.append('media', new Blob([png]));
  assert.equal((await api(t, 'POST', '/2/media/upload', { body: fa })).status, 200);
  const fin = await api(t, 'POST', '/2/media/upload', {
    form: { command: 'FINALIZE', media_id: init.json.data.id },
  });
  assert.equal(fin.status, 200, fin.text);
});

// ---- rate limits ----

test('admin rate limit answers X 429 problem JSON with x-rate-limit headers', async () => {
  await sim.admin('POST', '/_sim/ratelimit', { platform: 'x', limit: 1, window_s: 60 });
  try {
    assert.equal((await api(tokens.access_token, 'GET', '/2/users/me')).status, 200);
    const r = await api(tokens.access_token, 'GET', '/2/users/me');
    assert.equal(r.status, 429);
    assert.deepEqual(r.json, {
      title: 'Too Many Requests',
      detail: 'Too Many Requests',
      type: 'about:blank',
      status: 429,
    });
    assert.equal(r.headers.get('x-rate-limit-limit'), '1');
    assert.equal(r.headers.get('x-rate-limit-remaining'), '0');
    assert.ok(Number(r.headers.get('x-rate-limit-reset')) > 0);
  } finally {
    await sim.admin('POST', '/_sim/ratelimit', { platform: 'x', limit: 0, window_s: 60 });
  }
});

test('POST /2/tweets: 100 per user per 15 minutes on the simulated clock', async () => {
  await sim.admin('POST', '/_sim/clock', { advance_s: 900 }); // a fresh window
  const t = (await login()).access_token;
  let last;
  for (let i = 0; i < 100; i++) {
    last = await tweet(t, { text: `numbered post ${i}` });
    assert.equal(last.status, 201, last.text);
    assert.equal(last.headers.get('x-rate-limit-remaining'), String(99 - i));
  }
  const over = await tweet(t, { text: 'one too many' });
  assert.equal(over.status, 429);
  assert.equal(over.json.title, 'Too Many Requests');
  assert.equal(over.headers.get('x-rate-limit-remaining'), '0');
  const reset = Number(over.headers.get('x-rate-limit-reset'));
  assert.ok(reset > 0);
  await sim.admin('POST', '/_sim/clock', { advance_s: 901 });
  const t2 = (await login()).access_token;
  const again = await tweet(t2, { text: 'a new window' });
  assert.equal(again.status, 201);
  assert.equal(again.headers.get('x-rate-limit-remaining'), '99');
});

test('unknown paths answer a resource-not-found problem', async () => {
  const r = await api(tokens.access_token, 'GET', '/2/nothing/here');
  assert.equal(r.status, 404);
  assert.equal(r.json.type, 'https://api.x.com/2/problems/resource-not-found');
});
