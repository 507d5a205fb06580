// The simulator's Google module (tools/platform-sim/google.c) against PLATFORMS.md §4:
// Google OAuth, the YouTube channel, resumable uploads, processing, statistics, quota, refusals.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startSim, simFetch } from '../lib/sim.mjs';

const CLIENT_ID = 'p2s-sim-google';
const SECRET = 'p2s-sim-google-secret';
const REDIRECT = 'http://127.0.0.1:9/oauth/youtube/callback';
const YT = 'https://www.googleapis.com/auth/';
const SCOPE = `${YT}youtube.upload ${YT}youtube.readonly`;
const CHANNEL = 'UCsimDemo000000000000001';
const KIB256 = 262144;

let sim;
before(async () => {
  sim = await startSim();
});
after(async () => {
  const r = await sim.stop();
  assert.equal(r.code, 0, 'simulator exits 0 on SIGTERM');
});

/** GET the authorize URL and follow redirects while they stay inside the simulator. */
async function authorize(params = {}, approve = 'allow', s = sim) {
  const q = new URLSearchParams({
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: SCOPE,
    access_type: 'offline',
    prompt: 'consent',
    state: 'yt-state',
    ...params,
  });
  for (const [k, v] of Object.entries(params)) if (v === undefined) q.delete(k);
  if (approve) q.set('sim_approve', approve);
  let r = await simFetch(s, 'GET', `/google/accounts/o/oauth2/v2/auth?${q}`);
  if (r.status !== 302) return { page: r };
  let loc = r.headers.get('location');
  while (loc.startsWith(s.url)) {
    r = await simFetch(s, 'GET', loc.slice(s.url.length));
    assert.equal(r.status, 302, r.text);
    loc = r.headers.get('location');
  }
  return { url: new URL(loc) };
}

function tokenRequest(form, s = sim) {
  return simFetch(s, 'POST', '/google/oauth2/token', { form });
}

async function connect(params = {}, s = sim) {
  const { url } = await authorize(params, 'allow', s);
  const code = url.searchParams.get('code');
  assert.ok(code, `code in ${url}`);
  assert.equal(url.searchParams.get('state'), 'yt-state');
  const r = await tokenRequest(
    { code, client_id: CLIENT_ID, client_secret: SECRET, redirect_uri: REDIRECT, grant_type: 'authorization_code' },
    s,
  );
  assert.equal(r.status, 200, r.text);
  return r.json;
}

function api(method, path, token, opts = {}, s = sim) {
  return simFetch(s, method, `/google/api${path}`, {
    ...opts,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(opts.headers || {}) },
  });
}

/** A fake MP4 of n bytes. */
function fakeMp4(n) {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31) & 0xff;
  b.writeUInt32BE(24, 0);
  b.write('ftypisom', 4, 'latin1');
  return b;
}

const META = {
  snippet: { title: 'Launch day', description: 'Made in the simulator', tags: ['sim', 'launch'], categoryId: '22' },
  status: { privacyStatus: 'public', selfDeclaredMadeForKids: false },
};

/** Start a resumable session; returns the session path (inside the simulator). */
async function startUpload(token, size, meta = META, s = sim) {
  const r = await api(
    'POST',
    '/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status',
    token,
    {
      json: meta,
      headers: {
        'Content-Type': 'application/json; charset=UTF-8',
        'X-Upload-Content-Length': String(size),
        'X-Upload-Content-Type': 'video/mp4',
      },
    },
    s,
  );
  if (r.status !== 200) return { error: r };
  const loc = r.headers.get('location');
  assert.ok(loc.startsWith(`${s.url}/google/upload/`), loc);
  assert.match(loc, /[?&]upload_id=/);
  return { path: loc.slice(s.url.length) };
}

function putChunk(path, bytes, start, end, total, s = sim) {
  return simFetch(s, 'PUT', path, {
    body: bytes.subarray(start, end + 1),
    headers: { 'Content-Range': `bytes ${start}-${end}/${total}` },
  });
}

function probe(path, total, s = sim) {
  return simFetch(s, 'PUT', path, { headers: { 'Content-Range': `bytes */${total}` } });
}

