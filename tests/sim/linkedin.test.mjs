// The simulator's LinkedIn module (tools/platform-sim/linkedin.c) against PLATFORMS.md §3:
// OAuth, identity, posts with images and videos, processing, metrics, and the refusals.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, simFetch } from '../lib/sim.mjs';

const CLIENT_ID = 'p2s-sim-linkedin';
const SECRET = 'p2s-sim-linkedin-secret';
const REDIRECT = 'http://127.0.0.1:9/oauth/linkedin/callback';
const SCOPE = 'openid profile email w_member_social';
const PERSON = 'urn:li:person:simLi9XaZ7';
const now = new Date();
const VERSION = `${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}`;

let sim;
before(async () => {
  sim = await startSim();
});
after(async () => {
  const r = await sim.stop();
  assert.equal(r.code, 0, 'simulator exits 0 on SIGTERM');
});

/** GET the authorize URL and follow redirects while they stay inside the simulator. */
async function authorize(params = {}, approve = 'allow') {
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT,
    state: 'st-123',
    scope: SCOPE,
    ...params,
  });
  if (approve) q.set('sim_approve', approve);
  let r = await simFetch(sim, 'GET', `/linkedin/www/oauth/v2/authorization?${q}`);
  if (r.status !== 302) return { page: r };
  let loc = r.headers.get('location');
  while (loc.startsWith(sim.url)) {
    r = await simFetch(sim, 'GET', loc.slice(sim.url.length));
    assert.equal(r.status, 302, r.text);
    loc = r.headers.get('location');
  }
  return { url: new URL(loc) };
}

function tokenRequest(form) {
  return simFetch(sim, 'POST', '/linkedin/www/oauth/v2/accessToken', { form });
}

/** Consent → code → token; returns the token response. */
async function connect(scope = SCOPE) {
  const { url } = await authorize({ scope });
  const code = url.searchParams.get('code');
  assert.ok(code, `code in ${url}`);
  assert.equal(url.searchParams.get('state'), 'st-123');
  const r = await tokenRequest({
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    client_id: CLIENT_ID,
    client_secret: SECRET,
  });
  assert.equal(r.status, 200, r.text);
  return r.json;
}

/** A versioned /rest call with the headers LinkedIn wants. */
function rest(method, path, token, { json, body, headers = {} } = {}) {
  return simFetch(sim, method, `/linkedin/api${path}`, {
    json,
    body,
    headers: {
      Authorization: `Bearer ${token}`,
      'LinkedIn-Version': VERSION,
      'X-Restli-Protocol-Version': '2.0.0',
      ...headers,
    },
  });
}

function textPost(text, extra = {}) {
  return {
    author: PERSON,
    commentary: text,
    visibility: 'PUBLIC',
    distribution: { feedDistribution: 'MAIN_FEED', targetEntities: [], thirdPartyDistributionChannels: [] },
    lifecycleState: 'PUBLISHED',
    isReshareDisabledByAuthor: false,
    ...extra,
  };
}

/** A fake MP4 of n bytes (an ftyp box, then filler). */
function fakeMp4(n) {
  const b = Buffer.alloc(n, 7);
  b.writeUInt32BE(24, 0);
  b.write('ftypisom', 4, 'latin1');
  return b;
}

async function uploadImage(token) {
  const init = await rest('POST', '/rest/images?action=initializeUpload', token, {
    json: { initializeUploadRequest: { owner: PERSON } },
  });
  assert.equal(init.status, 200, init.text);
  const { uploadUrl, image, uploadUrlExpiresAt } = init.json.value;
  assert.match(image, /^urn:li:image:/);
  assert.ok(uploadUrl.startsWith(`${sim.url}/linkedin/www/dms-uploads/`), uploadUrl);
  assert.ok(uploadUrlExpiresAt > Date.now());
  const png = await simFetch(sim, 'GET', '/linkedin/www/dms/image/simLi9XaZ7/profile-displayphoto.png');
  const put = await simFetch(sim, 'PUT', uploadUrl.slice(sim.url.length), {
    body: png.bytes,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'image/png' },
  });
  assert.equal(put.status, 201, put.text);
  return image;
}

