// Publishing end to end to Facebook Pages and Instagram (Instagram Login, and an Instagram
// account reached through its Facebook Page) through the platform simulator: every post kind of
// the two adapters, then the faults the engine must live with (5xx bursts, rate limits, dropped
// connections on the create step, revoked tokens, failed and slow media processing).  Each test
// connects real accounts through the simulator's consent, uploads media through the API,
// schedules the post "now" and follows it to the end, then checks:
//   - the target's state, remote_url and error;
//   - what the simulator received (/_sim/posts: exactly one matching post, its text, media bytes
//     and kind; /_sim/requests where the fault is about requests);
//   - the attempt log (GET /posts/{id}/attempts): the create step, lookups, retries.
//
// Facebook and Instagram fetch the media themselves from the server's signed public links: the
// server derives P2S_PUBLIC_URL from its listen address (127.0.0.1:<port>), which the simulator
// on the same machine reaches.  Instagram videos must last 3 s at least at 23-60 fps with AAC
// audio, which the 2-second clips do not: clip-108x192.mp4 (tests/fixtures/make-clip-108x192.sh)
// is the Instagram video.
//
// The happy paths share one simulator and one server (no faults there): Facebook and Instagram
// Login in one workspace, Instagram through the Page in a second one (connecting it in the first
// would replace the Instagram Login connection of the same account).  Every fault test has a
// simulator and a server of its own, so fault rules, rate limits and processing settings never
// leak between tests that run at the same time.  Media processing takes SIM_PROCESSING_POLLS=0
// status polls (Facebook still waits 2 s before its first video poll).  The engine's retry backoff
// starts at 30 s: when a target goes to retry_wait the test checks due_at and then moves it to
// now in the database.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startServer, sql } from '../lib/harness.mjs';
import { signup, createWorkspace } from '../lib/api.mjs';
import { startSim, simEnv } from '../lib/sim.mjs';
import { connectAccount, until } from '../lib/connect.mjs';

const FIX = join(ROOT, 'tests', 'fixtures');
const RUN = randomBytes(3).toString('hex'); // Facebook refuses the same status twice in a row
const FINAL = ['published', 'failed', 'partially_published'];
const BACKOFF_MS = 30000; // executor.c BACKOFF_MIN_S
const JITTER = 0.2; // +-20 %
const IG_ID = '17841400000000001'; // the simulator's Instagram account (both logins)

/* ---- media ---- */

const sha = (buf) => createHash('sha256').update(buf).digest('hex');
const fixture = (name) => readFileSync(join(FIX, name));

/** The photo fixture with a JPEG comment naming tag: the same 4:3 picture, other bytes (no dedupe). */
function jpegVariant(tag) {
  const src = fixture('photo-320x240.jpg');
  const text = Buffer.from(`p2s test ${tag} ${RUN}`);
  const seg = Buffer.from([0xff, 0xfe, 0, 0]);
  seg.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([src.subarray(0, 2), seg, text, src.subarray(2)]);
}

async function upload(e, ws, name, bytes, type) {
  const r = await e.owner.call('POST', `/api/v1/workspaces/${ws}/media?name=${encodeURIComponent(name)}`, bytes, { headers: { 'Content-Type': type } });
  assert.ok(r.status === 201 || r.status === 200, `upload ${name}: ${r.status} ${r.text}`);
  return { ...r.json.media, sha: sha(bytes) };
}
const uploadFixture = (e, ws, name, type) => upload(e, ws, name, fixture(name), type);
const IG_VIDEO = 'clip-108x192.mp4';

/* ---- environments ---- */

/**
 * A simulator and a server pointed at it, an owner and the given accounts connected:
 * facebook and instagram in the workspace e.ws, instagram_fb in a workspace of its own
 * (e.acc[key].ws says which).  simVars: extra simulator settings.
 */
async function startEnv(keys, simVars = {}) {
  const sim = await startSim({ env: { SIM_PROCESSING_POLLS: '0', ...simVars } });
  let srv;
  try {
    srv = await startServer({ env: simEnv(sim.url) });
  } catch (err) {
    await sim.stop();
    throw err;
  }
  const e = { sim, srv, acc: {} };
  e.stop = async () => {
    await srv.stop();
    await sim.stop();
  };
  try {
    e.owner = await signup(srv, { name: 'Owner' });
    e.ws = await createWorkspace(e.owner, 'Publishing');
    for (const key of keys) {
      const ws = key === 'instagram_fb' ? await createWorkspace(e.owner, 'Through the Page') : e.ws;
      const a = await connectAccount(srv, e.owner, ws, key);
      assert.ok(a, `${key} connected`);
      e.acc[key] = { ...a, ws };
    }
  } catch (err) {
    await e.stop();
    throw err;
  }
  return e;
}

/** Run fn with a fresh environment, stopped afterwards; the server's log tail joins a failure. */
async function withEnv(keys, simVars, fn) {
  const e = await startEnv(keys, simVars);
  try {
    await fn(e);
  } catch (err) {
    const tail = e.srv.logs().split('\n').filter((l) => !l.includes('"msg":"request"')).slice(-12).join('\n');
    err.message += `\n--- server log (last lines, requests left out) ---\n${tail}`;
    throw err;
  } finally {
    await e.stop();
  }
}

/* ---- posts, targets, attempts ---- */

const postsPath = (ws) => `/api/v1/workspaces/${ws}/posts`;

/** Schedule a post "now" with one target on e.acc[key]; returns {id, P, post}. */
async function publishNow(e, key, { body, media = [], kind, options, ws = e.acc[key].ws }) {
  const target = { account_id: e.acc[key].id };
  if (kind) target.kind = kind;
  if (options) target.options = options;
  const P = postsPath(ws);
  const r = await e.owner.post(P, { body, media: media.map((m) => m.id), targets: [target], schedule: { mode: 'now' }, action: 'schedule' });
  assert.equal(r.status, 201, r.text);
  return { id: r.json.post.id, P, post: r.json.post };
}