/** Upload a whole file in 256 KiB-multiple chunks; returns the final response. */
async function uploadAll(token, bytes, meta = META, s = sim) {
  const { path, error } = await startUpload(token, bytes.length, meta, s);
  assert.ok(path, error && error.text);
  const chunk = 2 * KIB256;
  let r;
  for (let off = 0; off < bytes.length; off += chunk) {
    const end = Math.min(off + chunk, bytes.length) - 1;
    r = await putChunk(path, bytes, off, end, bytes.length, s);
  }
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function listVideo(token, id, part = 'status,processingDetails,snippet,statistics') {
  const r = await api('GET', `/youtube/v3/videos?part=${part}&id=${id}`, token);
  assert.equal(r.status, 200, r.text);
  return r.json.items[0];
}

describe('Google OAuth', () => {
  test('the consent page; Deny sends access_denied back', async () => {
    const { page } = await authorize({}, null);
    assert.equal(page.status, 200);
    assert.match(page.text, /id="allow"/);
    const { url } = await authorize({}, 'deny');
    assert.equal(url.origin + url.pathname, REDIRECT);
    assert.equal(url.searchParams.get('error'), 'access_denied');
    assert.equal(url.searchParams.get('state'), 'yt-state');
  });

  test('code → 3599 s access token and a refresh token; channel of the token', async () => {
    const t = await connect();
    assert.equal(t.expires_in, 3599);
    assert.equal(t.token_type, 'Bearer');
    assert.ok(t.refresh_token);
    assert.equal(t.scope, SCOPE);
    const r = await api('GET', '/youtube/v3/channels?part=snippet,contentDetails,statistics&mine=true', t.access_token);
    assert.equal(r.status, 200, r.text);
    const ch = r.json.items[0];
    assert.equal(ch.id, CHANNEL);
    assert.equal(ch.snippet.title, 'Sim Demo Channel');
    assert.equal(ch.contentDetails.relatedPlaylists.uploads, 'UUsimDemo000000000000001');
    assert.equal(typeof ch.statistics.videoCount, 'string');
    const thumb = await simFetch(sim, 'GET', new URL(ch.snippet.thumbnails.default.url).pathname);
    assert.equal(thumb.status, 200);
    assert.equal(thumb.headers.get('content-type'), 'image/png');
  });

  test('refresh: a new access token, the refresh token is not rotated and keeps working', async () => {
    const t = await connect();
    const form = { client_id: CLIENT_ID, client_secret: SECRET, refresh_token: t.refresh_token, grant_type: 'refresh_token' };
    const a = await tokenRequest(form);
    assert.equal(a.status, 200, a.text);
    assert.equal(a.json.expires_in, 3599);
    assert.equal(a.json.refresh_token, undefined, 'Google does not send a new refresh token');
    assert.notEqual(a.json.access_token, t.access_token);
    const b = await tokenRequest(form);
    assert.equal(b.status, 200, 'the same refresh token works again');
    const r = await api('GET', '/youtube/v3/channels?part=id&mine=true', b.json.access_token);
    assert.equal(r.status, 200);
  });

  test('a returning user gets a refresh token only with access_type=offline and prompt=consent', async () => {
    await connect();
    const again = await connect({ prompt: undefined });
    assert.equal(again.refresh_token, undefined);
    const online = await connect({ access_type: undefined });
    assert.equal(online.refresh_token, undefined);
    const forced = await connect({ prompt: 'consent' });
    assert.ok(forced.refresh_token);
  });

  test('token endpoint refusals: redirect mismatch, reused code, bad secret, unknown grant', async () => {
    const { url } = await authorize();
    const code = url.searchParams.get('code');
    const base = { code, client_id: CLIENT_ID, client_secret: SECRET, grant_type: 'authorization_code' };
    let r = await tokenRequest({ ...base, redirect_uri: REDIRECT + '/x' });
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'redirect_uri_mismatch');
    r = await tokenRequest({ ...base, redirect_uri: REDIRECT, client_secret: 'nope' });
    assert.equal(r.status, 401);
    assert.equal(r.json.error, 'invalid_client');
    r = await tokenRequest({ ...base, redirect_uri: REDIRECT });
    assert.equal(r.status, 200);
    r = await tokenRequest({ ...base, redirect_uri: REDIRECT });
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'invalid_grant');
    r = await tokenRequest({ ...base, redirect_uri: REDIRECT, grant_type: 'password' });
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'unsupported_grant_type');
    const basic = Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64');
    const { url: u2 } = await authorize();
    r = await simFetch(sim, 'POST', '/google/oauth2/token', {
      form: { code: u2.searchParams.get('code'), redirect_uri: REDIRECT, grant_type: 'authorization_code' },
      headers: { Authorization: `Basic ${basic}` },
    });
    assert.equal(r.status, 200, 'Google also takes client_secret_basic: ' + r.text);
  });

  test('authorize refusals are pages, not redirects', async () => {
    let { page } = await authorize({ response_type: undefined });
    assert.equal(page.status, 400);
    assert.match(page.text, /response_type/);
    ({ page } = await authorize({ client_id: 'other' }));
    assert.equal(page.status, 401);
    ({ page } = await authorize({ scope: 'https://www.googleapis.com/auth/everything' }));
    assert.equal(page.status, 400);
    assert.match(page.text, /invalid_scope/);
  });

  test('PKCE S256 is checked when a challenge was sent', async () => {
    const verifier = 'v'.repeat(50);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const { url } = await authorize({ code_challenge: challenge, code_challenge_method: 'S256' });
    const base = {
      code: url.searchParams.get('code'),
      client_id: CLIENT_ID,
      client_secret: SECRET,
      redirect_uri: REDIRECT,
      grant_type: 'authorization_code',
    };
    let r = await tokenRequest({ ...base, code_verifier: 'w'.repeat(50) });
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'invalid_grant');
    r = await tokenRequest({ ...base, code_verifier: verifier });
    assert.equal(r.status, 200, r.text);
  });

  test('revoke: the refresh token then gets invalid_grant, and its access tokens die', async () => {
    const t = await connect();
    const rv = await simFetch(sim, 'POST', `/google/oauth2/revoke?token=${encodeURIComponent(t.refresh_token)}`, {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(rv.status, 200);
    const r = await tokenRequest({
      client_id: CLIENT_ID,
      client_secret: SECRET,
      refresh_token: t.refresh_token,
      grant_type: 'refresh_token',
    });
    assert.equal(r.status, 400);
    assert.deepEqual(r.json, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });
    const a = await api('GET', '/youtube/v3/channels?part=id&mine=true', t.access_token);
    assert.equal(a.status, 401);
    const again = await connect({ prompt: undefined });
    assert.ok(again.refresh_token, 'after a revoke the next offline consent gets a refresh token again');
  });

  test('a refresh token revoked through the admin API also gets invalid_grant', async () => {
    const t = await connect();
    await sim.admin('POST', '/_sim/tokens/revoke', { token: t.refresh_token });
    const r = await tokenRequest({
      client_id: CLIENT_ID,
      client_secret: SECRET,
      refresh_token: t.refresh_token,
      grant_type: 'refresh_token',
    });
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'invalid_grant');
  });

  test('expired, invalid and missing tokens get Google\'s 401 envelope', async () => {
    const t = await connect();
    await sim.admin('POST', '/_sim/tokens/expire', { token: t.access_token });
    let r = await api('GET', '/youtube/v3/channels?part=id&mine=true', t.access_token);
    assert.equal(r.status, 401);
    assert.equal(r.json.error.code, 401);
    assert.equal(r.json.error.status, 'UNAUTHENTICATED');
    assert.match(r.json.error.message, /^Request had invalid authentication credentials/);
    assert.equal(r.json.error.errors[0].reason, 'authError');
    assert.equal(r.json.error.errors[0].domain, 'global');
    r = await api('GET', '/youtube/v3/channels?part=id&mine=true', 'garbage');
    assert.equal(r.status, 401);
    r = await api('GET', '/youtube/v3/channels?part=id&mine=true', null);
    assert.equal(r.status, 401);
    assert.equal(r.json.error.status, 'UNAUTHENTICATED');
    const t2 = await connect();
    await sim.admin('POST', '/_sim/clock', { advance_s: 3600 });
    r = await api('GET', '/youtube/v3/channels?part=id&mine=true', t2.access_token);
    assert.equal(r.status, 401, 'access tokens last 3599 s');
  });

  test('a token without an upload scope cannot upload', async () => {
    const t = await connect({ scope: `${YT}youtube.readonly` });
    const r = await startUpload(t.access_token, 1000);
    assert.equal(r.error.status, 403);
    assert.equal(r.error.json.error.errors[0].reason, 'insufficientPermissions');
  });
});

