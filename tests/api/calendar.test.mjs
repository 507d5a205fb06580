// The calendar and lists with their filters, campaigns, the weekly queue (next free slot,
// reorder, shuffle) and CSV import (dry run, all-or-nothing) and export.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, sql } from '../lib/harness.mjs';
import { makeTeam } from '../lib/api.mjs';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../lib/harness.mjs';
import { seedAccount, uploadFixture, dayFromNow } from '../lib/posts.mjs';

let srv;
let ws;
let by;
const acc = {};
let photo;

before(async () => {
  // Accounts here are written straight into the store (no tokens): nothing is published.
  // CSV media links below are served from this machine: allow private addresses for them.
  srv = await startServer({ args: ['--no-worker'], env: { P2S_WEBHOOK_ALLOW_PRIVATE: '1' } });
  const team = await makeTeam(srv, 'Cafe');
  ws = team.ws;
  by = team.by;
  await by.owner.patch(`/api/v1/workspaces/${ws}`, { timezone: 'America/New_York' });
  acc.x = seedAccount(srv, ws, 'x', 'Cafe X', { username: 'cafe' });
  acc.li = seedAccount(srv, ws, 'linkedin', 'Cafe Inc');
  acc.fb = seedAccount(srv, ws, 'facebook', 'Cafe Page');
  photo = await uploadFixture(by.owner, ws, 'photo-320x240.jpg', 'image/jpeg');
});
after(async () => {
  await srv.stop();
});

const W = () => `/api/v1/workspaces/${ws}`;

async function schedule(body, accounts, day, time, extra = {}) {
  const r = await by.editor.post(`${W()}/posts`, {
    body,
    targets: accounts.map((id) => ({ account_id: id })),
    schedule: { mode: 'at', local: `${day}T${time}` },
    action: 'schedule',
    ...extra,
  });
  assert.equal(r.status, 201, r.text);
  return r.json.post;
}