/** initializeUpload + every part; returns { video, etags }. */
async function uploadVideo(token, size) {
  const init = await rest('POST', '/rest/videos?action=initializeUpload', token, {
    json: {
      initializeUploadRequest: { owner: PERSON, fileSizeBytes: size, uploadCaptions: false, uploadThumbnail: false },
    },
  });
  assert.equal(init.status, 200, init.text);
  const { video, uploadInstructions, uploadToken } = init.json.value;
  assert.equal(uploadToken, '');
  const bytes = fakeMp4(size);
  const etags = [];
  for (const part of uploadInstructions) {
    const put = await simFetch(sim, 'PUT', part.uploadUrl.slice(sim.url.length), {
      body: bytes.subarray(part.firstByte, part.lastByte + 1),
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    assert.equal(put.status, 200, put.text);
    assert.ok(put.headers.get('etag'), 'each part answers an etag');
    etags.push(put.headers.get('etag'));
  }
  return { video, etags, uploadInstructions };
}

function finalize(token, video, etags) {
  return rest('POST', '/rest/videos?action=finalizeUpload', token, {
    json: { finalizeUploadRequest: { video, uploadToken: '', uploadedPartIds: etags } },
  });
}

async function simPosts() {
  return (await sim.admin('GET', '/_sim/posts?platform=linkedin')).items;
}

describe('LinkedIn OAuth', () => {
  test('the consent page offers Allow and Deny; Deny sends the user back with an error', async () => {
    const { page } = await authorize({}, null);
    assert.equal(page.status, 200);
    assert.match(page.text, /id="allow"/);
    assert.match(page.text, /Sim Demo/);
    const { url } = await authorize({}, 'deny');
    assert.equal(url.origin + url.pathname, REDIRECT);
    assert.equal(url.searchParams.get('error'), 'user_cancelled_authorize');
    assert.equal(url.searchParams.get('state'), 'st-123');
    assert.equal(url.searchParams.get('code'), null);
  });

  test('code → 60-day token with a refresh token, scope comma-joined', async () => {
    const t = await connect();
    assert.ok(t.access_token);
    assert.equal(t.expires_in, 5184000);
    assert.ok(t.refresh_token);
    assert.equal(t.refresh_token_expires_in, 31536000);
    assert.equal(t.scope, 'openid,profile,email,w_member_social');
  });

  test('identity: /v2/userinfo without a version header, picture is a PNG, /v2/me', async () => {
    const t = await connect();
    const r = await simFetch(sim, 'GET', '/linkedin/api/v2/userinfo', {
      headers: { Authorization: `Bearer ${t.access_token}` },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.sub, 'simLi9XaZ7');
    assert.equal(r.json.name, 'Sim Demo');
    assert.equal(r.json.given_name, 'Sim');
    assert.equal(r.json.family_name, 'Demo');
    assert.equal(r.json.email, 'demo@sim.example');
    assert.equal(r.json.email_verified, true);
    const pic = await simFetch(sim, 'GET', new URL(r.json.picture).pathname);
    assert.equal(pic.status, 200);
    assert.equal(pic.headers.get('content-type'), 'image/png');
    assert.deepEqual([...pic.bytes.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    const me = await simFetch(sim, 'GET', '/linkedin/api/v2/me', {
      headers: { Authorization: `Bearer ${t.access_token}` },
    });
    assert.equal(me.status, 200, me.text);
    assert.equal(me.json.id, 'simLi9XaZ7');
    assert.equal(me.json.vanityName, 'sim-demo');
  });

  test('refresh keeps the refresh token and its original TTL', async () => {
    const t = await connect();
    await sim.admin('POST', '/_sim/clock', { advance_s: 86400 });
    const r = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: t.refresh_token,
      client_id: CLIENT_ID,
      client_secret: SECRET,
    });
    assert.equal(r.status, 200, r.text);
    assert.notEqual(r.json.access_token, t.access_token);
    assert.equal(r.json.expires_in, 5184000);
    assert.equal(r.json.refresh_token, t.refresh_token);
    assert.ok(r.json.refresh_token_expires_in <= 31536000 - 86400);
    assert.ok(r.json.refresh_token_expires_in > 31536000 - 86400 - 60);
    const me = await simFetch(sim, 'GET', '/linkedin/api/v2/userinfo', {
      headers: { Authorization: `Bearer ${r.json.access_token}` },
    });
    assert.equal(me.status, 200);
  });

  test('refusals: wrong redirect_uri, reused code, bad client, Basic auth, unknown scope', async () => {
    const { url } = await authorize();
    const code = url.searchParams.get('code');
    const base = { grant_type: 'authorization_code', code, client_id: CLIENT_ID, client_secret: SECRET };
    let r = await tokenRequest({ ...base, redirect_uri: REDIRECT + '/other' });
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'invalid_request');
    assert.match(r.json.error_description, /redirect uri/);
    r = await tokenRequest({ ...base, client_secret: 'wrong', redirect_uri: REDIRECT });
    assert.equal(r.status, 401);
    assert.equal(r.json.error, 'invalid_client');
    const basic = Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64');
    r = await simFetch(sim, 'POST', '/linkedin/www/oauth/v2/accessToken', {
      form: { grant_type: 'authorization_code', code, redirect_uri: REDIRECT },
      headers: { Authorization: `Basic ${basic}` },
    });
    assert.equal(r.status, 400, 'client credentials only in the body');
    assert.equal(r.json.error, 'invalid_request');
    r = await simFetch(sim, 'POST', '/linkedin/www/oauth/v2/accessToken', { json: { ...base, redirect_uri: REDIRECT } });
    assert.equal(r.status, 400, 'JSON bodies are refused');
    r = await tokenRequest({ ...base, redirect_uri: REDIRECT });
    assert.equal(r.status, 200, 'the right request still works: ' + r.text);
    r = await tokenRequest({ ...base, redirect_uri: REDIRECT });
    assert.equal(r.status, 400, 'a code is single-use');
    assert.equal(r.json.error, 'invalid_request');
    const bad = await authorize({ scope: 'openid w_everything' });
    assert.equal(bad.url.searchParams.get('error'), 'unauthorized_scope_error');
    const page = await authorize({ client_id: 'someone-else' });
    assert.equal(page.page.status, 400);
    const page2 = await authorize({ redirect_uri: 'ftp://example/cb' });
    assert.equal(page2.page.status, 400);
  });

  test('codes expire after 30 minutes', async () => {
    const { url } = await authorize();
    await sim.admin('POST', '/_sim/clock', { advance_s: 31 * 60 });
    const r = await tokenRequest({
      grant_type: 'authorization_code',
      code: url.searchParams.get('code'),
      redirect_uri: REDIRECT,
      client_id: CLIENT_ID,
      client_secret: SECRET,
    });
    assert.equal(r.status, 400);
  });

  test('a revoked refresh token gets invalid_grant', async () => {
    const t = await connect();
    await sim.admin('POST', '/_sim/tokens/revoke', { token: t.refresh_token });
    const r = await tokenRequest({
      grant_type: 'refresh_token',
      refresh_token: t.refresh_token,
      client_id: CLIENT_ID,
      client_secret: SECRET,
    });
    assert.equal(r.status, 400);
    assert.equal(r.json.error, 'invalid_grant');
  });

  test('with SIM_LINKEDIN_REFRESH=0 there is no refresh token and refreshing is refused', async () => {
    const s2 = await startSim({ env: { SIM_LINKEDIN_REFRESH: '0' } });
    try {
      const q = new URLSearchParams({ response_type: 'code', client_id: CLIENT_ID, redirect_uri: REDIRECT, scope: SCOPE, sim_approve: 'allow' });
      let r = await simFetch(s2, 'GET', `/linkedin/www/oauth/v2/authorization?${q}`);
      r = await simFetch(s2, 'GET', r.headers.get('location').slice(s2.url.length));
      const code = new URL(r.headers.get('location')).searchParams.get('code');
      const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: CLIENT_ID, client_secret: SECRET };
      r = await simFetch(s2, 'POST', '/linkedin/www/oauth/v2/accessToken', { form });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.refresh_token, undefined);
      assert.equal(r.json.refresh_token_expires_in, undefined);
      r = await simFetch(s2, 'POST', '/linkedin/www/oauth/v2/accessToken', {
        form: { grant_type: 'refresh_token', refresh_token: 'x', client_id: CLIENT_ID, client_secret: SECRET },
      });
      assert.equal(r.status, 400);
    } finally {
      await s2.stop();
    }
  });

  test('a new grant with another scope set revokes the earlier tokens', async () => {
    const a = await connect(SCOPE);
    await connect('openid profile w_member_social');
    const r = await rest('GET', `/rest/posts?q=author&author=${encodeURIComponent(PERSON)}`, a.access_token);
    assert.equal(r.status, 401);
    assert.equal(r.json.serviceErrorCode, 65601);
  });
});

