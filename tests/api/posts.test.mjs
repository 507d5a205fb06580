// Posts: composing once for several accounts, the platform rules in one answer, the review
// lifecycle by role, scheduling in the workspace's zone (DST gaps and overlaps), the activity log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, sql } from '../lib/harness.mjs';
import { makeTeam, signup, createWorkspace } from '../lib/api.mjs';
import { seedAccount, uploadFixture, dayFromNow } from '../lib/posts.mjs';

let srv;
let team;
let ws;
let by;
const acc = {};
const media = {};

before(async () => {
  // Accounts here are written straight into the store (no tokens): nothing is published.
  srv = await startServer({ args: ['--no-worker'] });
  team = await makeTeam(srv, 'Bakery');
  ws = team.ws;
  by = team.by;
  acc.x = seedAccount(srv, ws, 'x', 'Bakery on X', { username: 'bakery' });
  acc.linkedin = seedAccount(srv, ws, 'linkedin', 'Bakery Ltd');
  acc.facebook = seedAccount(srv, ws, 'facebook', 'Bakery Page');
  acc.instagram = seedAccount(srv, ws, 'instagram', 'bakery.ig', { username: 'bakery.ig' });
  acc.youtube = seedAccount(srv, ws, 'youtube', 'Bakery TV');
  acc.gone = seedAccount(srv, ws, 'x', 'Old X', { status: 'disconnected' });
  media.jpg = await uploadFixture(by.owner, ws, 'photo-320x240.jpg', 'image/jpeg');
  media.png = await uploadFixture(by.owner, ws, 'portrait-200x250.png', 'image/png');
  media.wide = await uploadFixture(by.owner, ws, 'clip-160x90.mp4', 'video/mp4');
  media.tall = await uploadFixture(by.owner, ws, 'clip-90x160.mp4', 'video/mp4');
});
after(async () => {
  await srv.stop();
});

const P = () => `/api/v1/workspaces/${ws}/posts`;
const future = (days = 7, time = '10:00') => ({ mode: 'at', local: `${dayFromNow(days)}T${time}` });

function fieldsOf(list) {
  return list.map((p) => p.field).sort();
}