async function getPost(e, ref) {
  const r = await e.owner.get(`${ref.P}/${ref.id}`);
  assert.equal(r.status, 200, r.text);
  return r.json.post;
}

async function attemptsOf(e, ref) {
  const r = await e.owner.get(`${ref.P}/${ref.id}/attempts`);
  assert.equal(r.status, 200, r.text);
  return r.json.attempts;
}

/** Wait until the post is published, failed or partially published. */
function settle(e, ref, ms = 30000) {
  return until(async () => {
    const p = await getPost(e, ref);
    return FINAL.includes(p.state) && p;
  }, ms, `post ${ref.id} to finish publishing`);
}

const dueAt = (e, tid) => Number(sql(e.srv, `SELECT due_at FROM post_targets WHERE id = ${tid}`).trim());
const failures = (e, tid) => Number(sql(e.srv, `SELECT failures FROM post_targets WHERE id = ${tid}`).trim());

/** A target in retry_wait is due now: the worker claims it within a second or two. */
function fastForward(e, tid) {
  sql(e.srv, `UPDATE post_targets SET due_at = ${Date.now()} WHERE id = ${tid} AND state = 'retry_wait'`);
}

/**
 * Follow a one-target post to its end.  Every time the target goes to retry_wait, record
 * {attempt, number (1-based attempt), due, error, failures}, call onWait (to lift a fault),
 * and move due_at to now.  Returns {post, waits}.
 */
async function driveToEnd(e, ref, { onWait = null, ms = 30000 } = {}) {
  const waits = [];
  for (;;) {
    const seen = waits.length;
    const stop = await until(async () => {
      const post = await getPost(e, ref);
      if (FINAL.includes(post.state)) return { post };
      if (post.targets[0].state !== 'retry_wait') return null;
      const atts = await attemptsOf(e, ref);
      const retried = atts.filter((a) => a.outcome === 'retry');
      if (retried.length <= seen) return null;
      const attempt = retried[retried.length - 1];
      return { post, attempt, number: atts.indexOf(attempt) + 1 };
    }, ms, `post ${ref.id} to finish or wait for a retry`);
    if (!stop.attempt) return { post: stop.post, waits };
    const t = stop.post.targets[0];
    waits.push({ attempt: stop.attempt, number: stop.number, due: dueAt(e, t.id), error: t.error, failures: failures(e, t.id) });
    assert.ok(waits.length <= 5, 'too many retries');
    if (onWait) await onWait(waits[waits.length - 1]);
    fastForward(e, t.id);
  }
}

const requestsOf = (attempts) => attempts.flatMap((a) => a.requests);
const createSteps = (attempts) => requestsOf(attempts).filter((q) => q.create_step);
const ok2xx = (q) => q.status >= 200 && q.status < 300;

/** Exactly one create step succeeded. */
function assertCreatedOnce(attempts) {
  const good = createSteps(attempts).filter(ok2xx);
  assert.equal(good.length, 1, `create steps that succeeded: ${JSON.stringify(createSteps(attempts))}`);
}

/** One attempt, published, with exactly one create step (which succeeded). */
function assertOneCleanAttempt(attempts) {
  assert.equal(attempts.length, 1, `attempts: ${JSON.stringify(attempts.map((a) => [a.outcome, a.error_message]))}`);
  assert.equal(attempts[0].outcome, 'published');
  assert.equal(createSteps(attempts).length, 1, `create steps: ${JSON.stringify(createSteps(attempts))}`);
  assertCreatedOnce(attempts);
}

/** Between two create requests of the attempt log, a lookup of the account's posts. */
function assertLookupBetweenCreates(attempts, isLookup) {
  const reqs = requestsOf(attempts);
  const creates = reqs.map((q, i) => (q.create_step ? i : -1)).filter((i) => i >= 0);
  for (let k = 1; k < creates.length; k++) {
    const between = reqs.slice(creates[k - 1] + 1, creates[k]);
    assert.ok(between.some(isLookup), `a create was sent again without looking for the first one: ${JSON.stringify(reqs.map((q) => `${q.method} ${q.url} ${q.status}`))}`);
  }
}

/** Assert the backoff of a transient failure: 30 s doubling per attempt, +-20 %. */
function assertBackoff(w) {
  const base = BACKOFF_MS * 2 ** (w.number - 1);
  const delta = w.due - Date.parse(w.attempt.ended_at);
  assert.ok(delta >= base * (1 - JITTER) - 100 && delta <= base * (1 + JITTER) + 100, `attempt ${w.number} should wait ${base / 1000} s +-20 %, waits ${delta} ms`);
}

/* ---- the simulator ---- */

// Instagram Login talks to graph.instagram.com (the simulator's "instagram"); Instagram through
// a Page and Facebook talk to graph.facebook.com ("facebook").
const HOST = { facebook: 'facebook', instagram: 'instagram', instagram_fb: 'facebook' };
const POSTS_OF = { facebook: 'facebook', instagram: 'instagram', instagram_fb: 'instagram' };

async function simPosts(e, platform) {
  return (await e.sim.admin('GET', `/_sim/posts?platform=${platform}`)).items;
}

async function simRequests(e, platform) {
  return (await e.sim.admin('GET', `/_sim/requests?platform=${platform}`)).items;
}

async function simMediaSha(e, id) {
  const r = await fetch(`${e.sim.url}/_sim/media/${encodeURIComponent(id)}`);
  assert.equal(r.status, 200, `simulator media ${id}`);
  return sha(Buffer.from(await r.arrayBuffer()));
}

