// Publishing end to end to LinkedIn, YouTube and X through the platform simulator: every post
// kind of the three adapters, then the faults the engine must live with (5xx bursts, rate
// limits, dropped connections on the create step, expired and revoked tokens, failed media
// processing).  Each test connects real accounts through the simulator's consent, uploads media
// through the API, schedules the post "now" and follows it to the end, then checks:
//   - the target's state, remote_url and error;
//   - what the simulator received (/_sim/posts: exactly one matching post, its text, media
//     bytes and options; /_sim/requests where the fault is about requests);
//   - the attempt log (GET /posts/{id}/attempts): the create step, lookups, retries.
//
// The happy paths share one simulator (no faults there).  Every fault test has a simulator and a
// server of its own, so fault rules, rate limits and processing settings never leak between tests
// that run at the same time (at most ENV_SLOTS of them at once).  The engine's retry backoff
// starts at 30 s: when a target goes to retry_wait the test checks due_at and then moves it to now
// in the database.  LinkedIn wants videos of 3 s and 75 KB at least, more than the fixtures: the
// two LinkedIn video tests make one with ffmpeg and are skipped without it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, startServer, sql } from '../lib/harness.mjs';
import { signup, createWorkspace } from '../lib/api.mjs';
import { startSim, simEnv } from '../lib/sim.mjs';
import { connectAccount, until } from '../lib/connect.mjs';

const FIX = join(ROOT, 'tests', 'fixtures');
const RUN = randomBytes(3).toString('hex'); // X refuses a text already posted by the demo user
const FINAL = ['published', 'failed', 'partially_published'];
const BACKOFF_MS = 30000; // executor.c BACKOFF_MIN_S
const JITTER = 0.2; // +-20 %

/* ---- media ---- */

const sha = (buf) => createHash('sha256').update(buf).digest('hex');
const fixture = (name) => readFileSync(join(FIX, name));

/** The photo fixture with a JPEG comment naming tag: the same picture, other bytes (no dedupe). */
function jpegVariant(tag) {
  const src = fixture('photo-320x240.jpg');
  const text = Buffer.from(`p2s test ${tag} ${RUN}`);
  const seg = Buffer.from([0xff, 0xfe, 0, 0]);
  seg.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([src.subarray(0, 2), seg, text, src.subarray(2)]);
}

/** A 4-second MP4 big enough for LinkedIn (at least 3 s and 75 KB), made with ffmpeg; null without it. */
const linkedinVideo = (() => {
  let made;
  return () => {
    if (made !== undefined) return made;
    made = null;
    const dir = mkdtempSync(join(tmpdir(), 'p2s-li-video-'));
    try {
      const out = join(dir, 'li.mp4');
      const r = spawnSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '4', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-b:v', '300k', '-c:a', 'aac', '-shortest', '-movflags', '+faststart', out], { encoding: 'utf8' });
      if (r.status === 0) made = readFileSync(out);
    } catch {
      made = null;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return made;
  };
})();

async function upload(e, name, bytes, type) {
  const r = await e.owner.call('POST', `/api/v1/workspaces/${e.ws}/media?name=${encodeURIComponent(name)}`, bytes, { headers: { 'Content-Type': type } });
  assert.ok(r.status === 201 || r.status === 200, `upload ${name}: ${r.status} ${r.text}`);
  return { ...r.json.media, sha: sha(bytes) };
}
const uploadFixture = (e, name, type) => upload(e, name, fixture(name), type);

/* ---- environments ---- */

/**
 * A simulator and a server pointed at it, an owner, a workspace and the given platforms
 * connected ({acc: {linkedin, youtube, x}}).  simVars: extra simulator settings.
 */
async function startEnv(platforms, simVars = {}) {
  const sim = await startSim({ env: { SIM_PROCESSING_POLLS: '1', ...simVars } });
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
    e.P = `/api/v1/workspaces/${e.ws}/posts`;
    for (const p of platforms) e.acc[p] = await connectAccount(srv, e.owner, e.ws, p);
  } catch (err) {
    await e.stop();
    throw err;
  }
  return e;
}

/* At most this many fault environments at once: the tests all start together, and a loaded
 * machine makes the engine's timing (and the simulator's start) slow. */
const ENV_SLOTS = 5;
let envsRunning = 0;
const envQueue = [];
async function envSlot() {
  if (envsRunning < ENV_SLOTS) envsRunning++;
  else await new Promise((resolve) => envQueue.push(resolve));
}
function envRelease() {
  const next = envQueue.shift();
  if (next) next();
  else envsRunning--;
}

/** Run fn with a fresh environment, stopped afterwards; the server's log tail joins a failure. */
async function withEnv(platforms, simVars, fn) {
  await envSlot();
  try {
    await runEnv(platforms, simVars, fn);
  } finally {
    envRelease();
  }
}