describe('LinkedIn API access checks', () => {
  let token;
  before(async () => {
    token = (await connect()).access_token;
  });

  test('LinkedIn-Version is required and must be active', async () => {
    let r = await simFetch(sim, 'GET', `/linkedin/api/rest/posts?q=author&author=${encodeURIComponent(PERSON)}`, {
      headers: { Authorization: `Bearer ${token}`, 'X-Restli-Protocol-Version': '2.0.0' },
    });
    assert.equal(r.status, 400);
    assert.equal(r.json.status, 400);
    assert.equal(r.json.code, 'VERSION_MISSING');
    r = await rest('POST', '/rest/posts', token, { json: textPost('x'), headers: { 'LinkedIn-Version': '202001' } });
    assert.equal(r.status, 426);
    assert.equal(r.json.code, 'NONEXISTENT_VERSION');
    assert.equal(r.json.message, 'Requested version 20200101 is not active');
    r = await rest('POST', '/rest/posts', token, { json: textPost('x'), headers: { 'LinkedIn-Version': '209912' } });
    assert.equal(r.status, 426, 'a future version is not active either');
    r = await rest('POST', '/rest/posts', token, { json: textPost('x'), headers: { 'LinkedIn-Version': '2024-01' } });
    assert.equal(r.status, 400);
    r = await rest('POST', '/rest/posts', token, {
      json: textPost('x'),
      headers: { 'X-Restli-Protocol-Version': '1.0.0' },
    });
    assert.equal(r.status, 400);
    r = await rest('POST', '/rest/posts', token, { json: textPost('revision'), headers: { 'LinkedIn-Version': `${VERSION}.01` } });
    assert.equal(r.status, 201, 'YYYYMM.RR is accepted: ' + r.text);
  });

  test('token envelopes: empty 65604, invalid 65600, expired 65602, revoked 65601', async () => {
    let r = await simFetch(sim, 'GET', '/linkedin/api/v2/userinfo');
    assert.equal(r.status, 401);
    assert.equal(r.json.serviceErrorCode, 65604);
    r = await rest('POST', '/rest/posts', 'nonsense', { json: textPost('x') });
    assert.deepEqual(r.json, { status: 401, serviceErrorCode: 65600, code: 'INVALID_ACCESS_TOKEN', message: 'Invalid access token' });
    const t1 = (await connect()).access_token;
    await sim.admin('POST', '/_sim/tokens/expire', { token: t1 });
    r = await rest('POST', '/rest/posts', t1, { json: textPost('x') });
    assert.equal(r.status, 401);
    assert.equal(r.json.serviceErrorCode, 65602);
    assert.equal(r.json.code, 'EXPIRED_ACCESS_TOKEN');
    const t2 = (await connect()).access_token;
    await sim.admin('POST', '/_sim/tokens/revoke', { token: t2 });
    r = await simFetch(sim, 'GET', '/linkedin/api/v2/userinfo', { headers: { Authorization: `Bearer ${t2}` } });
    assert.equal(r.status, 401);
    assert.equal(r.json.serviceErrorCode, 65601);
    assert.equal(r.json.code, 'REVOKED_ACCESS_TOKEN');
  });

  test('the 60-day access token expires with simulated time', async () => {
    const t = (await connect()).access_token;
    await sim.admin('POST', '/_sim/clock', { advance_s: 5184000 });
    const r = await simFetch(sim, 'GET', '/linkedin/api/v2/userinfo', { headers: { Authorization: `Bearer ${t}` } });
    assert.equal(r.status, 401);
    assert.equal(r.json.serviceErrorCode, 65602);
    token = (await connect()).access_token;
  });

  test('a token without w_member_social cannot post', async () => {
    const t = (await connect('openid profile')).access_token;
    const r = await rest('POST', '/rest/posts', t, { json: textPost('x') });
    assert.equal(r.status, 403);
    assert.equal(r.json.code, 'ACCESS_DENIED');
    token = (await connect()).access_token;
  });
});