describe('YouTube resumable upload and processing', () => {
  let token;
  before(async () => {
    token = (await connect()).access_token;
  });

  test('chunks, an interrupted chunk, a probe, resume, processing, statistics, recent uploads', async () => {
    const size = 3 * KIB256 + 5000;
    const bytes = fakeMp4(size);
    const { path } = await startUpload(token, size);
    // The first chunk: 2 × 256 KiB.
    let r = await putChunk(path, bytes, 0, 2 * KIB256 - 1, size);
    assert.equal(r.status, 308);
    assert.equal(r.headers.get('range'), `bytes=0-${2 * KIB256 - 1}`);
    // The second chunk is lost with the connection.
    await sim.admin('POST', '/_sim/faults', { platform: 'google', method: 'PUT', path: '/upload/youtube/v3/videos', drop: true });
    await assert.rejects(putChunk(path, bytes, 2 * KIB256, size - 1, size));
    // Probe: the server still has the first chunk only.
    r = await probe(path, size);
    assert.equal(r.status, 308);
    assert.equal(r.headers.get('range'), `bytes=0-${2 * KIB256 - 1}`);
    // Resume with the rest (the last chunk may be any size).
    r = await putChunk(path, bytes, 2 * KIB256, size - 1, size);
    assert.equal(r.status, 200, r.text);
    const video = r.json;
    assert.equal(video.kind, 'youtube#video');
    assert.match(video.id, /^[A-Za-z0-9_-]{11}$/);
    assert.equal(video.snippet.title, 'Launch day');
    assert.equal(video.snippet.channelId, CHANNEL);
    assert.deepEqual(video.snippet.tags, ['sim', 'launch']);
    assert.equal(video.status.uploadStatus, 'uploaded');
    assert.equal(video.status.privacyStatus, 'public');
    // A probe after the end answers the video again.
    r = await probe(path, size);
    assert.equal(r.status, 200);
    assert.equal(r.json.id, video.id);

    // Processing: two polls "processing", then "succeeded".
    const states = [];
    for (let i = 0; i < 5; i++) {
      const v = await listVideo(token, video.id);
      states.push([v.processingDetails.processingStatus, v.status.uploadStatus]);
      if (v.processingDetails.processingStatus !== 'processing') break;
    }
    assert.deepEqual(states, [
      ['processing', 'uploaded'],
      ['processing', 'uploaded'],
      ['succeeded', 'processed'],
    ]);

    // Statistics are strings and grow with simulated time.
    let v = await listVideo(token, video.id);
    assert.equal(typeof v.statistics.viewCount, 'string');
    const before0 = Number(v.statistics.viewCount);
    await sim.admin('POST', '/_sim/clock', { advance_s: 1800 });
    v = await listVideo(token, video.id);
    assert.equal(typeof v.statistics.likeCount, 'string');
    assert.equal(typeof v.statistics.commentCount, 'string');
    assert.ok(Number(v.statistics.viewCount) > before0, JSON.stringify(v.statistics));
    assert.ok(Number(v.statistics.likeCount) > 0);

    // The post is recorded, with the bytes in order.
    const posts = (await sim.admin('GET', '/_sim/posts?platform=youtube')).items;
    const p = posts.find((x) => x.id === video.id);
    assert.ok(p);
    assert.equal(p.account, CHANNEL);
    assert.equal(p.account_name, 'Sim Demo Channel');
    assert.equal(p.url, `https://www.youtube.com/watch?v=${video.id}`);
    assert.equal(p.title, 'Launch day');
    assert.equal(p.text, 'Made in the simulator');
    assert.equal(p.kind, 'video');
    const m = await simFetch(sim, 'GET', `/_sim/media/${p.media[0]}`);
    assert.ok(m.bytes.equals(bytes), 'chunks joined in order');

    // Recent uploads: the uploads playlist and search?forMine both list it first.
    token = (await connect()).access_token;
    const second = await uploadAll(token, fakeMp4(1000), { snippet: { title: 'Second' }, status: { privacyStatus: 'unlisted' } });
    const pl = await api('GET', '/youtube/v3/playlistItems?part=snippet,contentDetails&playlistId=UUsimDemo000000000000001&maxResults=1', token);
    assert.equal(pl.status, 200, pl.text);
    assert.equal(pl.json.items[0].contentDetails.videoId, second.id);
    assert.equal(pl.json.pageInfo.totalResults, 2);
    assert.ok(pl.json.nextPageToken);
    const pl2 = await api('GET', `/youtube/v3/playlistItems?part=contentDetails&playlistId=UUsimDemo000000000000001&maxResults=1&pageToken=${pl.json.nextPageToken}`, token);
    assert.equal(pl2.json.items[0].contentDetails.videoId, video.id);
    const sr = await api('GET', '/youtube/v3/search?part=snippet&forMine=true&type=video&order=date', token);
    assert.equal(sr.status, 200, sr.text);
    assert.deepEqual(
      sr.json.items.map((i) => i.id.videoId),
      [second.id, video.id],
    );
  });

  test('the upload alias /google/api/upload/... works too, and a whole file in one PUT', async () => {
    const bytes = fakeMp4(4000);
    const { path } = await startUpload(token, bytes.length);
    const alias = path.replace('/google/upload/', '/google/api/');
    const r = await simFetch(sim, 'PUT', alias, { body: bytes });
    assert.equal(r.status, 200, r.text);
  });

  test('a chunk that is not a multiple of 256 KiB (and not the last) is refused', async () => {
    const size = 3 * KIB256;
    const bytes = fakeMp4(size);
    const { path } = await startUpload(token, size);
    let r = await putChunk(path, bytes, 0, 100000 - 1, size);
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 400);
    assert.match(r.json.error.message, /262144/);
    r = await probe(path, size);
    assert.equal(r.status, 308);
    assert.equal(r.headers.get('range'), null, 'nothing committed');
    r = await putChunk(path, bytes, KIB256, 2 * KIB256 - 1, size);
    assert.equal(r.status, 400, 'chunks must start at the committed offset');
    r = await putChunk(path, bytes, 0, KIB256 - 1, size + 1);
    assert.equal(r.status, 400, 'the total must match X-Upload-Content-Length');
  });

  test('metadata refusals: < in the title, long title, > in the description, privacy, category', async () => {
    const bad = async (meta, reason) => {
      const { error } = await startUpload(token, 1000, meta);
      assert.ok(error, `refused: ${JSON.stringify(meta)}`);
      assert.equal(error.status, 400);
      assert.equal(error.json.error.errors[0].reason, reason);
    };
    await bad({ snippet: { title: 'a <b> title' }, status: { privacyStatus: 'public' } }, 'invalidTitle');
    await bad({ snippet: { title: 'x'.repeat(101) } }, 'invalidTitle');
    await bad({ snippet: { description: 'no title' } }, 'invalidTitle');
    await bad({ snippet: { title: 'ok', description: 'a > b' } }, 'invalidDescription');
    await bad({ snippet: { title: 'ok', description: 'd'.repeat(5001) } }, 'invalidDescription');
    await bad({ snippet: { title: 'ok', categoryId: '999' } }, 'invalidCategoryId');
    await bad({ snippet: { title: 'ok', tags: ['x'.repeat(501)] } }, 'invalidTags');
    await bad({ snippet: { title: 'ok' }, status: { privacyStatus: 'friends' } }, 'invalid');
    await bad({ snippet: { title: 'ok' }, status: { privacyStatus: 'public', publishAt: '2099-01-01T00:00:00Z' } }, 'invalidPublishAt');
    const ok = await startUpload(token, 1000, { snippet: { title: 'é'.repeat(100) } });
    assert.ok(ok.path, '100 characters is fine');
    const r = await api('POST', '/upload/youtube/v3/videos?uploadType=resumable&part=snippet', token, {
      json: META,
      headers: { 'X-Upload-Content-Type': 'image/png' },
    });
    assert.equal(r.status, 400);
  });

  test('an unknown or expired session is 404', async () => {
    let r = await simFetch(sim, 'PUT', '/google/upload/upload/youtube/v3/videos?uploadType=resumable&upload_id=nope', {
      headers: { 'Content-Range': 'bytes */10' },
    });
    assert.equal(r.status, 404);
    assert.equal(r.json.error.code, 404);
    const { path } = await startUpload(token, 1000);
    await sim.admin('POST', '/_sim/clock', { advance_s: 8 * 86400 });
    r = await probe(path, 1000);
    assert.equal(r.status, 404);
    token = (await connect()).access_token;
  });

  test('processing failure: failed / transcodeFailed; non-video bytes: invalidFile', async () => {
    await sim.admin('POST', '/_sim/processing', { platform: 'youtube', polls: 0, fail: true });
    try {
      const v = await uploadAll(token, fakeMp4(2000));
      const got = await listVideo(token, v.id);
      assert.equal(got.processingDetails.processingStatus, 'failed');
      assert.equal(got.processingDetails.processingFailureReason, 'transcodeFailed');
      assert.equal(got.status.uploadStatus, 'failed');
    } finally {
      await sim.admin('POST', '/_sim/processing', { platform: 'youtube', polls: 0 });
    }
    const junk = await uploadAll(token, Buffer.from('this is not a video at all'));
    const got = await listVideo(token, junk.id);
    assert.equal(got.processingDetails.processingStatus, 'failed');
    assert.equal(got.status.failureReason, 'invalidFile');
    await sim.admin('POST', '/_sim/processing', { platform: 'youtube' });
  });

  test('part is required and checked', async () => {
    let r = await api('GET', '/youtube/v3/videos?id=x', token);
    assert.equal(r.status, 400);
    assert.equal(r.json.error.errors[0].reason, 'required');
    r = await api('GET', '/youtube/v3/videos?id=x&part=snippet,bogus', token);
    assert.equal(r.status, 400);
    assert.equal(r.json.error.errors[0].reason, 'unknownPart');
    r = await api('GET', '/youtube/v3/videos?id=doesnotexist&part=snippet', token);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.items, []);
  });
});