/** The media a simulated post received, as SHA-256s in order. */
async function postedMedia(e, simPost) {
  const out = [];
  for (const id of simPost.media) out.push(await simMediaSha(e, id));
  return out;
}

/** The simulator's one post of key's platform matching pred (asserts there is exactly one). */
async function onePost(e, key, pred, what) {
  const all = (await simPosts(e, POSTS_OF[key])).filter(pred);
  assert.equal(all.length, 1, `${key} should hold exactly one ${what}; it holds ${all.length}`);
  return all[0];
}

/** Revoke every grant of a simulator platform (every family and every token). */
async function revokeAll(e, platform) {
  const toks = (await e.sim.admin('GET', `/_sim/tokens?platform=${platform}`)).items;
  assert.ok(toks.length >= 1, 'a grant to revoke');
  for (const family of new Set(toks.map((t) => t.family).filter(Boolean))) await e.sim.admin('POST', '/_sim/tokens/revoke', { family });
  for (const t of toks) await e.sim.admin('POST', '/_sim/tokens/revoke', { token: t.token });
}

async function account(e, key) {
  const items = (await e.owner.get(`/api/v1/workspaces/${e.acc[key].ws}/accounts`)).json.items;
  return items.find((a) => a.id === e.acc[key].id);
}

/* Lookups of recent posts in the attempt log (URLs are logged without their query). */
const LOOKUP = {
  facebook: (q) => q.method === 'GET' && /\/published_posts$/.test(q.url),
  // a container's status, or the account's media list
  instagram: (q) => q.method === 'GET' && !q.create_step && (/\/\d+\/media$/.test(q.url) || /\/\d+$/.test(q.url)),
};

/* Create requests as the simulator saw them. */
const SIM_CREATE = {
  feed: (i) => i.method === 'POST' && /\/feed$/.test(i.path),
  media_publish: (i) => i.method === 'POST' && /\/media_publish$/.test(i.path),
};

/* ======================================================================================== */