describe('validation', () => {
  test('every problem of every target in one answer, with counters', async () => {
    const long = 'a'.repeat(281);
    const r = await by.editor.post(`${P()}/validate`, {
      body: long,
      targets: [
        { account_id: acc.x },
        { account_id: acc.instagram },
        { account_id: acc.youtube, options: { title: 'Bad <title>' } },
        { account_id: acc.linkedin },
      ],
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.ok, false);
    const f = fieldsOf(r.json.problems);
    assert.ok(f.includes('targets[0].text'), f.join());
    assert.ok(f.includes('targets[1].media') || f.includes('targets[1].kind'), f.join());
    assert.ok(f.includes('targets[2].options.title'), f.join());
    assert.ok(f.includes('targets[2].options.made_for_kids'), f.join());
    assert.ok(f.includes('targets[2].media'), f.join());
    assert.ok(!f.some((x) => x.startsWith('targets[3]')), 'LinkedIn takes 281 characters');
    const xc = r.json.targets[0].counters.find((c) => c.field === 'targets[0].text');
    assert.deepEqual([xc.used, xc.limit], [281, 280]);
    const li = r.json.targets[3].counters.find((c) => c.field === 'targets[3].text');
    assert.deepEqual([li.used, li.limit], [281, 3000]);
    assert.match(r.json.problems.find((p) => p.field === 'targets[0].text').message, /280/);
  });

  test('X counts links as 23, emoji as 2 and CJK as 2', async () => {
    const body = `${'a'.repeat(250)} https://example.com/a/very/long/path/that/is/longer/than/23 👍🏽`;
    const r = await by.editor.post(`${P()}/validate`, { body, targets: [{ account_id: acc.x }] });
    const c = r.json.targets[0].counters[0];
    assert.equal(c.used, 250 + 1 + 23 + 1 + 2);
    const cjk = await by.editor.post(`${P()}/validate`, { body: '日本語'.repeat(47), targets: [{ account_id: acc.x }] });
    assert.equal(cjk.json.targets[0].counters[0].used, 282);
    assert.equal(cjk.json.ok, false);
  });

  test('per-target text overrides are checked on their own', async () => {
    const r = await by.editor.post(`${P()}/validate`, {
      body: 'x'.repeat(400),
      targets: [
        { account_id: acc.x, text: 'Short for X' },
        { account_id: acc.linkedin },
      ],
    });
    assert.equal(r.json.ok, true, JSON.stringify(r.json.problems));
    assert.equal(r.json.targets[0].text, 'Short for X');
  });

  test('media that does not fit the platform is named per item', async () => {
    const r = await by.editor.post(`${P()}/validate`, {
      body: 'Menu',
      media: [media.png.id],
      targets: [{ account_id: acc.instagram }, { account_id: acc.x }, { account_id: acc.youtube, options: { title: 't', made_for_kids: false } }],
    });
    const f = fieldsOf(r.json.problems);
    assert.ok(f.includes('targets[0].media[0]'), `Instagram refuses PNG: ${f.join()}`);
    assert.ok(!f.some((x) => x.startsWith('targets[1]')), 'X takes a PNG');
    assert.ok(f.includes('targets[2].media'), 'YouTube needs a video');
    assert.equal(r.json.targets[0].kind, 'image');
  });

  test('kinds follow the media unless chosen, and must fit them', async () => {
    const r = await by.editor.post(`${P()}/validate`, {
      body: 'Reel',
      media: [media.tall.id],
      targets: [{ account_id: acc.instagram }, { account_id: acc.facebook, kind: 'photos' }, { account_id: acc.youtube, kind: 'short', options: { title: 'Short', made_for_kids: false } }],
    });
    assert.equal(r.json.targets[0].kind, 'reel');
    assert.ok(fieldsOf(r.json.problems).includes('targets[1].media'));
    assert.ok(!fieldsOf(r.json.problems).some((x) => x.startsWith('targets[2]')), JSON.stringify(r.json.problems));
    const carousel = await by.editor.post(`${P()}/validate`, {
      body: 'Two',
      media: [media.jpg.id, media.tall.id],
      targets: [{ account_id: acc.instagram }, { account_id: acc.x }],
    });
    assert.equal(carousel.json.targets[0].kind, 'carousel');
    assert.ok(fieldsOf(carousel.json.problems).includes('targets[1].media'), 'X: a video goes alone');
  });

  test('X threads: each part is counted', async () => {
    const r = await by.editor.post(`${P()}/validate`, {
      body: 'First',
      targets: [{ account_id: acc.x, options: { thread: [{ text: 'second' }, { text: 'y'.repeat(300) }, { text: '' }] } }],
    });
    const f = fieldsOf(r.json.problems);
    assert.deepEqual(f, ['targets[0].options.thread[1].text', 'targets[0].options.thread[2].text']);
  });

  test('structural errors are refused with the field named, nothing saved', async () => {
    const other = await signup(srv);
    const otherWs = await createWorkspace(other, 'Other');
    const foreign = seedAccount(srv, otherWs, 'x', 'Foreign');
    const before = Number(sql(srv, 'SELECT COUNT(*) FROM posts').trim());
    const cases = [
      [{ body: 'a', targets: [{ account_id: 999999 }] }, 'targets[0].account_id'],
      [{ body: 'a', targets: [{ account_id: foreign }] }, 'targets[0].account_id'],
      [{ body: 'a', targets: [{ account_id: acc.gone }] }, 'targets[0].account_id'],
      [{ body: 'a', targets: [{ account_id: acc.x }, { account_id: acc.x }] }, 'targets[1].account_id'],
      [{ body: 'a', media: [999999], targets: [{ account_id: acc.x }] }, 'media'],
      [{ body: 'a', targets: [{ account_id: acc.x, kind: 'reel' }] }, 'targets[0].kind'],
      [{ body: 'a', targets: [{ account_id: acc.linkedin, options: { visibility: 'SECRET' } }] }, 'targets[0].options.visibility'],
      [{ body: 'a', targets: [{ account_id: acc.x, options: { poll: 1 } }] }, 'targets[0].options.poll'],
      [{ body: 5, targets: [] }, 'body'],
      [{ body: 'a', targets: [{ account_id: acc.x }], schedule: { mode: 'sometime' } }, 'schedule.mode'],
      [{ body: 'a', targets: [{ account_id: acc.x }], schedule: { mode: 'at', local: '2027-02-30T10:00' } }, 'schedule.local'],
      [{ body: 'a', targets: [{ account_id: acc.x }], schedule: { mode: 'at', local: 'tomorrow' } }, 'schedule.local'],
      [{ body: 'a', targets: [{ account_id: acc.x }], action: 'publish' }, 'action'],
    ];
    for (const [body, field] of cases) {
      const r = await by.editor.post(P(), body);
      assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.json.error.field, field, JSON.stringify(body));
    }
    assert.equal(Number(sql(srv, 'SELECT COUNT(*) FROM posts').trim()), before);
  });
});