describe('LinkedIn publishing', () => {
  let token;
  before(async () => {
    token = (await connect()).access_token;
  });

  test('text post: 201, empty body, x-restli-id; recorded; the finder lists it first', async () => {
    const r = await rest('POST', '/rest/posts', token, { json: textPost('Hello from the simulator \\(really\\) #launch') });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.text, '');
    const urn = r.headers.get('x-restli-id');
    assert.match(urn, /^urn:li:share:\d{15,19}$/);
    const p = (await simPosts()).find((x) => x.id === urn);
    assert.ok(p);
    assert.equal(p.account, PERSON);
    assert.equal(p.account_name, 'Sim Demo');
    assert.equal(p.kind, 'text');
    assert.equal(p.text, 'Hello from the simulator (really) #launch');
    assert.equal(p.url, `https://www.linkedin.com/feed/update/${urn}/`);
    const second = await rest('POST', '/rest/posts', token, { json: textPost('Second') });
    const urn2 = second.headers.get('x-restli-id');
    const f = await rest('GET', `/rest/posts?q=author&author=${encodeURIComponent(PERSON)}&count=5`, token);
    assert.equal(f.status, 200, f.text);
    assert.equal(f.json.elements[0].id, urn2);
    assert.equal(f.json.elements[1].id, urn);
    assert.equal(f.json.elements[1].commentary, 'Hello from the simulator \\(really\\) #launch');
    assert.equal(f.json.elements[1].lifecycleState, 'PUBLISHED');
    const one = await rest('GET', `/rest/posts/${encodeURIComponent(urn)}`, token);
    assert.equal(one.status, 200);
    assert.equal(one.json.author, PERSON);
  });

  test('unescaped little-text brackets cut the text LinkedIn shows', async () => {
    const r = await rest('POST', '/rest/posts', token, { json: textPost('Before (after') });
    assert.equal(r.status, 201);
    const p = (await simPosts()).find((x) => x.id === r.headers.get('x-restli-id'));
    assert.equal(p.text, 'Before ');
    assert.equal(p.text_truncated, true);
  });

  test('post validation: author, commentary length, visibility, distribution, lifecycleState', async () => {
    let r = await rest('POST', '/rest/posts', token, { json: textPost('x', { author: 'urn:li:person:someoneElse' }) });
    assert.equal(r.status, 403);
    r = await rest('POST', '/rest/posts', token, { json: textPost('a'.repeat(3001)) });
    assert.equal(r.status, 422);
    assert.match(r.json.message, /commentary/);
    r = await rest('POST', '/rest/posts', token, { json: textPost('é'.repeat(3000)) });
    assert.equal(r.status, 201, '3000 characters (not bytes) is fine');
    r = await rest('POST', '/rest/posts', token, { json: textPost('x', { visibility: 'EVERYONE' }) });
    assert.equal(r.status, 422);
    r = await rest('POST', '/rest/posts', token, { json: textPost('x', { distribution: undefined }) });
    assert.equal(r.status, 422);
    r = await rest('POST', '/rest/posts', token, { json: textPost('x', { lifecycleState: undefined }) });
    assert.equal(r.status, 422);
    r = await rest('POST', '/rest/posts', token, { body: 'not json', headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 400);
  });

  test('image: initializeUpload → PUT → post; member tokens cannot read image status', async () => {
    const image = await uploadImage(token);
    const st = await rest('GET', `/rest/images/${encodeURIComponent(image)}`, token);
    assert.equal(st.status, 403);
    const r = await rest('POST', '/rest/posts', token, {
      json: textPost('With a picture', { content: { media: { id: image, altText: 'a dot' } } }),
    });
    assert.equal(r.status, 201, r.text);
    const p = (await simPosts()).find((x) => x.id === r.headers.get('x-restli-id'));
    assert.equal(p.kind, 'image');
    assert.equal(p.media.length, 1);
    const m = await simFetch(sim, 'GET', `/_sim/media/${p.media[0]}`);
    assert.equal(m.headers.get('content-type'), 'image/png');
  });

  test('image PUT needs the bearer token; an image not yet uploaded cannot be posted', async () => {
    const init = await rest('POST', '/rest/images?action=initializeUpload', token, {
      json: { initializeUploadRequest: { owner: PERSON } },
    });
    const { uploadUrl, image } = init.json.value;
    const put = await simFetch(sim, 'PUT', uploadUrl.slice(sim.url.length), { body: Buffer.from('x') });
    assert.equal(put.status, 401);
    const r = await rest('POST', '/rest/posts', token, { json: textPost('x', { content: { media: { id: image } } }) });
    assert.equal(r.status, 422);
    assert.match(r.json.message, /WAITING_UPLOAD/);
    const other = await rest('POST', '/rest/images?action=initializeUpload', token, {
      json: { initializeUploadRequest: { owner: 'urn:li:person:someoneElse' } },
    });
    assert.equal(other.status, 403);
  });

  test('multiImage with two images', async () => {
    const a = await uploadImage(token);
    const b = await uploadImage(token);
    let r = await rest('POST', '/rest/posts', token, {
      json: textPost('Two pictures', { content: { multiImage: { images: [{ id: a }, { id: b, altText: 'b' }] } } }),
    });
    assert.equal(r.status, 201, r.text);
    const p = (await simPosts()).find((x) => x.id === r.headers.get('x-restli-id'));
    assert.equal(p.kind, 'multi_image');
    assert.equal(p.media.length, 2);
    r = await rest('POST', '/rest/posts', token, {
      json: textPost('One picture', { content: { multiImage: { images: [{ id: a }] } } }),
    });
    assert.equal(r.status, 422);
  });

  test('video: 4 MiB parts with etags → finalize → PROCESSING polls → AVAILABLE → post', async () => {
    const size = 2 * 4194304 + 123457;
    const { video, etags, uploadInstructions } = await uploadVideo(token, size);
    assert.equal(uploadInstructions.length, 3);
    assert.deepEqual(
      uploadInstructions.map((p) => [p.firstByte, p.lastByte]),
      [
        [0, 4194303],
        [4194304, 8388607],
        [8388608, size - 1],
      ],
    );
    let st = await rest('GET', `/rest/videos/${encodeURIComponent(video)}`, token);
    assert.equal(st.status, 200);
    assert.equal(st.json.status, 'WAITING_UPLOAD');
    let r = await finalize(token, video, [etags[1], etags[0], etags[2]]);
    assert.equal(r.status, 400, 'etags out of order');
    r = await finalize(token, video, etags.slice(0, 2));
    assert.equal(r.status, 400, 'an etag missing');
    r = await finalize(token, video, etags);
    assert.equal(r.status, 200, r.text);
    r = await rest('POST', '/rest/posts', token, { json: textPost('Too early', { content: { media: { id: video } } }) });
    assert.equal(r.status, 422, 'a video still processing cannot be posted');
    const seen = [];
    for (let i = 0; i < 5; i++) {
      st = await rest('GET', `/rest/videos/${encodeURIComponent(video)}`, token);
      seen.push(st.json.status);
      if (st.json.status === 'AVAILABLE') break;
    }
    assert.deepEqual(seen, ['PROCESSING', 'PROCESSING', 'AVAILABLE']);
    r = await rest('POST', '/rest/posts', token, {
      json: textPost('A video', { content: { media: { id: video, title: 'Clip' } } }),
    });
    assert.equal(r.status, 201, r.text);
    const p = (await simPosts()).find((x) => x.id === r.headers.get('x-restli-id'));
    assert.equal(p.kind, 'video');
    const m = await simFetch(sim, 'GET', `/_sim/media/${p.media[0]}`);
    assert.equal(m.bytes.length, size);
    assert.ok(m.bytes.equals(fakeMp4(size)), 'the parts were joined in order');
  });

  test('a part of the wrong size is refused', async () => {
    const init = await rest('POST', '/rest/videos?action=initializeUpload', token, {
      json: { initializeUploadRequest: { owner: PERSON, fileSizeBytes: 5000000 } },
    });
    const part = init.json.value.uploadInstructions[0];
    const put = await simFetch(sim, 'PUT', part.uploadUrl.slice(sim.url.length), { body: Buffer.alloc(1000) });
    assert.equal(put.status, 400);
    const tiny = await rest('POST', '/rest/videos?action=initializeUpload', token, {
      json: { initializeUploadRequest: { owner: PERSON, fileSizeBytes: 1000 } },
    });
    assert.equal(tiny.status, 400, 'under 75 KB');
  });

  test('processing failure: PROCESSING_FAILED with processingFailureReason', async () => {
    await sim.admin('POST', '/_sim/processing', { platform: 'linkedin', polls: 0, fail: true });
    try {
      const { video, etags } = await uploadVideo(token, 100000);
      assert.equal((await finalize(token, video, etags)).status, 200);
      const st = await rest('GET', `/rest/videos/${encodeURIComponent(video)}`, token);
      assert.equal(st.json.status, 'PROCESSING_FAILED');
      assert.ok(st.json.processingFailureReason);
      const r = await rest('POST', '/rest/posts', token, { json: textPost('x', { content: { media: { id: video } } }) });
      assert.equal(r.status, 422);
    } finally {
      await sim.admin('POST', '/_sim/processing', { platform: 'linkedin' });
    }
  });

  test('socialActions: likes and comments grow with simulated time', async () => {
    const r = await rest('POST', '/rest/posts', token, { json: textPost('Count me') });
    const urn = r.headers.get('x-restli-id');
    const get = () =>
      simFetch(sim, 'GET', `/linkedin/api/v2/socialActions/${encodeURIComponent(urn)}`, {
        headers: { Authorization: `Bearer ${token}` },
      });
    const a = await get();
    assert.equal(a.status, 200, a.text);
    assert.equal(a.json.likesSummary.totalLikes, 0);
    await sim.admin('POST', '/_sim/clock', { advance_s: 3 * 3600 });
    const b = await get();
    assert.ok(b.json.likesSummary.totalLikes > 0);
    assert.ok(b.json.commentsSummary.aggregatedTotalComments > 0);
    const none = await simFetch(sim, 'GET', '/linkedin/api/v2/socialActions/urn%3Ali%3Ashare%3A1', {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(none.status, 404);
  });

  test('edit and delete a post', async () => {
    const r = await rest('POST', '/rest/posts', token, { json: textPost('Old text') });
    const urn = r.headers.get('x-restli-id');
    let u = await rest('POST', `/rest/posts/${encodeURIComponent(urn)}`, token, {
      json: { patch: { $set: { commentary: 'New text' } } },
      headers: { 'X-RestLi-Method': 'PARTIAL_UPDATE' },
    });
    assert.equal(u.status, 204, u.text);
    assert.equal((await simPosts()).find((x) => x.id === urn).text, 'New text');
    u = await rest('DELETE', `/rest/posts/${encodeURIComponent(urn)}`, token);
    assert.equal(u.status, 204);
    u = await rest('GET', `/rest/posts/${encodeURIComponent(urn)}`, token);
    assert.equal(u.status, 404);
  });
});

describe('LinkedIn faults and limits', () => {
  let token;
  before(async () => {
    token = (await connect()).access_token;
  });

  test('429 in LinkedIn\'s envelope with rate-limit headers', async () => {
    await sim.admin('POST', '/_sim/ratelimit', { platform: 'linkedin', limit: 1, window_s: 60 });
    try {
      const ok = await rest('POST', '/rest/posts', token, { json: textPost('one') });
      assert.equal(ok.status, 201);
      assert.equal(ok.headers.get('x-rate-limit-limit'), '1');
      const r = await rest('POST', '/rest/posts', token, { json: textPost('two') });
      assert.equal(r.status, 429);
      assert.equal(r.json.status, 429);
      assert.equal(r.json.code, 'TOO_MANY_REQUESTS');
      assert.ok(Number(r.headers.get('retry-after')) > 0);
      assert.equal(r.headers.get('x-rate-limit-remaining'), '0');
      assert.ok(r.headers.get('x-rate-limit-reset'));
    } finally {
      await sim.admin('POST', '/_sim/ratelimit', { platform: 'linkedin', limit: 0, window_s: 60 });
    }
  });

  test('injected faults answer in LinkedIn\'s envelope once, then the call works', async () => {
    await sim.admin('POST', '/_sim/faults', { platform: 'linkedin', method: 'POST', path: '/rest/posts', status: 503 });
    let r = await rest('POST', '/rest/posts', token, { json: textPost('retry me') });
    assert.equal(r.status, 503);
    assert.equal(r.json.status, 503);
    assert.ok(r.json.message);
    r = await rest('POST', '/rest/posts', token, { json: textPost('retry me') });
    assert.equal(r.status, 201);
    await sim.admin('POST', '/_sim/faults', { platform: 'linkedin', path: '/rest/videos', status: 500 });
    r = await rest('POST', '/rest/videos?action=initializeUpload', token, {
      json: { initializeUploadRequest: { owner: PERSON, fileSizeBytes: 100000 } },
    });
    assert.equal(r.status, 500);
    assert.equal(r.json.code, 'INTERNAL_SERVER_ERROR');
  });

  test('unknown paths get a LinkedIn 404', async () => {
    const r = await simFetch(sim, 'GET', '/linkedin/api/v2/nothingHere', { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(r.status, 404);
    assert.equal(r.json.status, 404);
  });

  test('the request log keeps the LinkedIn headers', async () => {
    const log = (await sim.admin('GET', '/_sim/requests?platform=linkedin')).items;
    const post = log.findLast((x) => x.path === '/rest/posts' && x.method === 'POST');
    assert.equal(post.headers['LinkedIn-Version'], VERSION);
    assert.equal(post.headers['X-Restli-Protocol-Version'], '2.0.0');
    const tok = log.findLast((x) => x.path === '/oauth/v2/accessToken');
    assert.ok(tok);
  });
});