describe('every post kind', { concurrency: true }, () => {
  let e;
  let media;

  before(async () => {
    e = await startEnv(['facebook', 'instagram', 'instagram_fb']);
    const w1 = e.ws;
    const w2 = e.acc.instagram_fb.ws;
    media = {
      jpg: await uploadFixture(e, w1, 'photo-320x240.jpg', 'image/jpeg'),
      png: await uploadFixture(e, w1, 'portrait-200x250.png', 'image/png'),
      wide: await uploadFixture(e, w1, 'clip-160x90.mp4', 'video/mp4'),
      tall: await uploadFixture(e, w1, 'clip-90x160.mp4', 'video/mp4'),
      igVideo: await uploadFixture(e, w1, IG_VIDEO, 'video/mp4'),
      igVideo2: await uploadFixture(e, w2, IG_VIDEO, 'video/mp4'),
    };
    for (const tag of ['fb-3', 'ig-1', 'ig-c1', 'ig-c2', 'ig-story', 'ig-comment']) media[tag] = await upload(e, w1, `${tag}.jpg`, jpegVariant(tag), 'image/jpeg');
    media['igfb-1'] = await upload(e, w2, 'igfb-1.jpg', jpegVariant('igfb-1'), 'image/jpeg');
  });
  after(async () => {
    if (e) await e.stop();
  });

  describe('Facebook Page', { concurrency: true }, () => {
    test('text post', async () => {
      const body = `Fresh croissants until noon ${RUN}`;
      const ref = await publishNow(e, 'facebook', { body });
      const done = await settle(e, ref);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      const t = done.targets[0];
      assert.equal(t.state, 'published');
      assert.equal(t.kind, 'post');
      assert.equal(t.error, null);
      const sp = await onePost(e, 'facebook', (p) => p.text === body, 'text post');
      assert.equal(sp.kind, 'feed');
      assert.equal(sp.account, e.acc.facebook.remote_id);
      assert.deepEqual(sp.media, []);
      assert.equal(sp.link, null);
      assert.equal(t.remote_url, sp.url);
      assert.match(t.remote_url, /^https:\/\/www\.facebook\.com\/\d+\/posts\/\d+$/);
      const atts = await attemptsOf(e, ref);
      assertOneCleanAttempt(atts);
      assert.deepEqual(requestsOf(atts).map((q) => q.create_step), [true], 'one request, the create (permalink asked in the same call)');
      assert.match(createSteps(atts)[0].url, /\/feed$/);
    });

    test('text post with a link', async () => {
      const body = `Our spring menu is online ${RUN}`;
      const link = `https://example.com/menu?run=${RUN}`;
      const ref = await publishNow(e, 'facebook', { body, kind: 'post', options: { link } });
      const done = await settle(e, ref);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      const sp = await onePost(e, 'facebook', (p) => p.text === body, 'link post');
      assert.equal(sp.kind, 'feed');
      assert.equal(sp.link, link);
      assert.equal(done.targets[0].remote_url, sp.url);
      assertOneCleanAttempt(await attemptsOf(e, ref));
    });

    test('one photo: published with its caption, then its permalink read', async () => {
      const body = `Today's loaf ${RUN}`;
      const ref = await publishNow(e, 'facebook', { body, media: [media.jpg] });
      const done = await settle(e, ref);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      const t = done.targets[0];
      assert.equal(t.kind, 'photos');
      const sp = await onePost(e, 'facebook', (p) => p.text === body, 'photo post');
      assert.equal(sp.kind, 'photo');
      assert.deepEqual(await postedMedia(e, sp), [media.jpg.sha]);
      assert.equal(t.remote_url, sp.url);
      assert.match(t.remote_url, /^https:\/\/www\.facebook\.com\/photo\/\?fbid=\d+$/);
      const atts = await attemptsOf(e, ref);
      assertOneCleanAttempt(atts);
      const reqs = requestsOf(atts);
      assert.match(createSteps(atts)[0].url, /\/photos$/);
      assert.equal(reqs.length, 2, 'the photo, then its permalink');
      assert.equal(reqs[1].method, 'GET');
    });

    test('three photos: uploaded unpublished, then one post with all of them in order', async () => {
      const items = [media.jpg, media.png, media['fb-3']];
      const body = `Three loaves ${RUN}`;
      const ref = await publishNow(e, 'facebook', { body, media: items });
      const done = await settle(e, ref);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      const sp = await onePost(e, 'facebook', (p) => p.text === body, 'multi-photo post');
      assert.equal(sp.kind, 'feed');
      assert.equal(sp.attached_media.length, 3);
      assert.deepEqual(await postedMedia(e, sp), items.map((m) => m.sha));
      assert.equal(done.targets[0].remote_url, sp.url);
      const atts = await attemptsOf(e, ref);
      assertOneCleanAttempt(atts);
      const reqs = requestsOf(atts);
      assert.equal(reqs.filter((q) => q.method === 'POST' && q.url.endsWith('/photos')).length, 3, 'each photo uploaded once');
      assert.ok(reqs.findIndex((q) => q.create_step) > reqs.findLastIndex((q) => q.url.endsWith('/photos')), 'the photos before the post');
      assert.match(createSteps(atts)[0].url, /\/feed$/);
    });

    test('video: posted by link, processing checked, the video link', async () => {
      const body = `Behind the counter ${RUN}`;
      const ref = await publishNow(e, 'facebook', { body, media: [media.wide] });
      const done = await settle(e, ref);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      const t = done.targets[0];
      assert.equal(t.kind, 'video');
      const sp = await onePost(e, 'facebook', (p) => p.text === body, 'video post');
      assert.equal(sp.kind, 'video');
      assert.deepEqual(await postedMedia(e, sp), [media.wide.sha]);
      assert.equal(t.remote_url, `https://www.facebook.com/simcoffee/videos/${sp.video_id}/`);
      const atts = await attemptsOf(e, ref);
      assertOneCleanAttempt(atts);
      const reqs = requestsOf(atts);
      assert.match(createSteps(atts)[0].url, /\/videos$/);
      assert.ok(reqs.some((q) => q.method === 'GET' && q.url.endsWith(`/${sp.video_id}`)), 'the processing was checked');
    });

    test('reel: started, sent by link, finished as PUBLISHED', async () => {
      const body = `Shaping a baguette ${RUN}`;
      const ref = await publishNow(e, 'facebook', { body, media: [media.tall], kind: 'reel' });
      const done = await settle(e, ref);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      const t = done.targets[0];
      assert.equal(t.kind, 'reel');
      const sp = await onePost(e, 'facebook', (p) => p.text === body, 'reel');
      assert.equal(sp.kind, 'reel');
      assert.deepEqual(await postedMedia(e, sp), [media.tall.sha]);
      assert.equal(t.remote_url, `https://www.facebook.com/reel/${sp.video_id}/`);
      const atts = await attemptsOf(e, ref);
      assertOneCleanAttempt(atts);
      const reqs = requestsOf(atts);
      const reels = reqs.filter((q) => q.method === 'POST' && q.url.endsWith('/video_reels'));
      assert.equal(reels.length, 2, 'start and finish');
      assert.equal(reels[1].create_step, true, 'finish is the create step');
      assert.ok(reqs.some((q) => q.method === 'POST' && q.url.includes(`/video-upload/`)), 'the transfer went to the upload host');
    });
  });

  describe('Instagram (Instagram Login)', { concurrency: true }, () => {
    test('image: container, status, media_publish, permalink', async () => {
      const body = `Morning pour-over ${RUN}`;
      const ref = await publishNow(e, 'instagram', { body, media: [media['ig-1']] });
      const done = await settle(e, ref);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      const t = done.targets[0];
      assert.equal(t.kind, 'image');
      const sp = await onePost(e, 'instagram', (p) => p.text === body, 'image post');
      assert.equal(sp.kind, 'image');
      assert.equal(sp.media_type, 'IMAGE');
      assert.equal(sp.product, 'FEED');
      assert.equal(sp.host, 'instagram', 'through graph.instagram.com');
      assert.equal(sp.account, IG_ID);
      assert.deepEqual(await postedMedia(e, sp), [media['ig-1'].sha]);
      assert.equal(t.remote_url, sp.permalink);
      assert.match(t.remote_url, /^https:\/\/www\.instagram\.com\/p\/[\w-]+\/$/);
      const atts = await attemptsOf(e, ref);
      assertOneCleanAttempt(atts);
      const reqs = requestsOf(atts);
      assert.deepEqual(
        reqs.map((q) => `${q.method} ${q.url.replace(/^.*\/instagram\/graph\/[^/]+/, '')}`),
        [`POST /${IG_ID}/media`, `GET /${sp.container}`, `POST /${IG_ID}/media_publish`, `GET /${sp.id}`],
      );
      assert.match(createSteps(atts)[0].url, /\/media_publish$/);
    });

    test('carousel of two images and a video, in order', async () => {
      const items = [media['ig-c1'], media.igVideo, media['ig-c2']];
      const body = `Three steps to a flat white ${RUN}`;
      const ref = await publishNow(e, 'instagram', { body, media: items });
      const done = await settle(e, ref);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      const t = done.targets[0];
      assert.equal(t.kind, 'carousel');
      const sp = await onePost(e, 'instagram', (p) => p.text === body, 'carousel');
      assert.equal(sp.kind, 'carousel');
      assert.equal(sp.media_type, 'CAROUSEL_ALBUM');
      assert.equal(sp.children.length, 3);
      assert.deepEqual(await postedMedia(e, sp), items.map((m) => m.sha));
      assert.equal(t.remote_url, sp.permalink);
      const atts = await attemptsOf(e, ref);
      assertOneCleanAttempt(atts);
      const creates = requestsOf(atts).filter((q) => q.method === 'POST' && q.url.endsWith('/media'));
      assert.equal(creates.length, 4, 'three items and the carousel');
    });

    test('reel with share_to_feed false', async () => {
      const body = `Latte art, slowly ${RUN}`;
      const ref = await publishNow(e, 'instagram', { body, media: [media.igVideo], kind: 'reel', options: { share_to_feed: false } });
      const done = await settle(e, ref);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      const t = done.targets[0];
      assert.equal(t.kind, 'reel');
      const sp = await onePost(e, 'instagram', (p) => p.text === body, 'reel');
      assert.equal(sp.kind, 'reel');
      assert.equal(sp.product, 'REELS');
      assert.equal(sp.share_to_feed, false);
      assert.deepEqual(await postedMedia(e, sp), [media.igVideo.sha]);
      assert.equal(t.remote_url, sp.permalink);
      assert.match(t.remote_url, /^https:\/\/www\.instagram\.com\/reel\/[\w-]+\/$/);
      assertOneCleanAttempt(await attemptsOf(e, ref));
    });

    test('story: an image, no caption', async () => {
      const img = media['ig-story'];
      const ref = await publishNow(e, 'instagram', { body: '', media: [img], kind: 'story' });
      const done = await settle(e, ref);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      const t = done.targets[0];
      assert.equal(t.kind, 'story');
      const stories = [];
      for (const p of await simPosts(e, 'instagram')) if (p.kind === 'story' && (await postedMedia(e, p))[0] === img.sha) stories.push(p);
      assert.equal(stories.length, 1, 'exactly one story with the image');
      const [sp] = stories;
      assert.equal(sp.product, 'STORY');
      assert.equal(sp.text, '');
      assert.equal(t.remote_url, sp.permalink);
      assert.match(t.remote_url, /^https:\/\/www\.instagram\.com\/stories\/simcoffee\/\d+\/$/);
      assertOneCleanAttempt(await attemptsOf(e, ref));
    });

    test('story: a video', async () => {
      const vid = media.igVideo;
      const ref = await publishNow(e, 'instagram', { body: '', media: [vid], kind: 'story' });
      const done = await settle(e, ref);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      const stories = [];
      for (const p of await simPosts(e, 'instagram')) if (p.kind === 'story' && (await postedMedia(e, p))[0] === vid.sha) stories.push(p);
      assert.equal(stories.length, 1, 'exactly one story with the video');
      const [sp] = stories;
      assert.equal(sp.media_type, 'VIDEO');
      assert.equal(sp.product, 'STORY');
      assert.equal(done.targets[0].remote_url, sp.permalink);
      assertOneCleanAttempt(await attemptsOf(e, ref));
    });

    test('image with a first comment: the comment follows the post, once', async () => {
      const body = `New single origin ${RUN}`;
      const first_comment = `Tasting notes: cherry, cocoa #coffee ${RUN}`;
      const ref = await publishNow(e, 'instagram', { body, media: [media['ig-comment']], options: { first_comment } });
      const done = await settle(e, ref);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      const t = done.targets[0];
      assert.equal(t.error, null);
      const sp = await onePost(e, 'instagram', (p) => p.text === body, 'image post');
      assert.deepEqual((sp.comments_added || []).map((c) => c.text), [first_comment]);
      assert.equal(t.remote_url, sp.permalink);
      const atts = await attemptsOf(e, ref);
      assertOneCleanAttempt(atts);
      const reqs = requestsOf(atts);
      const comment = reqs.findIndex((q) => q.method === 'POST' && q.url.endsWith(`/${sp.id}/comments`));
      assert.ok(comment > reqs.findIndex((q) => q.create_step), 'the comment after the post');
      assert.equal(reqs[comment].create_step, false);
      assert.equal(reqs.filter((q) => q.url.endsWith('/comments')).length, 1);
    });
  });

  describe('Instagram through a Facebook Page', { concurrency: true }, () => {
    test('image, through graph.facebook.com with the Page token', async () => {
      const img = media['igfb-1'];
      const body = `Through the Page ${RUN}`;
      const ref = await publishNow(e, 'instagram_fb', { body, media: [img] });
      const done = await settle(e, ref);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      const t = done.targets[0];
      assert.equal(t.kind, 'image');
      const sp = await onePost(e, 'instagram_fb', (p) => p.text === body, 'image post');
      assert.equal(sp.host, 'facebook', 'through graph.facebook.com');
      assert.equal(sp.kind, 'image');
      assert.deepEqual(await postedMedia(e, sp), [img.sha]);
      assert.equal(t.remote_url, sp.permalink);
      const atts = await attemptsOf(e, ref);
      assertOneCleanAttempt(atts);
      for (const q of requestsOf(atts)) assert.match(q.url, /\/facebook\/graph\//, 'every request goes to the Facebook host');
    });

    test('reel', async () => {
      const body = `A Reel through the Page ${RUN}`;
      const ref = await publishNow(e, 'instagram_fb', { body, media: [media.igVideo2], kind: 'reel' });
      const done = await settle(e, ref);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      const sp = await onePost(e, 'instagram_fb', (p) => p.text === body, 'reel');
      assert.equal(sp.host, 'facebook');
      assert.equal(sp.kind, 'reel');
      assert.equal(sp.share_to_feed, true, 'share_to_feed defaults to true');
      assert.deepEqual(await postedMedia(e, sp), [media.igVideo2.sha]);
      assert.equal(done.targets[0].remote_url, sp.permalink);
      assertOneCleanAttempt(await attemptsOf(e, ref));
    });
  });
});

/* ======================================================================================== */

describe('faults', { concurrency: 6 }, () => {
  describe('a 5xx burst on the create request: looked for, then retried with backoff, published once', { concurrency: true }, () => {
    const cases = [
      { name: 'facebook text post, two answers 503', key: 'facebook', count: 2, fault: { platform: 'facebook', method: 'POST', path: '/feed', status: 503 }, simCreate: SIM_CREATE.feed },
      { name: 'instagram image, one answer 500 on media_publish', key: 'instagram', count: 1, fault: { platform: 'instagram', method: 'POST', path: '/media_publish', status: 500 }, simCreate: SIM_CREATE.media_publish, image: true },
    ];
    for (const c of cases) {
      test(c.name, () =>
        withEnv([c.key], {}, async (e) => {
          const ids = c.image ? [await upload(e, e.ws, 'burst.jpg', jpegVariant('burst'), 'image/jpeg')] : [];
          await e.sim.admin('POST', '/_sim/faults', { ...c.fault, count: c.count });
          const body = `Burst ${c.key} ${RUN}`;
          const ref = await publishNow(e, c.key, { body, media: ids });
          const { post: done, waits } = await driveToEnd(e, ref);
          const atts = await attemptsOf(e, ref);
          assert.ok(
            waits.length >= 1,
            `after a ${c.fault.status} on the create (and a lookup that finds nothing) the target should wait in retry_wait with backoff, not send the create again at once; it went ${done.state} with ${createSteps(atts).length} create requests in ${atts.length} attempt(s) and no wait`,
          );
          for (const w of waits) {
            assert.equal(w.attempt.error_kind, 'transient');
            assert.ok(typeof w.error === 'string' && w.error.length > 10, 'the target says why it waits');
            assert.ok(w.failures >= 1, 'a transient failure counts');
            assertBackoff(w);
          }
          assert.equal(done.state, 'published', JSON.stringify(done.targets));
          const sp = await onePost(e, c.key, (p) => p.text === body, 'post');
          assertCreatedOnce(atts);
          assert.equal(createSteps(atts).length, c.count + 1, 'every create request is in the attempt log');
          assert.equal((await simRequests(e, HOST[c.key])).filter(c.simCreate).length, c.count + 1, 'the platform saw as many creates as the log holds');
          assertLookupBetweenCreates(atts, LOOKUP[POSTS_OF[c.key]]);
          assert.equal(done.targets[0].remote_url, sp.url);
          assert.equal(done.targets[0].error, null);
        }));
    }
  });

  test('facebook: throttled (code 4, X-App-Usage, Retry-After) waits until the window resets, without counting a failure', () =>
    withEnv(['facebook'], {}, async (e) => {
      await e.sim.admin('POST', '/_sim/ratelimit', { platform: 'facebook', limit: 1, window_s: 300 });
      await fetch(`${e.sim.url}/facebook/graph/v20.0/me`); // uses up the window's one request
      const body = `Rate limited on Facebook ${RUN}`;
      const ref = await publishNow(e, 'facebook', { body });
      let reset = 0;
      const { post: done, waits } = await driveToEnd(e, ref, {
        onWait: async () => {
          const rl = (await e.sim.admin('GET', '/_sim/state')).ratelimits.facebook;
          reset = rl.window_start + rl.window_s * 1000;
          await e.sim.admin('POST', '/_sim/ratelimit', { platform: 'facebook', limit: 0, window_s: 300 });
        },
      });
      assert.equal(waits.length, 1);
      const [w] = waits;
      assert.equal(w.attempt.error_kind, 'rate_limited');
      assert.equal(w.attempt.error_code, '4');
      assert.match(w.error, /slow down/i);
      assert.ok(Math.abs(w.due - reset) <= 1500, `due at the window's reset (Retry-After): due ${w.due}, reset ${reset}`);
      assert.equal(w.failures, 0, 'waiting for a rate limit is not a failure');
      assert.equal(done.state, 'published');
      const sp = await onePost(e, 'facebook', (p) => p.text === body, 'post');
      assert.equal(done.targets[0].remote_url, sp.url);
      const atts = await attemptsOf(e, ref);
      assert.deepEqual(createSteps(atts).map((q) => q.status), [429, 200]);
      assert.equal(failures(e, done.targets[0].id), 0);
      assert.equal((await account(e, 'facebook')).status, 'active');
    }));

  test('instagram: a 429 on media_publish (code 4, X-App-Usage at 100, Retry-After 60) waits 60 s, then publishes the same container', () =>
    withEnv(['instagram'], {}, async (e) => {
      const img = await upload(e, e.ws, 'rl.jpg', jpegVariant('ig-rl'), 'image/jpeg');
      await e.sim.admin('POST', '/_sim/faults', { platform: 'instagram', method: 'POST', path: '/media_publish', status: 429 });
      const body = `Rate limited on Instagram ${RUN}`;
      const ref = await publishNow(e, 'instagram', { body, media: [img] });
      const { post: done, waits } = await driveToEnd(e, ref);
      assert.equal(waits.length, 1);
      const [w] = waits;
      assert.equal(w.attempt.error_kind, 'rate_limited');
      assert.match(w.error, /slow down/i);
      const delta = w.due - Date.parse(w.attempt.ended_at);
      assert.ok(delta > 59000 && delta < 61000, `Retry-After: 60 should make it wait 60 s, not ${delta} ms`);
      assert.equal(w.failures, 0);
      assert.equal(done.state, 'published');
      const sp = await onePost(e, 'instagram', (p) => p.text === body, 'post');
      assert.equal(done.targets[0].remote_url, sp.permalink);
      const atts = await attemptsOf(e, ref);
      assert.deepEqual(createSteps(atts).map((q) => q.status), [429, 200]);
      const log = await simRequests(e, 'instagram');
      assert.equal(log.filter((i) => i.method === 'POST' && /\/media$/.test(i.path)).length, 1, 'the container was made once and kept for the retry');
    }));

  describe('a dropped connection on the create request: looked for before it is sent again, published once', { concurrency: true }, () => {
    const cases = [
      { name: 'facebook text post (the create is the first request)', key: 'facebook', fault: { platform: 'facebook', method: 'POST', path: '/feed', drop: true }, simCreate: SIM_CREATE.feed },
      { name: 'facebook, two photos then the post (the create goes on a reused connection)', key: 'facebook', photos: 2, fault: { platform: 'facebook', method: 'POST', path: '/feed', drop: true }, simCreate: SIM_CREATE.feed },
      { name: 'instagram image, media_publish after the container (reused connection)', key: 'instagram', photos: 1, fault: { platform: 'instagram', method: 'POST', path: '/media_publish', drop: true }, simCreate: SIM_CREATE.media_publish },
      { name: 'instagram through the Page, media_publish', key: 'instagram_fb', photos: 1, fault: { platform: 'facebook', method: 'POST', path: '/media_publish', drop: true }, simCreate: SIM_CREATE.media_publish },
    ];
    for (const c of cases) {
      test(c.name, () =>
        withEnv([c.key], {}, async (e) => {
          const ids = [];
          for (let i = 0; i < (c.photos || 0); i++) ids.push(await upload(e, e.acc[c.key].ws, `drop-${i}.jpg`, jpegVariant(`drop-${c.key}-${i}`), 'image/jpeg'));
          await e.sim.admin('POST', '/_sim/faults', c.fault);
          const body = `Dropped ${c.key} ${ids.length} ${RUN}`;
          const ref = await publishNow(e, c.key, { body, media: ids });
          const { post: done, waits } = await driveToEnd(e, ref);
          for (const w of waits) assertBackoff(w); // if the engine waits before sending again
          assert.equal(done.state, 'published', JSON.stringify(done.targets));
          const sp = await onePost(e, c.key, (p) => p.text === body, 'post');
          assert.equal(done.targets[0].remote_url, POSTS_OF[c.key] === 'facebook' ? sp.url : sp.permalink);
          if (ids.length) assert.deepEqual(await postedMedia(e, sp), ids.map((m) => m.sha));
          const atts = await attemptsOf(e, ref);
          const seen = (await simRequests(e, HOST[c.key])).filter(c.simCreate).length;
          assert.equal(createSteps(atts).length, seen, `the platform received ${seen} create requests; the attempt log records ${createSteps(atts).length}: a create was sent again behind the engine's back (libcurl resends a request whose reused connection died), without a lookup first`);
          assertCreatedOnce(atts);
          const lost = createSteps(atts).filter((q) => !ok2xx(q));
          assert.equal(lost.length, 1);
          assert.equal(lost[0].status, null, 'no answer');
          assert.ok(lost[0].error, 'the transport error is logged');
          assertLookupBetweenCreates(atts, LOOKUP[POSTS_OF[c.key]]);
        }));
    }
  });

  test('facebook: a photo without text whose create was lost is not taken for another post without text', () =>
    withEnv(['facebook'], {}, async (e) => {
      const mine = await upload(e, e.ws, 'mine.jpg', jpegVariant('lost-mine'), 'image/jpeg');
      const theirs = await upload(e, e.ws, 'theirs.jpg', jpegVariant('lost-theirs'), 'image/jpeg');
      // Someone else (the Page's own app, a colleague) posts a photo without a caption...
      const link = await e.owner.post(`/api/v1/workspaces/${e.ws}/media/${theirs.id}/public-url`, {});
      assert.equal(link.status, 200, link.text);
      const pageToken = (await e.sim.admin('GET', '/_sim/tokens?platform=facebook')).items.find((t) => t.kind === 'page' && t.subject === e.acc.facebook.remote_id).token;
      const other = await fetch(`${e.sim.url}/facebook/graph/v20.0/${e.acc.facebook.remote_id}/photos`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${pageToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ url: link.json.url, published: true }),
      });
      assert.equal(other.status, 200);
      const theirPost = (await simPosts(e, 'facebook'))[0];
      // ... and ours, also without text, loses its create request (the first request: a fresh connection).
      await e.sim.admin('POST', '/_sim/faults', { platform: 'facebook', method: 'POST', path: '/photos', drop: true });
      const ref = await publishNow(e, 'facebook', { body: '', media: [mine] });
      const post = await until(async () => {
        const p = await getPost(e, ref);
        return ['published', 'failed', 'retry_wait'].includes(p.targets[0].state) && p;
      }, 20000, 'the lost create to be reconciled');
      const t = post.targets[0];
      const atts = await attemptsOf(e, ref);
      assert.ok(requestsOf(atts).some(LOOKUP.facebook), 'the Page\'s posts were looked at');
      assert.notEqual(
        t.remote_url,
        theirPost.url,
        'the lookup matched posts by their text alone: an empty text matches any post without text made since the attempt began, so our target was marked published with the link of a post that is not ours, and our photo was never posted',
      );
      if (t.state === 'published') {
        const ours = [];
        for (const p of await simPosts(e, 'facebook')) if ((await postedMedia(e, p))[0] === mine.sha) ours.push(p);
        assert.equal(ours.length, 1, 'our photo is on the Page once');
        assert.equal(t.remote_url, ours[0].url);
      } else {
        assert.match(t.error, /tell|check the Page/i, 'when it cannot tell, it says so');
      }
    }));

  describe('a revoked grant fails the target with a clear reason and marks the account needs_reconnect', { concurrency: true }, () => {
    const cases = [
      { key: 'facebook', sim: 'facebook', media: 0, name: /Facebook/ },
      { key: 'instagram', sim: 'instagram', media: 1, name: /Instagram/ },
      { key: 'instagram_fb', sim: 'facebook', media: 1, name: /Instagram/ },
    ];
    for (const c of cases) {
      test(c.key, () =>
        withEnv([c.key], {}, async (e) => {
          const ids = c.media ? [await upload(e, e.acc[c.key].ws, 'revoked.jpg', jpegVariant(`revoked-${c.key}`), 'image/jpeg')] : [];
          await revokeAll(e, c.sim);
          const body = `Revoked ${c.key} ${RUN}`;
          const ref = await publishNow(e, c.key, { body, media: ids });
          const done = await settle(e, ref);
          assert.equal(done.state, 'failed');
          const t = done.targets[0];
          assert.equal(t.state, 'failed');
          assert.equal(t.remote_url, null);
          assert.match(t.error, /reconnect/i, t.error);
          assert.match(t.error, c.name, t.error);
          assert.doesNotMatch(t.error, /[{}]/, 'plain words, not a raw answer');
          const acc = await account(e, c.key);
          assert.equal(acc.status, 'needs_reconnect');
          assert.ok(acc.status_reason && /reconnect/i.test(acc.status_reason), acc.status_reason);
          assert.equal((await simPosts(e, POSTS_OF[c.key])).length, 0, 'nothing published');
          const atts = await attemptsOf(e, ref);
          assert.equal(atts.length, 1, 'not retried');
          assert.equal(atts[0].outcome, 'failed');
          assert.equal(atts[0].error_kind, 'revoked');
          assert.equal(requestsOf(atts).length, 1, 'the first refusal ends it');
        }));
    }
  });

  describe('failed media processing fails the target with the platform\'s reason in plain words', { concurrency: true }, () => {
    test('facebook video', () =>
      withEnv(['facebook'], {}, async (e) => {
        await e.sim.admin('POST', '/_sim/processing', { platform: 'facebook', polls: 0, fail: true });
        const vid = await uploadFixture(e, e.ws, 'clip-160x90.mp4', 'video/mp4');
        const ref = await publishNow(e, 'facebook', { body: `Processing fails on Facebook ${RUN}`, media: [vid] });
        const done = await settle(e, ref);
        assert.equal(done.state, 'failed');
        const t = done.targets[0];
        assert.equal(t.error, 'Processing the video on Facebook: Facebook could not process the video (There was a problem uploading your video file. Please try again with another file)');
        assert.equal(t.remote_url, null);
        assert.equal((await simPosts(e, 'facebook')).length, 0);
        const atts = await attemptsOf(e, ref);
        assert.equal(atts.length, 1, 'not retried');
        assert.equal(atts[0].error_kind, 'permanent');
        assert.equal(createSteps(atts).length, 1, 'posted once');
        assert.equal((await account(e, 'facebook')).status, 'active');
      }));

    test('instagram reel', () =>
      withEnv(['instagram'], {}, async (e) => {
        await e.sim.admin('POST', '/_sim/processing', { platform: 'instagram', polls: 0, fail: true });
        const vid = await uploadFixture(e, e.ws, IG_VIDEO, 'video/mp4');
        const ref = await publishNow(e, 'instagram', { body: `Processing fails on Instagram ${RUN}`, media: [vid], kind: 'reel' });
        const done = await settle(e, ref);
        assert.equal(done.state, 'failed');
        const t = done.targets[0];
        assert.equal(t.error, 'Instagram refused the Reel: the video format is not supported; Instagram takes MP4 or MOV with H.264 or HEVC video and AAC audio (2207026)');
        assert.equal(t.remote_url, null);
        assert.equal((await simPosts(e, 'instagram')).length, 0);
        const atts = await attemptsOf(e, ref);
        assert.equal(atts.length, 1, 'not retried');
        assert.equal(atts[0].error_kind, 'permanent');
        assert.equal(createSteps(atts).length, 0, 'media_publish was never sent');
        assert.equal((await account(e, 'instagram')).status, 'active');
      }));
  });

  test('instagram: a container still in progress shows the target as processing, polled again after 2 s, then published', () =>
    withEnv(['instagram'], {}, async (e) => {
      await e.sim.admin('POST', '/_sim/processing', { platform: 'instagram', polls: 1 });
      const vid = await uploadFixture(e, e.ws, IG_VIDEO, 'video/mp4');
      const body = `Slow processing ${RUN}`;
      const ref = await publishNow(e, 'instagram', { body, media: [vid], kind: 'reel' });
      await until(async () => (await getPost(e, ref)).targets[0].state === 'processing', 10000, 'the target to show processing');
      const done = await settle(e, ref);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      await onePost(e, 'instagram', (p) => p.text === body, 'reel');
      const atts = await attemptsOf(e, ref);
      assertOneCleanAttempt(atts);
      const reqs = requestsOf(atts); // in the order they were made
      const polls = reqs.slice(0, reqs.findIndex((q) => q.create_step)).filter((q) => q.method === 'GET');
      assert.equal(polls.length, 2, 'IN_PROGRESS, then FINISHED');
      const gap = Date.parse(polls[1].started_at) - Date.parse(polls[0].ended_at);
      assert.ok(gap >= 1900 && gap < 4000, `the second poll about 2 s after the first: ${gap} ms`);
    }));

  test('instagram: a container that never finishes is polled up to 40 times (2, 5, 10, 20, then every 30 s)', (t) =>
    t.skip('about 19 minutes of polling before the transient failure: too slow for this suite'));
});