describe('lifecycle by role', () => {
  test('contributor drafts and submits; editor sends back, then approves; the log has it all', async () => {
    const c = by.contributor;
    const body = { body: 'Fresh bread every morning', media: [media.jpg.id], targets: [{ account_id: acc.x }, { account_id: acc.linkedin }], schedule: future(5) };
    const denied = await c.post(P(), { ...body, action: 'schedule' });
    assert.equal(denied.status, 403);
    assert.equal(denied.json.error.field, 'action');
    const created = await c.post(P(), body);
    assert.equal(created.status, 201, created.text);
    const post = created.json.post;
    assert.equal(post.state, 'draft');
    assert.equal(post.targets.length, 2);
    assert.equal(post.media[0].id, media.jpg.id);
    assert.equal(post.schedule.mode, 'at');
    assert.equal(post.schedule.timezone, 'Europe/Paris');
    assert.equal(post.schedule.local, `${dayFromNow(5)}T10:00`);

    assert.equal((await by.viewer.post(P(), body)).status, 403);
    assert.equal((await c.post(`${P()}/${post.id}/approve`)).status, 403);
    const sub = await c.post(`${P()}/${post.id}/submit`);
    assert.equal(sub.status, 200, sub.text);
    assert.equal(sub.json.post.state, 'pending_approval');
    const edit = await c.patch(`${P()}/${post.id}`, { body: 'changed' });
    assert.equal(edit.status, 403, 'contributors cannot change a post under review');

    const noNote = await by.editor.post(`${P()}/${post.id}/request-changes`, {});
    assert.equal(noNote.status, 400);
    assert.equal(noNote.json.error.field, 'note');
    const back = await by.editor.post(`${P()}/${post.id}/request-changes`, { note: 'Mention the croissants' });
    assert.equal(back.json.post.state, 'changes_requested');
    assert.equal(back.json.post.review_note, 'Mention the croissants');

    const fixed = await c.patch(`${P()}/${post.id}`, { body: 'Fresh bread and croissants every morning', action: 'submit' });
    assert.equal(fixed.status, 200, fixed.text);
    assert.equal(fixed.json.post.state, 'pending_approval');
    const ok = await by.editor.post(`${P()}/${post.id}/approve`);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.post.state, 'scheduled');
    assert.ok(ok.json.post.targets.every((t) => t.state === 'scheduled'));

    const log = await by.owner.get(`/api/v1/workspaces/${ws}/activity?limit=100`);
    const actions = log.json.items.filter((a) => a.target === `post ${post.id}`).map((a) => a.action);
    for (const a of ['post.created', 'post.submitted', 'post.changes_requested', 'post.approved']) assert.ok(actions.includes(a), `${a} in ${actions}`);
    const who = log.json.items.find((a) => a.action === 'post.changes_requested' && a.target === `post ${post.id}`);
    assert.equal(who.user_name, 'Editor');
  });

  test('contributors touch only their own drafts', async () => {
    const mine = (await by.editor.post(P(), { body: 'editor draft', targets: [{ account_id: acc.x }] })).json.post;
    assert.equal((await by.contributor.patch(`${P()}/${mine.id}`, { body: 'x' })).status, 403);
    assert.equal((await by.contributor.del(`${P()}/${mine.id}`)).status, 403);
    assert.equal((await by.viewer.del(`${P()}/${mine.id}`)).status, 403);
    const theirs = (await by.contributor.post(P(), { body: 'contributor draft', targets: [{ account_id: acc.x }] })).json.post;
    assert.equal((await by.contributor.del(`${P()}/${theirs.id}`)).status, 204);
    assert.equal((await by.editor.get(`${P()}/${theirs.id}`)).status, 404);
  });

  test('a draft may hold problems; scheduling it is refused with all of them', async () => {
    const r = await by.editor.post(P(), { body: 'z'.repeat(300), targets: [{ account_id: acc.x }] });
    assert.equal(r.status, 201);
    assert.equal(r.json.problems.length, 1);
    const s = await by.editor.post(`${P()}/${r.json.post.id}/schedule`, { schedule: future(3) });
    assert.equal(s.status, 422);
    assert.equal(s.json.error.code, 'invalid_post');
    assert.equal(s.json.problems[0].field, 'targets[0].text');
    assert.equal((await by.editor.get(`${P()}/${r.json.post.id}`)).json.post.state, 'draft', 'nothing half-saved');
  });

  test('editors schedule, reschedule, cancel and delete until publishing starts', async () => {
    const r = await by.editor.post(P(), { body: 'Weekend opening hours', targets: [{ account_id: acc.facebook }], schedule: future(4, '09:00'), action: 'schedule' });
    assert.equal(r.status, 201, r.text);
    const id = r.json.post.id;
    assert.equal(r.json.post.state, 'scheduled');
    const moved = await by.editor.post(`${P()}/${id}/schedule`, { schedule: future(6, '11:30') });
    assert.equal(moved.json.post.schedule.local, `${dayFromNow(6)}T11:30`);
    const cancelled = await by.editor.post(`${P()}/${id}/cancel`);
    assert.equal(cancelled.json.post.state, 'draft');
    assert.ok(cancelled.json.post.targets.every((t) => t.state === 'draft'));
    await by.editor.post(`${P()}/${id}/schedule`, { schedule: future(6, '11:30') });
    sql(srv, `UPDATE posts SET state = 'publishing' WHERE id = ${id}`);
    const locked = await by.editor.patch(`${P()}/${id}`, { body: 'too late' });
    assert.equal(locked.status, 409);
    assert.equal(locked.json.error.code, 'post_locked');
    assert.equal((await by.editor.del(`${P()}/${id}`)).status, 409);
    assert.equal((await by.editor.post(`${P()}/${id}/cancel`)).status, 409);
  });

  test('a stale version is refused', async () => {
    const post = (await by.editor.post(P(), { body: 'v1', targets: [{ account_id: acc.x }] })).json.post;
    const a = await by.editor.patch(`${P()}/${post.id}`, { body: 'v2', version: post.version });
    assert.equal(a.status, 200);
    const b = await by.owner.patch(`${P()}/${post.id}`, { body: 'v3', version: post.version });
    assert.equal(b.status, 409);
    assert.equal(b.json.error.field, 'version');
  });
});