async function runEnv(platforms, simVars, fn) {
  const e = await startEnv(platforms, simVars);
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

async function publishNow(e, body) {
  const r = await e.owner.post(e.P, { ...body, schedule: { mode: 'now' }, action: 'schedule' });
  assert.equal(r.status, 201, r.text);
  return r.json.post;
}

async function getPost(e, id) {
  const r = await e.owner.get(`${e.P}/${id}`);
  assert.equal(r.status, 200, r.text);
  return r.json.post;
}

async function attemptsOf(e, id) {
  const r = await e.owner.get(`${e.P}/${id}/attempts`);
  assert.equal(r.status, 200, r.text);
  return r.json.attempts;
}

/** Wait until the post is published, failed or partially published. */
function settle(e, id, ms = 30000) {
  return until(async () => {
    const p = await getPost(e, id);
    return FINAL.includes(p.state) && p;
  }, ms, `post ${id} to finish publishing`);
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
async function driveToEnd(e, id, { onWait = null, ms = 30000 } = {}) {
  const waits = [];
  for (;;) {
    const seen = waits.length;
    const stop = await until(async () => {
      const post = await getPost(e, id);
      if (FINAL.includes(post.state)) return { post };
      if (post.targets[0].state !== 'retry_wait') return null;
      const atts = await attemptsOf(e, id);
      const retried = atts.filter((a) => a.outcome === 'retry');
      if (retried.length <= seen) return null;
      const attempt = retried[retried.length - 1];
      return { post, attempt, number: atts.indexOf(attempt) + 1 };
    }, ms, `post ${id} to finish or wait for a retry`);
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

/** Exactly one create step succeeded and the attempts that made it are in order. */
function assertCreatedOnce(attempts, parts = 1) {
  const good = createSteps(attempts).filter(ok2xx);
  assert.equal(good.length, parts, `create steps that succeeded: ${JSON.stringify(createSteps(attempts))}`);
}

/** Between two create requests of the attempt log, a lookup of the platform's posts. */
function assertLookupBetweenCreates(attempts, isLookup) {
  const reqs = requestsOf(attempts);
  const creates = reqs.map((q, i) => (q.create_step ? i : -1)).filter((i) => i >= 0);
  for (let k = 1; k < creates.length; k++) {
    const between = reqs.slice(creates[k - 1] + 1, creates[k]);
    assert.ok(between.some(isLookup), `a create was sent again without looking for the first one: ${JSON.stringify(reqs.map((q) => `${q.method} ${q.url} ${q.status}`))}`);
  }
}

/* ---- the simulator ---- */

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

/** The simulator's one post matching pred (asserts there is exactly one). */
async function onePost(e, platform, pred, what) {
  const all = (await simPosts(e, platform)).filter(pred);
  assert.equal(all.length, 1, `${platform} should hold exactly one ${what}; it holds ${all.length}`);
  return all[0];
}

/** The simulator's names of the three platforms' token endpoints. */
const SIM = {
  linkedin: { platform: 'linkedin', token: '/oauth/v2/accessToken' },
  youtube: { platform: 'google', token: '/token' },
  x: { platform: 'x', token: '/2/oauth2/token' },
};

async function tokenCalls(e, platform) {
  return (await simRequests(e, SIM[platform].platform)).filter((i) => i.method === 'POST' && i.path === SIM[platform].token).length;
}

/** Expire every live access token of a platform in this simulator (the refresh tokens live on). */
async function expireAccess(e, platform) {
  const toks = (await e.sim.admin('GET', `/_sim/tokens?platform=${SIM[platform].platform}`)).items;
  const live = toks.filter((t) => t.kind === 'access' && !t.revoked);
  assert.ok(live.length >= 1, 'an access token to expire');
  for (const t of live) await e.sim.admin('POST', '/_sim/tokens/expire', { token: t.token });
}

/** Revoke every grant of a platform in this simulator. */
async function revokeAll(e, platform) {
  const toks = (await e.sim.admin('GET', `/_sim/tokens?platform=${SIM[platform].platform}`)).items;
  const families = [...new Set(toks.map((t) => t.family).filter(Boolean))];
  assert.ok(families.length >= 1, 'a grant to revoke');
  for (const family of families) await e.sim.admin('POST', '/_sim/tokens/revoke', { family });
}

/** Wait until the simulator logged a request matching pred; returns it. */
function simRequestSeen(e, platform, pred, what) {
  return until(async () => (await simRequests(e, SIM[platform].platform)).find(pred), 20000, what);
}

async function account(e, platform) {
  const items = (await e.owner.get(`/api/v1/workspaces/${e.ws}/accounts`)).json.items;
  return items.find((a) => a.id === e.acc[platform].id);
}

/* Lookups of recent posts in the attempt log (URLs are logged without their query). */
const LOOKUP = {
  x: (q) => q.method === 'GET' && /\/2\/users\/\d+\/tweets$/.test(q.url),
  linkedin: (q) => q.method === 'GET' && /\/rest\/posts$/.test(q.url),
  youtube: (q) => (q.method === 'PUT' && !q.create_step) || /\/(playlistItems|channels)$/.test(q.url),
};

/* Create requests as the simulator saw them. */
const SIM_CREATE = {
  x: (i) => i.method === 'POST' && i.path === '/2/tweets',
  linkedin: (i) => i.method === 'POST' && i.path === '/rest/posts',
  youtube: (i) => {
    const m = i.method === 'PUT' && /^bytes (\d+)-(\d+)\/(\d+)$/.exec(i.headers['Content-Range'] || '');
    return !!m && Number(m[2]) + 1 === Number(m[3]);
  },
};

/** Assert the backoff of a transient failure: 30 s doubling with every failure, +-20 %. */
function assertBackoff(w) {
  const base = BACKOFF_MS * 2 ** (w.failures - 1);
  const delta = w.due - Date.parse(w.attempt.ended_at);
  assert.ok(delta >= base * (1 - JITTER) - 100 && delta <= base * (1 + JITTER) + 100, `failure ${w.failures} (attempt ${w.number}) should wait ${base / 1000} s +-20 %, waits ${delta} ms`);
}

/* ======================================================================================== */

describe('every post kind', { concurrency: true }, () => {
  let e;
  let media;

  before(async () => {
    e = await startEnv(['linkedin', 'youtube', 'x']);
    media = {
      jpg: await uploadFixture(e, 'photo-320x240.jpg', 'image/jpeg'),
      png: await uploadFixture(e, 'portrait-200x250.png', 'image/png'),
      wide: await uploadFixture(e, 'clip-160x90.mp4', 'video/mp4'),
      tall: await uploadFixture(e, 'clip-90x160.mp4', 'video/mp4'),
    };
    for (const tag of ['li-alt', 'li-3', 'x-3', 'x-4', 'x-thread']) media[tag] = await upload(e, `${tag}.jpg`, jpegVariant(tag), 'image/jpeg');
  });
  after(async () => {
    if (e) await e.stop();
  });

  describe('LinkedIn', { concurrency: true }, () => {
    test('text: little-text characters escaped, shown as typed; visibility CONNECTIONS', async () => {
      const body = `Spring menu (new) [vegan] *today* #bakery_news @home ~ <3 {x} | back\\slash ${RUN}`;
      const post = await publishNow(e, { body, targets: [{ account_id: e.acc.linkedin.id, options: { visibility: 'CONNECTIONS' } }] });
      const done = await settle(e, post.id);
      assert.equal(done.state, 'published');
      const t = done.targets[0];
      assert.equal(t.state, 'published');
      assert.equal(t.error, null);
      const sp = await onePost(e, 'linkedin', (p) => p.text === body, 'text post');
      assert.equal(sp.text_truncated, undefined, 'nothing cut by an unescaped bracket');
      assert.equal(sp.kind, 'text');
      assert.deepEqual(sp.media, []);
      assert.equal(sp.visibility, 'CONNECTIONS');
      assert.match(sp.linkedin.commentary, /\\\(new\\\) \\\[vegan\\\] \\\*today\\\* #bakery\\_news \\@home/);
      assert.equal(sp.linkedin.author, e.acc.linkedin.remote_id);
      assert.equal(t.remote_url, `https://www.linkedin.com/feed/update/${sp.id}/`);
      const atts = await attemptsOf(e, post.id);
      assert.equal(atts.length, 1);
      assert.equal(atts[0].outcome, 'published');
      assert.equal(createSteps(atts).length, 1);
      assertCreatedOnce(atts);
    });

    test('one image with its alt text', async () => {
      const img = media['li-alt'];
      const alt = await e.owner.patch(`/api/v1/workspaces/${e.ws}/media/${img.id}`, { alt_text: 'A sourdough loaf on a board' });
      assert.equal(alt.status, 200, alt.text);
      const body = `Fresh loaf ${RUN}`;
      const post = await publishNow(e, { body, media: [img.id], targets: [{ account_id: e.acc.linkedin.id }] });
      const done = await settle(e, post.id);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      assert.equal(done.targets[0].kind, 'images');
      const sp = await onePost(e, 'linkedin', (p) => p.text === body, 'image post');
      assert.equal(sp.kind, 'image');
      assert.equal(sp.visibility, 'PUBLIC');
      assert.match(sp.linkedin.content.media.id, /^urn:li:image:/);
      assert.equal(sp.linkedin.content.media.altText, 'A sourdough loaf on a board');
      assert.deepEqual(await postedMedia(e, sp), [img.sha]);
      assert.equal(done.targets[0].remote_url, `https://www.linkedin.com/feed/update/${sp.id}/`);
      const atts = await attemptsOf(e, post.id);
      assert.equal(createSteps(atts).length, 1);
      assertCreatedOnce(atts);
      // one upload per image: initializeUpload, then the PUT of its bytes
      const reqs = requestsOf(atts);
      assert.equal(reqs.filter((q) => q.url.endsWith('/rest/images')).length, 1);
      assert.equal(reqs.filter((q) => q.method === 'PUT').length, 1);
    });

    test('several images: multiImage in order', async () => {
      const items = [media.jpg, media.png, media['li-3']];
      const body = `Three pictures ${RUN}`;
      const post = await publishNow(e, { body, media: items.map((m) => m.id), targets: [{ account_id: e.acc.linkedin.id }] });
      const done = await settle(e, post.id);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      const sp = await onePost(e, 'linkedin', (p) => p.text === body, 'multi-image post');
      assert.equal(sp.kind, 'multi_image');
      assert.equal(sp.linkedin.content.multiImage.images.length, 3);
      assert.deepEqual(await postedMedia(e, sp), items.map((m) => m.sha));
      assert.equal(done.targets[0].remote_url, `https://www.linkedin.com/feed/update/${sp.id}/`);
      const atts = await attemptsOf(e, post.id);
      assert.equal(createSteps(atts).length, 1);
      assertCreatedOnce(atts);
    });

    test('video: uploaded in parts, finalized, published once processed', async (t) => {
      const bytes = linkedinVideo();
      if (!bytes) return t.skip('ffmpeg is needed to make a video LinkedIn takes (3 s, 75 KB at least)');
      const vid = await upload(e, 'li-video.mp4', bytes, 'video/mp4');
      const body = `Our kitchen at dawn ${RUN}`;
      const post = await publishNow(e, { body, media: [vid.id], targets: [{ account_id: e.acc.linkedin.id }] });
      const done = await settle(e, post.id);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      assert.equal(done.targets[0].kind, 'video');
      const sp = await onePost(e, 'linkedin', (p) => p.text === body, 'video post');
      assert.equal(sp.kind, 'video');
      assert.match(sp.linkedin.content.media.id, /^urn:li:video:/);
      assert.deepEqual(await postedMedia(e, sp), [vid.sha]);
      const atts = await attemptsOf(e, post.id);
      assert.equal(createSteps(atts).length, 1);
      assertCreatedOnce(atts);
      const reqs = requestsOf(atts);
      assert.ok(reqs.some((q) => q.method === 'GET' && /\/rest\/videos\//.test(q.url)), 'the video status was checked');
      const create = reqs.findIndex((q) => q.create_step);
      const videoCalls = reqs.map((q, i) => (q.method === 'POST' && q.url.endsWith('/rest/videos') ? i : -1)).filter((i) => i >= 0);
      assert.equal(videoCalls.length, 2, 'initializeUpload and finalizeUpload');
      assert.ok(videoCalls[1] < create, 'finalized before the post');
      assert.ok(reqs.slice(videoCalls[0], videoCalls[1]).some((q) => q.method === 'PUT'), 'the bytes went up in between');
    });
  });

  describe('YouTube', { concurrency: true }, () => {
    test('video with title, tags, privacy, made_for_kids and category', async () => {
      const title = `Kitchen tour ${RUN}`;
      const body = `How we bake, start to finish.\nMore soon. ${RUN}`;
      const options = { title, tags: ['bakery', 'sourdough'], privacy: 'unlisted', made_for_kids: false, category_id: '26' };
      const post = await publishNow(e, { body, media: [media.wide.id], targets: [{ account_id: e.acc.youtube.id, options }] });
      const done = await settle(e, post.id);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      const t = done.targets[0];
      assert.equal(t.kind, 'video');
      const sp = await onePost(e, 'youtube', (p) => p.title === title, 'video');
      assert.equal(sp.text, body);
      assert.equal(sp.privacyStatus, 'unlisted');
      assert.equal(t.remote_url, `https://www.youtube.com/watch?v=${sp.id}`);
      assert.deepEqual(await postedMedia(e, sp), [media.wide.sha]);
      const v = (await e.sim.admin('GET', '/_sim/state')).google.videos[sp.id];
      assert.deepEqual(v.tags, ['bakery', 'sourdough']);
      assert.equal(v.categoryId, '26');
      assert.equal(v.selfDeclaredMadeForKids, false);
      assert.equal(v.processing, 'succeeded', 'published after processing succeeded');
      const atts = await attemptsOf(e, post.id);
      assert.equal(atts.length, 1);
      assert.equal(createSteps(atts).length, 1, 'the final chunk is the create step');
      assertCreatedOnce(atts);
      assert.equal(createSteps(atts)[0].method, 'PUT');
    });

    test('short: vertical video, private, made for kids, default category, a /shorts/ link', async () => {
      const title = `Shaping a baguette ${RUN}`;
      const body = `Fifteen seconds of shaping ${RUN}`;
      const post = await publishNow(e, { body, media: [media.tall.id], targets: [{ account_id: e.acc.youtube.id, kind: 'short', options: { title, privacy: 'private', made_for_kids: true } }] });
      const done = await settle(e, post.id);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      const t = done.targets[0];
      assert.equal(t.kind, 'short');
      const sp = await onePost(e, 'youtube', (p) => p.title === title, 'short');
      assert.equal(sp.text, body);
      assert.equal(sp.privacyStatus, 'private');
      assert.equal(t.remote_url, `https://www.youtube.com/shorts/${sp.id}`);
      assert.deepEqual(await postedMedia(e, sp), [media.tall.sha]);
      const v = (await e.sim.admin('GET', '/_sim/state')).google.videos[sp.id];
      assert.equal(v.categoryId, '22');
      assert.equal(v.selfDeclaredMadeForKids, true);
      assert.equal(v.tags, null);
      const atts = await attemptsOf(e, post.id);
      assert.equal(createSteps(atts).length, 1);
      assertCreatedOnce(atts);
    });
  });

  describe('X', { concurrency: true }, () => {
    test('text with reply_settings', async () => {
      const body = `Croissants are out of the oven — come early! ${RUN}`;
      const post = await publishNow(e, { body, targets: [{ account_id: e.acc.x.id, options: { reply_settings: 'mentionedUsers' } }] });
      const done = await settle(e, post.id);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      const sp = await onePost(e, 'x', (p) => p.text === body, 'post');
      assert.equal(sp.kind, 'post');
      assert.equal(sp.reply_settings, 'mentionedUsers');
      assert.deepEqual(sp.media, []);
      assert.equal(done.targets[0].remote_url, `https://x.com/i/status/${sp.id}`);
      const atts = await attemptsOf(e, post.id);
      assert.equal(atts.length, 1);
      assert.deepEqual(requestsOf(atts).map((q) => q.create_step), [true], 'one request, the create');
      assertCreatedOnce(atts);
    });

    test('four images, in order; reply_settings everyone is left out', async () => {
      const items = [media.jpg, media.png, media['x-3'], media['x-4']];
      const body = `Four loaves ${RUN}`;
      const post = await publishNow(e, { body, media: items.map((m) => m.id), targets: [{ account_id: e.acc.x.id, options: { reply_settings: 'everyone' } }] });
      const done = await settle(e, post.id);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      const sp = await onePost(e, 'x', (p) => p.text === body, 'post with images');
      assert.equal(sp.media_ids.length, 4);
      assert.equal(sp.reply_settings, 'everyone');
      assert.deepEqual(await postedMedia(e, sp), items.map((m) => m.sha));
      assert.equal(done.targets[0].remote_url, `https://x.com/i/status/${sp.id}`);
      const atts = await attemptsOf(e, post.id);
      assert.equal(createSteps(atts).length, 1);
      assertCreatedOnce(atts);
      const reqs = requestsOf(atts);
      assert.equal(reqs.filter((q) => q.url.endsWith('/2/media/upload/initialize')).length, 4, 'each image uploaded once');
      assert.ok(reqs.findIndex((q) => q.create_step) > reqs.findLastIndex((q) => q.url.endsWith('/finalize')), 'every upload finished before the post');
    });

    test('a video: chunked upload, processing checked, then the post', async () => {
      const body = `Behind the counter ${RUN}`;
      const post = await publishNow(e, { body, media: [media.wide.id], targets: [{ account_id: e.acc.x.id }] });
      const done = await settle(e, post.id);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      const sp = await onePost(e, 'x', (p) => p.text === body, 'post with a video');
      assert.deepEqual(await postedMedia(e, sp), [media.wide.sha]);
      assert.equal(sp.media_keys.length, 1);
      assert.match(sp.media_keys[0], /^7_/, 'a video media key');
      assert.equal(done.targets[0].remote_url, `https://x.com/i/status/${sp.id}`);
      const atts = await attemptsOf(e, post.id);
      assertCreatedOnce(atts);
      const reqs = requestsOf(atts);
      assert.ok(reqs.some((q) => q.method === 'GET' && q.url.endsWith('/2/media/upload')), 'processing status was checked');
    });

    test('a thread of three parts, media in the later parts, reply_settings on the first', async () => {
      const first = `Thread about our flour 1/3 ${RUN}`;
      const parts = [
        { text: `2/3: the mill, on video ${RUN}`, media: [media.tall.id] },
        { text: `3/3: and the result ${RUN}`, media: [media.png.id, media['x-thread'].id] },
      ];
      const post = await publishNow(e, { body: first, targets: [{ account_id: e.acc.x.id, options: { reply_settings: 'following', thread: parts } }] });
      const done = await settle(e, post.id);
      assert.equal(done.state, 'published', JSON.stringify(done.targets));
      const p1 = await onePost(e, 'x', (p) => p.text === first, 'first post of the thread');
      const p2 = await onePost(e, 'x', (p) => p.text === parts[0].text, 'second post of the thread');
      const p3 = await onePost(e, 'x', (p) => p.text === parts[1].text, 'third post of the thread');
      assert.equal(done.targets[0].remote_url, `https://x.com/i/status/${p1.id}`, 'the target links to the first post');
      assert.equal(p1.kind, 'post');
      assert.deepEqual(p1.media, []);
      assert.equal(p1.reply_settings, 'following');
      assert.equal(p2.in_reply_to, p1.id);
      assert.equal(p3.in_reply_to, p2.id);
      assert.equal(p2.conversation_id, p1.id);
      assert.equal(p3.conversation_id, p1.id);
      assert.deepEqual(await postedMedia(e, p2), [media.tall.sha]);
      assert.deepEqual(await postedMedia(e, p3), [media.png.sha, media['x-thread'].sha]);
      const atts = await attemptsOf(e, post.id);
      assert.equal(atts.length, 1);
      assert.equal(createSteps(atts).length, 3, 'one create per part');
      assertCreatedOnce(atts, 3);
    });
  });
});

/* ======================================================================================== */

describe('faults', { concurrency: true }, () => {
  describe('a 5xx burst on the create request: looked for, then retried with backoff, published once', { concurrency: true }, () => {
    const cases = [
      { platform: 'x', count: 2, fault: { platform: 'x', method: 'POST', path: '/2/tweets', status: 503 } },
      { platform: 'linkedin', count: 1, fault: { platform: 'linkedin', method: 'POST', path: '/rest/posts', status: 502 } },
      { platform: 'youtube', count: 1, fault: { platform: 'google', method: 'PUT', path: '/upload/youtube/v3/videos', status: 503 } },
    ];
    for (const c of cases) {
      test(`${c.platform}: ${c.count === 1 ? 'one' : 'two'} ${c.fault.status} answer${c.count === 1 ? '' : 's in a row'}`, () =>
        withEnv([c.platform], {}, async (e) => {
          const vid = c.platform === 'youtube' ? await uploadFixture(e, 'clip-160x90.mp4', 'video/mp4') : null;
          await e.sim.admin('POST', '/_sim/faults', { ...c.fault, count: c.count });
          const body = `Burst ${c.platform} ${RUN}`;
          const target = { account_id: e.acc[c.platform].id, ...(vid ? { options: { title: `Burst ${RUN}`, made_for_kids: false } } : {}) };
          const post = await publishNow(e, { body, media: vid ? [vid.id] : [], targets: [target] });
          const { post: done, waits } = await driveToEnd(e, post.id);
          assert.ok(waits.length >= 1, `after a ${c.fault.status} on the create (and a lookup that finds nothing) the target should wait in retry_wait with backoff, not send the create again at once; it went ${done.state} with ${createSteps(await attemptsOf(e, post.id)).length} create requests and no wait`);
          waits.forEach((w, i) => assert.equal(w.failures, i + 1, 'each transient failure counts'));
          for (const w of waits) {
            assert.equal(w.attempt.error_kind, 'transient');
            assert.ok(typeof w.error === 'string' && w.error.length > 10, 'the target says why it waits');
            assertBackoff(w);
          }
          assert.equal(done.state, 'published', JSON.stringify(done.targets));
          const sp = await onePost(e, c.platform, (p) => p.text === body, 'post');
          const atts = await attemptsOf(e, post.id);
          assertCreatedOnce(atts);
          assert.equal(createSteps(atts).length, c.count + 1, 'every create request is in the attempt log');
          assert.equal((await simRequests(e, SIM[c.platform].platform)).filter(SIM_CREATE[c.platform]).length, c.count + 1, 'the platform saw as many creates as the log holds');
          assertLookupBetweenCreates(atts, LOOKUP[c.platform]);
          assert.ok(done.targets[0].remote_url.includes(sp.id));
          assert.equal(done.targets[0].error, null);
        }));
    }
  });

  test('x: a 429 with x-rate-limit-reset waits until the reset, without counting a failure', () =>
    withEnv(['x'], {}, async (e) => {
      await e.sim.admin('POST', '/_sim/ratelimit', { platform: 'x', limit: 1, window_s: 300 });
      await fetch(`${e.sim.url}/x/api/2/users/me`); // uses up the window's one request
      const body = `Rate limited on X ${RUN}`;
      const post = await publishNow(e, { body, targets: [{ account_id: e.acc.x.id }] });
      let reset = 0;
      const { post: done, waits } = await driveToEnd(e, post.id, {
        onWait: async () => {
          const rl = (await e.sim.admin('GET', '/_sim/state')).ratelimits.x;
          reset = Math.floor((rl.window_start + rl.window_s * 1000) / 1000) * 1000;
          await e.sim.admin('POST', '/_sim/ratelimit', { platform: 'x', limit: 0, window_s: 300 });
        },
      });
      assert.equal(waits.length, 1);
      const [w] = waits;
      assert.equal(w.attempt.error_kind, 'rate_limited');
      assert.match(w.error, /too many requests|slow down|rate/i);
      assert.equal(w.due, reset, 'due at x-rate-limit-reset');
      assert.equal(w.failures, 0, 'waiting for a rate limit is not a failure');
      assert.equal(done.state, 'published');
      await onePost(e, 'x', (p) => p.text === body, 'post');
      const atts = await attemptsOf(e, post.id);
      assert.deepEqual(createSteps(atts).map((q) => q.status), [429, 201]);
      assert.equal(failures(e, done.targets[0].id), 0);
      assert.equal((await account(e, 'x')).status, 'active');
    }));

  test('linkedin: a 429 with Retry-After waits that long', () =>
    withEnv(['linkedin'], {}, async (e) => {
      await e.sim.admin('POST', '/_sim/faults', { platform: 'linkedin', method: 'POST', path: '/rest/posts', status: 429 });
      const body = `Rate limited on LinkedIn ${RUN}`;
      const post = await publishNow(e, { body, targets: [{ account_id: e.acc.linkedin.id }] });
      const { post: done, waits } = await driveToEnd(e, post.id);
      assert.equal(waits.length, 1);
      const [w] = waits;
      assert.equal(w.attempt.error_kind, 'rate_limited');
      assert.match(w.error, /rate limit/i);
      const delta = w.due - Date.parse(w.attempt.ended_at);
      assert.ok(delta > 59000 && delta < 61000, `Retry-After: 60 should make it wait 60 s, not ${delta} ms`);
      assert.equal(w.failures, 0);
      assert.equal(done.state, 'published');
      await onePost(e, 'linkedin', (p) => p.text === body, 'post');
      const atts = await attemptsOf(e, post.id);
      assert.deepEqual(createSteps(atts).map((q) => q.status), [429, 201]);
    }));

  describe('a dropped connection on the create request: looked for before it is sent again, published once', { concurrency: true }, () => {
    const cases = [
      { name: 'x, a text post (the create is the first request)', platform: 'x', fault: { platform: 'x', method: 'POST', path: '/2/tweets', drop: true } },
      { name: 'x, after a media upload (the create goes on a reused connection)', platform: 'x', media: true, fault: { platform: 'x', method: 'POST', path: '/2/tweets', drop: true } },
      { name: 'linkedin, after an image upload (reused connection)', platform: 'linkedin', media: true, fault: { platform: 'linkedin', method: 'POST', path: '/rest/posts', drop: true } },
      { name: 'youtube, the final chunk', platform: 'youtube', fault: { platform: 'google', method: 'PUT', path: '/upload/youtube/v3/videos', drop: true } },
    ];
    for (const c of cases) {
      test(c.name, () =>
        withEnv([c.platform], {}, async (e) => {
          let ids = [];
          if (c.platform === 'youtube') ids = [(await uploadFixture(e, 'clip-160x90.mp4', 'video/mp4')).id];
          else if (c.media) ids = [(await upload(e, 'drop.jpg', jpegVariant(`drop-${c.platform}`), 'image/jpeg')).id];
          await e.sim.admin('POST', '/_sim/faults', c.fault);
          const body = `Dropped ${c.platform} ${c.media ? 'media' : 'text'} ${RUN}`;
          const target = { account_id: e.acc[c.platform].id, ...(c.platform === 'youtube' ? { options: { title: `Dropped ${RUN}`, made_for_kids: false } } : {}) };
          const post = await publishNow(e, { body, media: ids, targets: [target] });
          const { post: done, waits } = await driveToEnd(e, post.id);
          for (const w of waits) assertBackoff(w); // if the engine waits before sending again
          assert.equal(done.state, 'published', JSON.stringify(done.targets));
          const sp = await onePost(e, c.platform, (p) => p.text === body, 'post');
          assert.ok(done.targets[0].remote_url.includes(sp.id));
          const atts = await attemptsOf(e, post.id);
          const seen = (await simRequests(e, SIM[c.platform].platform)).filter(SIM_CREATE[c.platform]).length;
          assert.equal(createSteps(atts).length, seen, `the platform received ${seen} create requests; the attempt log records ${createSteps(atts).length}: a create was sent again behind the engine's back (libcurl resends a request whose reused connection died), without a lookup first`);
          assertCreatedOnce(atts);
          const lost = createSteps(atts).filter((q) => !ok2xx(q));
          assert.equal(lost.length, 1);
          assert.equal(lost[0].status, null, 'no answer');
          assert.ok(lost[0].error, 'the transport error is logged');
          assertLookupBetweenCreates(atts, LOOKUP[c.platform]);
        }));
    }
  });

  describe('an access token that expires mid-flow is refreshed once and publishing goes on', { concurrency: true }, () => {
    // Five status checks a second apart: the token expires in that window, before the post.
    test('x: expired while the video is processing (after FINALIZE)', () =>
      withEnv(['x'], { SIM_PROCESSING_POLLS: '5' }, async (e) => {
        const vid = await uploadFixture(e, 'clip-160x90.mp4', 'video/mp4');
        const refreshesBefore = await tokenCalls(e, 'x');
        const body = `Expiring on X ${RUN}`;
        const post = await publishNow(e, { body, media: [vid.id], targets: [{ account_id: e.acc.x.id }] });
        await simRequestSeen(e, 'x', (i) => /\/finalize$/.test(i.path) && i.status === 200, 'FINALIZE');
        await expireAccess(e, 'x');
        const done = await settle(e, post.id);
        assert.equal(done.state, 'published', JSON.stringify(done.targets));
        const log = await simRequests(e, 'x');
        const fin = log.findIndex((i) => /\/finalize$/.test(i.path));
        const refused = log.findIndex((i) => i.status === 401);
        assert.ok(refused > fin, 'X refused the expired token after the upload had begun');
        assert.equal((await tokenCalls(e, 'x')) - refreshesBefore, 1, 'one refresh');
        assert.equal(log.filter((i) => i.path === '/2/media/upload/initialize').length, 1, 'the upload went on, it did not start over');
        const sp = await onePost(e, 'x', (p) => p.text === body, 'post');
        assert.deepEqual(await postedMedia(e, sp), [vid.sha]);
        const atts = await attemptsOf(e, post.id);
        assert.equal(atts.length, 1, 'within the same attempt');
        assertCreatedOnce(atts);
        assert.equal(createSteps(atts).length, 1);
        assert.equal((await account(e, 'x')).status, 'active');
      }));

    // Two checks while processing (YouTube says 10 s, then 5 s left): the token expires in between.
    test('youtube: expired between two processing checks', () =>
      withEnv(['youtube'], { SIM_PROCESSING_POLLS: '2' }, async (e) => {
        const vid = await uploadFixture(e, 'clip-160x90.mp4', 'video/mp4');
        const refreshesBefore = await tokenCalls(e, 'youtube');
        const title = `Expiring on YouTube ${RUN}`;
        const post = await publishNow(e, { body: title, media: [vid.id], targets: [{ account_id: e.acc.youtube.id, options: { title, made_for_kids: false } }] });
        await simRequestSeen(e, 'youtube', (i) => i.method === 'GET' && i.path === '/youtube/v3/videos' && i.status === 200, 'the first processing check');
        await expireAccess(e, 'youtube');
        const done = await settle(e, post.id);
        assert.equal(done.state, 'published', JSON.stringify(done.targets));
        const log = await simRequests(e, 'google');
        assert.ok(log.some((i) => i.path === '/youtube/v3/videos' && i.status === 401), 'a check was refused');
        assert.equal((await tokenCalls(e, 'youtube')) - refreshesBefore, 1, 'one refresh');
        assert.equal(log.filter((i) => i.method === 'POST' && i.path === '/upload/youtube/v3/videos').length, 1, 'uploaded once');
        await onePost(e, 'youtube', (p) => p.title === title, 'video');
        const atts = await attemptsOf(e, post.id);
        assert.equal(atts.length, 1);
        assertCreatedOnce(atts);
        assert.equal((await account(e, 'youtube')).status, 'active');
      }));

    test('linkedin with refresh tokens (a partner app): expired after the image upload', () =>
      withEnv(['linkedin'], {}, async (e) => {
        assert.equal(e.acc.linkedin.can_refresh, true);
        const img = await upload(e, 'expire.jpg', jpegVariant('li-expire'), 'image/jpeg');
        const refreshesBefore = await tokenCalls(e, 'linkedin');
        // The token expires during the wait after the upload; a slower LinkedIn widens that window.
        await e.sim.admin('POST', '/_sim/latency', { platform: 'linkedin', ms: 1500 });
        const body = `Expiring on LinkedIn ${RUN}`;
        const post = await publishNow(e, { body, media: [img.id], targets: [{ account_id: e.acc.linkedin.id }] });
        await simRequestSeen(e, 'linkedin', (i) => i.method === 'PUT' && i.path.startsWith('/dms-uploads/') && i.status < 300, 'the image upload');
        await expireAccess(e, 'linkedin');
        const done = await settle(e, post.id);
        assert.equal(done.state, 'published', JSON.stringify(done.targets));
        assert.equal((await tokenCalls(e, 'linkedin')) - refreshesBefore, 1, 'one refresh');
        const log = await simRequests(e, 'linkedin');
        assert.equal(log.filter((i) => i.path === '/rest/images').length, 1, 'the image was uploaded once');
        const sp = await onePost(e, 'linkedin', (p) => p.text === body, 'post');
        assert.deepEqual(await postedMedia(e, sp), [img.sha]);
        const atts = await attemptsOf(e, post.id);
        assert.equal(atts.length, 1);
        assertCreatedOnce(atts);
        assert.equal((await account(e, 'linkedin')).status, 'active');
      }));

    test('x: five posts meet the expired token together; X sees one refresh', () =>
      withEnv(['x'], {}, async (e) => {
        await expireAccess(e, 'x');
        const refreshesBefore = await tokenCalls(e, 'x');
        const bodies = [1, 2, 3, 4, 5].map((n) => `Together ${n} ${RUN}`);
        const posts = await Promise.all(bodies.map((body) => publishNow(e, { body, targets: [{ account_id: e.acc.x.id }] })));
        for (const p of posts) assert.equal((await settle(e, p.id)).state, 'published');
        for (const body of bodies) await onePost(e, 'x', (p) => p.text === body, 'post');
        const refreshes = (await tokenCalls(e, 'x')) - refreshesBefore;
        assert.equal(refreshes, 1, `targets of one account refused with the same expired token should share one refresh; X saw ${refreshes}`);
        assert.equal((await account(e, 'x')).status, 'active');
      }));
  });

  test('linkedin without refresh tokens (self-serve app): an expired token fails the target and asks for a reconnect', () =>
    withEnv(['linkedin'], { SIM_LINKEDIN_REFRESH: '0' }, async (e) => {
      assert.equal(e.acc.linkedin.can_refresh, false);
      await expireAccess(e, 'linkedin');
      const refreshesBefore = await tokenCalls(e, 'linkedin');
      const body = `Expired on LinkedIn ${RUN}`;
      const post = await publishNow(e, { body, targets: [{ account_id: e.acc.linkedin.id }] });
      const done = await settle(e, post.id);
      assert.equal(done.state, 'failed');
      const t = done.targets[0];
      assert.equal(t.state, 'failed');
      assert.match(t.error, /reconnect/i);
      assert.match(t.error, /LinkedIn/);
      assert.equal(t.remote_url, null);
      const acc = await account(e, 'linkedin');
      assert.equal(acc.status, 'needs_reconnect');
      assert.match(acc.status_reason, /reconnect/i);
      assert.equal(t.account_status, 'needs_reconnect');
      assert.equal(await tokenCalls(e, 'linkedin'), refreshesBefore, 'nothing to refresh with');
      assert.equal((await simPosts(e, 'linkedin')).length, 0);
      const atts = await attemptsOf(e, post.id);
      assert.equal(atts.length, 1, 'not retried');
      assert.equal(atts[0].outcome, 'failed');
      assert.deepEqual(createSteps(atts).map((q) => q.status), [401]);
    }));

  describe('a revoked grant fails the target and marks the account needs_reconnect', { concurrency: true }, () => {
    for (const platform of ['x', 'linkedin', 'youtube']) {
      test(platform, () =>
        withEnv([platform], {}, async (e) => {
          const vid = platform === 'youtube' ? await uploadFixture(e, 'clip-160x90.mp4', 'video/mp4') : null;
          await revokeAll(e, platform);
          const body = `Revoked ${platform} ${RUN}`;
          const target = { account_id: e.acc[platform].id, ...(vid ? { options: { title: body, made_for_kids: false } } : {}) };
          const post = await publishNow(e, { body, media: vid ? [vid.id] : [], targets: [target] });
          const done = await settle(e, post.id);
          assert.equal(done.state, 'failed');
          const t = done.targets[0];
          assert.equal(t.state, 'failed');
          assert.match(t.error, /reconnect/i, t.error);
          assert.doesNotMatch(t.error, /[{}]/, 'plain words, not a raw answer');
          const acc = await account(e, platform);
          assert.equal(acc.status, 'needs_reconnect');
          assert.ok(acc.status_reason && /reconnect/i.test(acc.status_reason), acc.status_reason);
          assert.equal((await simPosts(e, platform)).length, 0, 'nothing published');
          const atts = await attemptsOf(e, post.id);
          assert.equal(atts.length, 1, 'not retried');
          assert.equal(atts[0].outcome, 'failed');
          assert.ok(['revoked', 'token_expired'].includes(atts[0].error_kind), atts[0].error_kind);
        }));
    }
  });

  describe('failed media processing fails the target with the platform\'s reason in plain words', { concurrency: true }, () => {
    test('linkedin video', (t) => {
      const bytes = linkedinVideo();
      if (!bytes) return t.skip('ffmpeg is needed to make a video LinkedIn takes');
      return withEnv(['linkedin'], {}, async (e) => {
        await e.sim.admin('POST', '/_sim/processing', { platform: 'linkedin', fail: true });
        const vid = await upload(e, 'li-video.mp4', bytes, 'video/mp4');
        const post = await publishNow(e, { body: `Processing fails on LinkedIn ${RUN}`, media: [vid.id], targets: [{ account_id: e.acc.linkedin.id }] });
        const done = await settle(e, post.id);
        assert.equal(done.state, 'failed');
        assert.equal(done.targets[0].error, 'LinkedIn could not process the video: Video transcoding failed');
        assert.equal((await simPosts(e, 'linkedin')).length, 0);
        const atts = await attemptsOf(e, post.id);
        assert.equal(atts.length, 1, 'not retried');
        assert.equal(atts[0].error_kind, 'permanent');
        assert.equal(createSteps(atts).length, 0, 'no post was attempted');
        assert.equal((await account(e, 'linkedin')).status, 'active');
      });
    });

    test('youtube video', () =>
      withEnv(['youtube'], {}, async (e) => {
        await e.sim.admin('POST', '/_sim/processing', { platform: 'youtube', fail: true });
        const vid = await uploadFixture(e, 'clip-160x90.mp4', 'video/mp4');
        const title = `Processing fails on YouTube ${RUN}`;
        const post = await publishNow(e, { body: title, media: [vid.id], targets: [{ account_id: e.acc.youtube.id, options: { title, made_for_kids: false } }] });
        const done = await settle(e, post.id);
        assert.equal(done.state, 'failed');
        assert.equal(done.targets[0].error, 'YouTube could not process the video: it could not be converted (conversion, transcodeFailed)');
        assert.equal(done.targets[0].remote_url, null);
        const atts = await attemptsOf(e, post.id);
        assert.equal(atts.length, 1, 'not retried');
        assert.equal(atts[0].error_kind, 'permanent');
        assert.equal(createSteps(atts).length, 1, 'uploaded once');
        assert.equal((await account(e, 'youtube')).status, 'active');
      }));

    test('x video', () =>
      withEnv(['x'], {}, async (e) => {
        await e.sim.admin('POST', '/_sim/processing', { platform: 'x', fail: true });
        const vid = await uploadFixture(e, 'clip-160x90.mp4', 'video/mp4');
        const post = await publishNow(e, { body: `Processing fails on X ${RUN}`, media: [vid.id], targets: [{ account_id: e.acc.x.id }] });
        const done = await settle(e, post.id);
        assert.equal(done.state, 'failed');
        assert.equal(done.targets[0].error, 'Publishing to X: X could not process the video (Invalid or Unsupported media, Reason: UnsupportedMedia.)');
        assert.equal((await simPosts(e, 'x')).length, 0);
        const atts = await attemptsOf(e, post.id);
        assert.equal(atts.length, 1, 'not retried');
        assert.equal(atts[0].error_kind, 'permanent');
        assert.equal(createSteps(atts).length, 0, 'no post was attempted');
      }));
  });
});