describe('YouTube faults, limits and quota', () => {
  let token;
  before(async () => {
    token = (await connect()).access_token;
  });

  test('429 rateLimitExceeded in Google\'s envelope with headers', async () => {
    await sim.admin('POST', '/_sim/ratelimit', { platform: 'google', limit: 1, window_s: 60 });
    try {
      const ok = await api('GET', '/youtube/v3/channels?part=id&mine=true', token);
      assert.equal(ok.status, 200);
      const r = await api('GET', '/youtube/v3/channels?part=id&mine=true', token);
      assert.equal(r.status, 429);
      assert.equal(r.json.error.code, 429);
      assert.equal(r.json.error.errors[0].reason, 'rateLimitExceeded');
      assert.equal(r.json.error.status, 'RESOURCE_EXHAUSTED');
      assert.ok(Number(r.headers.get('retry-after')) > 0);
      assert.equal(r.headers.get('x-rate-limit-remaining'), '0');
    } finally {
      await sim.admin('POST', '/_sim/ratelimit', { platform: 'google', limit: 0, window_s: 60 });
    }
  });

  test('injected faults: 500 backendError once, then the call works', async () => {
    await sim.admin('POST', '/_sim/faults', { platform: 'google', path: '/youtube/v3/videos', status: 500 });
    let r = await api('GET', '/youtube/v3/videos?part=id&id=x', token);
    assert.equal(r.status, 500);
    assert.equal(r.json.error.errors[0].reason, 'backendError');
    r = await api('GET', '/youtube/v3/videos?part=id&id=x', token);
    assert.equal(r.status, 200);
  });

  test('unknown paths get a Google 404', async () => {
    const r = await api('GET', '/youtube/v3/nothing', token);
    assert.equal(r.status, 404);
    assert.equal(r.json.error.errors[0].reason, 'notFound');
  });

  test('videos.insert quota: quotaExceeded 403 until the next Pacific day', async () => {
    const s2 = await startSim({ env: { SIM_YOUTUBE_INSERTS_PER_DAY: '2' } });
    try {
      const t = (await connect({}, s2)).access_token;
      assert.ok((await startUpload(t, 1000, META, s2)).path);
      assert.ok((await startUpload(t, 1000, META, s2)).path);
      const { error } = await startUpload(t, 1000, META, s2);
      assert.equal(error.status, 403);
      assert.equal(error.json.error.errors[0].reason, 'quotaExceeded');
      assert.equal(error.json.error.errors[0].domain, 'youtube.quota');
      await s2.admin('POST', '/_sim/clock', { advance_s: 86400 });
      const t2 = (await connect({}, s2)).access_token;
      assert.ok((await startUpload(t2, 1000, META, s2)).path, 'a new day, a new quota');
    } finally {
      await s2.stop();
    }
  });
});