describe('time', () => {
  test('a local time is stored as its UTC instant', async () => {
    const r = await by.editor.post(P(), { body: 'winter', targets: [{ account_id: acc.x }], schedule: { mode: 'at', local: '2030-01-15T09:00' } });
    assert.equal(r.json.post.schedule.at, '2030-01-15T08:00:00.000Z');
    const s = await by.editor.post(P(), { body: 'summer', targets: [{ account_id: acc.x }], schedule: { mode: 'at', local: '2030-07-15T09:00' } });
    assert.equal(s.json.post.schedule.at, '2030-07-15T07:00:00.000Z');
  });

  test('a time the clocks skip is refused and explained', async () => {
    const r = await by.editor.post(P(), { body: 'gap', targets: [{ account_id: acc.x }], schedule: { mode: 'at', local: '2030-03-31T02:30' } });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.field, 'schedule.local');
    assert.match(r.json.error.message, /does not exist.*02:00.*03:00/);
  });

  test('a time that happens twice takes the first, or the second with fold', async () => {
    const a = await by.editor.post(P(), { body: 'fold1', targets: [{ account_id: acc.x }], schedule: { mode: 'at', local: '2030-10-27T02:30' } });
    assert.equal(a.status, 201, a.text);
    assert.equal(a.json.post.schedule.at, '2030-10-27T00:30:00.000Z');
    assert.equal(a.json.warnings[0].code, 'ambiguous_time');
    const b = await by.editor.post(P(), { body: 'fold2', targets: [{ account_id: acc.x }], schedule: { mode: 'at', local: '2030-10-27T02:30', fold: 'later' } });
    assert.equal(b.json.post.schedule.at, '2030-10-27T01:30:00.000Z');
  });

  test('a time in the past cannot be scheduled', async () => {
    const r = await by.editor.post(P(), { body: 'past', targets: [{ account_id: acc.x }], schedule: { mode: 'at', local: '2020-01-01T10:00' }, action: 'schedule' });
    assert.equal(r.status, 422);
    assert.equal(r.json.problems[0].field, 'schedule.local');
    assert.match(r.json.problems[0].message, /passed/);
  });

  test('post now is due at once', async () => {
    const t0 = Date.now();
    const r = await by.editor.post(P(), { body: 'now!', targets: [{ account_id: acc.linkedin }], schedule: { mode: 'now' }, action: 'schedule' });
    assert.equal(r.status, 201, r.text);
    const at = Date.parse(r.json.post.schedule.at);
    assert.ok(at >= t0 - 1000 && at <= Date.now() + 1000);
  });
});