describe('campaigns', () => {
  test('create, list with counts, change, delete keeps the posts', async () => {
    const bad = await by.editor.post(`${W()}/campaigns`, { name: 'Bad', color: 'red' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.field, 'color');
    const dates = await by.editor.post(`${W()}/campaigns`, { name: 'Bad', starts_on: '2027-02-01', ends_on: '2027-01-01' });
    assert.equal(dates.json.error.field, 'ends_on');
    assert.equal((await by.contributor.post(`${W()}/campaigns`, { name: 'Nope' })).status, 403);
    const c = await by.editor.post(`${W()}/campaigns`, { name: 'Winter menu', color: '#2f855a', description: 'Soups', starts_on: '2026-12-01', ends_on: '2027-02-28' });
    assert.equal(c.status, 201, c.text);
    assert.equal((await by.editor.post(`${W()}/campaigns`, { name: 'Winter menu' })).status, 409);
    const post = await schedule('Soup of the day', [acc.x], dayFromNow(3), '12:00', { campaign_id: c.json.campaign.id });
    assert.equal(post.campaign.name, 'Winter menu');
    const list = await by.viewer.get(`${W()}/campaigns`);
    assert.equal(list.json.campaigns.find((x) => x.id === c.json.campaign.id).post_count, 1);
    const ch = await by.editor.patch(`${W()}/campaigns/${c.json.campaign.id}`, { color: '#000000' });
    assert.equal(ch.json.campaign.color, '#000000');
    assert.equal(ch.json.campaign.name, 'Winter menu');
    const filtered = await by.viewer.get(`${W()}/posts?campaign_id=${c.json.campaign.id}`);
    assert.deepEqual(filtered.json.posts.map((p) => p.id), [post.id]);
    assert.equal((await by.editor.del(`${W()}/campaigns/${c.json.campaign.id}`)).status, 204);
    const after = await by.viewer.get(`${W()}/posts/${post.id}`);
    assert.equal(after.json.post.campaign, null);
    assert.equal(after.json.post.state, 'scheduled');
  });
});

describe('calendar', () => {
  test('a range of local days, in time order, with targets, and filters', async () => {
    const day = dayFromNow(20);
    const a = await schedule('Morning', [acc.x, acc.li], day, '08:00');
    const b = await schedule('Evening', [acc.fb], day, '23:30');
    const draft = await by.editor.post(`${W()}/posts`, { body: 'undated', targets: [{ account_id: acc.x }] });
    assert.equal(draft.status, 201);
    const next = dayFromNow(21);
    const r = await by.viewer.get(`${W()}/calendar?from=${day}&to=${next}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.timezone, 'America/New_York');
    const ids = r.json.posts.map((p) => p.id);
    assert.deepEqual(ids, [a.id, b.id], '23:30 New York is the next day in UTC, and still this day here');
    assert.equal(r.json.posts[0].targets.length, 2);
    assert.equal(r.json.posts[0].schedule.local, `${day}T08:00`);
    const x = await by.viewer.get(`${W()}/calendar?from=${day}&to=${next}&platform=facebook`);
    assert.deepEqual(x.json.posts.map((p) => p.id), [b.id]);
    const byAcc = await by.viewer.get(`${W()}/calendar?from=${day}&to=${next}&account_id=${acc.li}`);
    assert.deepEqual(byAcc.json.posts.map((p) => p.id), [a.id]);
    const st = await by.viewer.get(`${W()}/calendar?from=${day}&to=${next}&state=draft`);
    assert.deepEqual(st.json.posts, []);
    for (const q of ['from=2026-13-01&to=2027-01-01', `from=${day}&to=${day}`, 'from=2026-01-01&to=2026-06-01', `from=${day}&to=${next}&state=bogus`, `from=${day}&to=${next}&platform=tiktok`]) {
      const bad = await by.viewer.get(`${W()}/calendar?${q}`);
      assert.equal(bad.status, 400, q);
    }
  });

  test('moving a post to another day keeps its wall time', async () => {
    const p = await schedule('Move me', [acc.x], dayFromNow(10), '09:15');
    const moved = await by.editor.post(`${W()}/posts/${p.id}/schedule`, { schedule: { mode: 'at', local: `${dayFromNow(12)}T09:15` } });
    assert.equal(moved.status, 200, moved.text);
    const cal = await by.viewer.get(`${W()}/calendar?from=${dayFromNow(12)}&to=${dayFromNow(13)}`);
    assert.ok(cal.json.posts.some((x) => x.id === p.id));
  });

  test('the list pages newest first and searches the text', async () => {
    for (let i = 0; i < 5; i++) await by.editor.post(`${W()}/posts`, { body: `Paging post ${i} zebra`, targets: [{ account_id: acc.x }] });
    const first = await by.viewer.get(`${W()}/posts?q=zebra&limit=3`);
    assert.equal(first.json.posts.length, 3);
    assert.ok(first.json.next_cursor);
    const second = await by.viewer.get(`${W()}/posts?q=zebra&limit=3&cursor=${first.json.next_cursor}`);
    assert.equal(second.json.posts.length, 2);
    assert.equal(second.json.next_cursor, null);
    assert.match(second.json.posts[1].body, /Paging post 0/);
    const none = await by.viewer.get(`${W()}/posts?q=${encodeURIComponent('100%_')}`);
    assert.equal(none.json.posts.length, 0, 'wildcards are literal');
  });
});

describe('queue', () => {
  test('slots per workspace; add to queue takes the next free slot; reorder and shuffle', async () => {
    const empty = await by.editor.post(`${W()}/posts`, { body: 'queued too early', targets: [{ account_id: acc.fb }], schedule: { mode: 'queue' }, action: 'schedule' });
    assert.equal(empty.status, 409);
    assert.equal(empty.json.error.code, 'queue_empty');
    const badSlot = await by.editor.put(`${W()}/queue`, { slots: [{ weekday: 8, time: '09:00' }] });
    assert.equal(badSlot.json.error.field, 'slots[0].weekday');
    assert.equal((await by.contributor.put(`${W()}/queue`, { slots: [] })).status, 403);
    const every = [1, 2, 3, 4, 5, 6, 7].flatMap((weekday) => [{ weekday, time: '09:00' }, { weekday, time: '17:30' }]);
    const put = await by.editor.put(`${W()}/queue`, { account_id: null, slots: every });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json.slots.length, 14);
    const up = await by.viewer.get(`${W()}/queue/upcoming?limit=4`);
    assert.equal(up.json.items.length, 4);
    assert.ok(up.json.items.every((i) => i.post === null));
    assert.match(up.json.items[0].local, /T(09:00|17:30)$/);
    const posts = [];
    for (const body of ['Q one', 'Q two', 'Q three']) {
      const r = await by.editor.post(`${W()}/posts`, { body, targets: [{ account_id: acc.fb }, { account_id: acc.li }], schedule: { mode: 'queue' }, action: 'schedule' });
      assert.equal(r.status, 201, r.text);
      posts.push(r.json.post);
    }
    const at = posts.map((p) => p.schedule.at);
    assert.deepEqual(at, [...at].sort(), 'each takes the next free slot');
    assert.equal(new Set(at).size, 3);
    assert.equal(at[0], up.json.items[0].at);
    const held = await by.viewer.get(`${W()}/queue/upcoming?limit=3`);
    assert.deepEqual(held.json.items.map((i) => i.post && i.post.id), posts.map((p) => p.id));

    const reordered = await by.editor.post(`${W()}/queue/reorder`, { account_id: null, post_ids: [posts[2].id, posts[0].id, posts[1].id] });
    assert.equal(reordered.status, 200, reordered.text);
    assert.deepEqual(reordered.json.items.slice(0, 3).map((i) => i.post.id), [posts[2].id, posts[0].id, posts[1].id]);
    assert.equal((await by.viewer.get(`${W()}/posts/${posts[2].id}`)).json.post.schedule.at, at[0]);
    const partial = await by.editor.post(`${W()}/queue/reorder`, { post_ids: [posts[0].id] });
    assert.equal(partial.status, 409);
    const sh = await by.editor.post(`${W()}/queue/shuffle`, {});
    assert.equal(sh.status, 200);
    assert.deepEqual(sh.json.items.slice(0, 3).map((i) => i.post.id).sort(), posts.map((p) => p.id).sort());
    assert.deepEqual(sh.json.items.slice(0, 3).map((i) => i.at), at, 'the same slots, another order');

    // a cancelled queued post frees its slot for the next one
    await by.editor.post(`${W()}/posts/${posts[1].id}/cancel`);
    const again = await by.editor.post(`${W()}/posts`, { body: 'Q four', targets: [{ account_id: acc.fb }, { account_id: acc.li }], schedule: { mode: 'queue' }, action: 'schedule' });
    const freed = (await by.viewer.get(`${W()}/posts/${posts[1].id}`)).json.post;
    assert.equal(freed.state, 'draft');
    assert.ok(at.includes(again.json.post.schedule.at));
  });

  test("an account's own slots are used for a post to that account alone", async () => {
    const put = await by.editor.put(`${W()}/queue`, { account_id: acc.x, slots: [{ weekday: 3, time: '07:45' }] });
    assert.equal(put.status, 200, put.text);
    const r = await by.editor.post(`${W()}/posts`, { body: 'X only', targets: [{ account_id: acc.x }], schedule: { mode: 'queue' }, action: 'schedule' });
    assert.equal(r.status, 201, r.text);
    assert.match(r.json.post.schedule.local, /T07:45$/);
    const day = new Date(r.json.post.schedule.local.slice(0, 10) + 'T12:00:00Z').getUTCDay();
    assert.equal(day, 3, 'a Wednesday');
    const up = await by.viewer.get(`${W()}/queue/upcoming?account_id=${acc.x}&limit=2`);
    assert.equal(up.json.items[0].post.id, r.json.post.id);
  });
});

describe('CSV', () => {
  test('a dry run lists every row problem and creates nothing', async () => {
    const before = sql(srv, 'SELECT COUNT(*) FROM posts').trim();
    const csv = [
      'text,accounts,time,media,campaign',
      `Good row,cafe,${dayFromNow(8)} 10:00,${photo.id},Spring`,
      'Unknown account,nobody,,,',
      `Bad time,Cafe Inc,31/12/2030 10:00,,`,
      `${'y'.repeat(300)},x:cafe,${dayFromNow(8)} 11:00,,`,
      `Past,cafe,2020-01-01 10:00,,`,
      `Bad media,cafe,,notanid,`,
    ].join('\r\n');
    const r = await by.editor.call('POST', `${W()}/posts/import?dry_run=1`, csv, { headers: { 'Content-Type': 'text/csv' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.dry_run, true);
    assert.equal(r.json.created, 0);
    const rows = r.json.problems.map((p) => p.row);
    for (const n of [3, 4, 5, 6, 7]) assert.ok(rows.includes(n), `row ${n} in ${JSON.stringify(r.json.problems)}`);
    assert.ok(!rows.includes(2));
    assert.equal(r.json.rows[0].campaign_created, true);
    assert.equal(sql(srv, 'SELECT COUNT(*) FROM posts').trim(), before);
    const real = await by.editor.call('POST', `${W()}/posts/import`, csv, { headers: { 'Content-Type': 'text/csv' } });
    assert.equal(real.status, 422);
    assert.equal(real.json.error.code, 'invalid_import');
    assert.equal(sql(srv, 'SELECT COUNT(*) FROM posts').trim(), before, 'all or nothing');
  });

  test('bad files: missing columns, other encodings, wrong type', async () => {
    const miss = await by.editor.call('POST', `${W()}/posts/import?dry_run=1`, 'text,time\nhello,\n', { headers: { 'Content-Type': 'text/csv' } });
    assert.ok(miss.json.problems.some((p) => p.column === 'accounts'), miss.text);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('text,accounts,time\n', 'utf16le')]);
    const u = await by.editor.call('POST', `${W()}/posts/import?dry_run=1`, utf16, { headers: { 'Content-Type': 'text/csv' } });
    assert.match(u.json.problems[0].message, /UTF-8/);
    const latin = Buffer.concat([Buffer.from('text,accounts,time\ncaf'), Buffer.from([0xe9]), Buffer.from(',cafe,\n')]);
    const l = await by.editor.call('POST', `${W()}/posts/import?dry_run=1`, latin, { headers: { 'Content-Type': 'text/csv' } });
    assert.equal(l.json.problems[0].row, 2);
    assert.equal(l.json.problems[0].column, 'text');
    const json = await by.editor.post(`${W()}/posts/import`, { text: 'x' });
    assert.equal(json.status, 415);
    assert.equal((await by.contributor.call('POST', `${W()}/posts/import`, 'text,accounts,time\n', { headers: { 'Content-Type': 'text/csv' } })).status, 403);
  });

  test('a good file is created in one go; export gives it back', async () => {
    const day = dayFromNow(15);
    const csv = `text,accounts,time,media,campaign\n"Line one\nline two, with comma",cafe|Cafe Inc,${day} 10:00,${photo.id},Imported\n=1+1 draft,x:cafe,,,\n`;
    const r = await by.editor.call('POST', `${W()}/posts/import`, csv, { headers: { 'Content-Type': 'text/csv' } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.created, 2);
    const [a, b] = r.json.post_ids;
    const pa = (await by.viewer.get(`${W()}/posts/${a}`)).json.post;
    assert.equal(pa.state, 'scheduled');
    assert.equal(pa.body, 'Line one\nline two, with comma');
    assert.equal(pa.schedule.local, `${day}T10:00`);
    assert.equal(pa.targets.length, 2);
    assert.equal(pa.media[0].id, photo.id);
    assert.equal(pa.campaign.name, 'Imported');
    const pb = (await by.viewer.get(`${W()}/posts/${b}`)).json.post;
    assert.equal(pb.state, 'draft');
    assert.equal(pb.body, '=1+1 draft');

    const ex = await by.viewer.get(`${W()}/posts/export.csv?campaign_id=${pa.campaign.id}`);
    assert.equal(ex.status, 200);
    assert.match(ex.headers.get('content-type'), /^text\/csv/);
    assert.match(ex.headers.get('content-disposition'), /attachment/);
    assert.match(ex.text, /^id,state,text,accounts,account_names,time,scheduled_at,media,campaign\r\n/);
    assert.match(ex.text, /"Line one\nline two, with comma"/);
    const all = await by.viewer.get(`${W()}/posts/export.csv?state=draft`);
    assert.match(all.text, /'=1\+1 draft/, 'formula cells are guarded');
    // the export imports again (as a dry run: same rows, no problems)
    const back = await by.editor.call('POST', `${W()}/posts/import?dry_run=1`, ex.text.replace(`${day} 10:00`, `${dayFromNow(16)} 10:00`), { headers: { 'Content-Type': 'text/csv' } });
    assert.equal(back.status, 200, back.text);
    assert.deepEqual(back.json.problems, []);
  });

  test('media links in a file are fetched into the library when importing', async () => {
    const bytes = readFileSync(join(ROOT, 'tests', 'fixtures', 'portrait-200x250.png'));
    const files = createServer((req, res) => {
      if (req.url === '/img/cover.png') {
        res.writeHead(200, { 'Content-Type': 'image/png' });
        res.end(bytes);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise((r) => files.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${files.address().port}`;
    try {
      const csv = `text,accounts,time,media\nWith a linked image,x:cafe,${dayFromNow(18)} 10:00,${base}/img/cover.png\nMissing file,x:cafe,,${base}/img/none.png\n`;
      const dry = await by.editor.call('POST', `${W()}/posts/import?dry_run=1`, csv, { headers: { 'Content-Type': 'text/csv' } });
      assert.equal(dry.status, 200, dry.text);
      assert.deepEqual(dry.json.problems, [], 'a dry run only checks the links');
      assert.equal(dry.json.rows[0].warnings[0].code, 'media_links');
      const real = await by.editor.call('POST', `${W()}/posts/import`, csv, { headers: { 'Content-Type': 'text/csv' } });
      assert.equal(real.status, 422, real.text);
      assert.equal(real.json.problems.length, 1);
      assert.equal(real.json.problems[0].row, 3);
      assert.match(real.json.problems[0].message, /404/);
      const good = await by.editor.call('POST', `${W()}/posts/import`, csv.split('\n').slice(0, 2).join('\n') + '\n', { headers: { 'Content-Type': 'text/csv' } });
      assert.equal(good.status, 201, good.text);
      const post = (await by.viewer.get(`${W()}/posts/${good.json.post_ids[0]}`)).json.post;
      assert.equal(post.media.length, 1);
      assert.equal(post.media[0].name, 'cover.png');
      assert.equal(post.media[0].width, 200);
    } finally {
      files.close();
    }
  });
});