describe('duplicates', () => {
  test('the same text already scheduled for the account is a warning', async () => {
    const body = { body: 'Unique sourdough announcement 42', targets: [{ account_id: acc.linkedin }], schedule: future(9), action: 'schedule' };
    const first = await by.editor.post(P(), body);
    assert.equal(first.json.warnings.length, 0);
    const second = await by.editor.post(P(), { ...body, body: '  Unique sourdough announcement 42 \n' });
    assert.equal(second.status, 201);
    const w = second.json.warnings.find((x) => x.code === 'duplicate');
    assert.ok(w, JSON.stringify(second.json.warnings));
    assert.match(w.message, /already scheduled for Bakery Ltd/);
    const other = await by.editor.post(`${P()}/validate`, { ...body, targets: [{ account_id: acc.x }] });
    assert.equal(other.json.warnings.filter((x) => x.code === 'duplicate').length, 0, 'another account is fine');
    const id = first.json.post.id;
    sql(srv, `UPDATE posts SET state = 'published' WHERE id = ${id}`);
    sql(srv, `UPDATE post_targets SET state = 'published', published_at = ${Date.now() - 3600000} WHERE post_id = ${id}`);
    const again = await by.editor.post(`${P()}/validate`, body);
    assert.match(again.json.warnings.find((x) => x.code === 'duplicate').message, /published/);
  });
});

describe('media in posts', () => {
  test('a file used by a scheduled post cannot be deleted; drafts lose it with a warning', async () => {
    const m = await uploadFixture(by.owner, ws, 'clip-160x90.mov', 'video/quicktime');
    const draft = (await by.editor.post(P(), { body: 'draft with clip', media: [m.id], targets: [{ account_id: acc.facebook }] })).json.post;
    const sched = await by.editor.post(P(), { body: 'scheduled clip', media: [m.id], targets: [{ account_id: acc.facebook }], schedule: future(2), action: 'schedule' });
    assert.equal(sched.status, 201, sched.text);
    const refused = await by.editor.del(`/api/v1/workspaces/${ws}/media/${m.id}`);
    assert.equal(refused.status, 409);
    assert.equal(refused.json.error.code, 'media_in_use');
    assert.ok(refused.json.posts.some((p) => p.id === sched.json.post.id));
    await by.editor.post(`${P()}/${sched.json.post.id}/cancel`);
    const ok = await by.editor.del(`/api/v1/workspaces/${ws}/media/${m.id}`);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.warnings[0].code, 'detached_from_drafts');
    assert.equal((await by.editor.get(`${P()}/${draft.id}`)).json.post.media.length, 0);
  });
});
