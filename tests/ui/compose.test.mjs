// Browser tests for composing and scheduling: a new person signs up, creates a
// workspace in Europe/Paris (the browser is in Los Angeles), connects X and
// LinkedIn on the simulator's consent pages, has an image in the library,
// writes a post too long for X (the counter and the problem show, scheduling
// is refused with the problem by the field), gives X its own text, schedules
// it for next week, finds it on the calendar on that day, moves it to another
// day by dragging and with the "Move to" form, keeping its wall-clock time.
// Then campaigns (filtering the calendar), the queue (slots, "Add to queue",
// reordering) and the approval inbox between a contributor and the owner.
// Drives Debian's chromium through playwright-core against the real server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { launchBrowser } from '../lib/browser.mjs';
import { ROOT, startServer } from '../lib/harness.mjs';
import { Client, addMember, signup } from '../lib/api.mjs';
import { startSim, simEnv } from '../lib/sim.mjs';

const SHOTS = process.env.P2S_SCREENSHOTS || '/tmp/p2s-compose-ui';
const PASSWORD = 'correct horse battery';
const JPEG = join(ROOT, 'tests', 'fixtures', 'photo-320x240.jpg');
const ZONE = 'Europe/Paris';

let sim;
let srv;
let browser;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  sim = await startSim();
  srv = await startServer({ env: { ...simEnv(sim.url), P2S_SIGNUP_LIMIT: '1000', P2S_AUTH_FAIL_LIMIT: '1000' } });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
  if (sim) await sim.stop();
});

const run = randomBytes(4).toString('hex');
const person = (tag, name) => ({ name, email: `${tag}-${run}@example.test`, password: PASSWORD });

/**
 * A new page in its own context (the browser's clock in Los Angeles, far from
 * the workspace's zone), recording page errors, console errors (CSP violations
 * among them), failed requests and HTTP errors from our server. The
 * simulator's own pages are not ours to judge.
 */
async function openPage(viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport, timezoneId: 'America/Los_Angeles' });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (!page.url().startsWith(srv.url)) return;
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      problems.push(`console error: ${msg.text()}`);
    }
  });
  page.on('requestfailed', (req) => {
    if (req.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400 && res.url().startsWith(srv.url)) {
      problems.push(`${res.status()} ${res.request().method()} ${new URL(res.url()).pathname}`);
    }
  });
  return { context, page, problems };
}

const ALLOWED = new Set(['401 GET /api/v1/me']);
const unexpected = (problems, extra = []) => problems.filter((p) => !ALLOWED.has(p) && !extra.includes(p));

async function signUpThroughForm(page, who) {
  await page.goto(`${srv.url}/signup`, { waitUntil: 'networkidle' });
  await page.getByLabel('Name', { exact: true }).fill(who.name);
  await page.getByLabel('Email', { exact: true }).fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByLabel('I confirm I am 18 or older').check();
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${srv.url}/calendar`);
}

async function signInThroughForm(page, who) {
  await page.goto(`${srv.url}/signin`, { waitUntil: 'networkidle' });
  await page.getByLabel('Email', { exact: true }).fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(`${srv.url}/calendar`);
}

async function createWorkspace(page, name) {
  await page.getByRole('banner').getByRole('link', { name: 'New workspace' }).click();
  await page.getByRole('heading', { level: 1, name: 'New workspace' }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Time zone').selectOption(ZONE);
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await page.waitForURL(`${srv.url}/calendar`);
  await page.getByText(`The workspace ${name} is ready`).waitFor();
}

/** A link of the main navigation ("Approvals" may carry its count: "Approvals (1 waiting)"). */
const nav = (page, name) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: new RegExp(`^${name}( \\(\\d+ waiting\\))?$`) });

/** Connect a platform on the simulator's consent page and come back. */
async function connect(page, platform, done) {
  await nav(page, 'Accounts').click();
  await page.getByRole('heading', { level: 1, name: 'Accounts' }).waitFor();
  await page.locator('.loading').first().waitFor({ state: 'detached' });
  await page.getByRole('list', { name: 'Platforms' }).getByRole('button', { name: `Connect ${platform}`, exact: true }).click();
  await page.waitForURL((url) => url.href.startsWith(sim.url));
  await page.locator('#allow').click();
  await page.waitForURL((url) => url.origin === srv.url && url.pathname === '/accounts' && url.search === '');
  await page.getByRole('status').filter({ hasText: done }).waitFor();
}

async function noSideScroll(page, what) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  assert.ok(scrollWidth <= clientWidth, `${what}: ${scrollWidth}px wide in a ${clientWidth}px viewport`);
}

/** "YYYY-MM-DD" of today in a time zone. */
function todayIn(zone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

function addDays(day, n) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Monday = 1 … Sunday = 7. */
const weekday = (day) => new Date(`${day}T00:00:00Z`).getUTCDay() || 7;

/** The month grid holding `day`, reached with the Next button. */
async function showMonthOf(page, day) {
  for (let i = 0; i < 3; i++) {
    await page.locator('.loading').first().waitFor({ state: 'detached' });
    if ((await page.locator(`td[data-day="${day}"]`).count()) > 0) return;
    await page.getByRole('button', { name: 'Next month' }).click();
  }
  throw new Error(`${day} is not on the calendar`);
}

describe('composing and scheduling', { timeout: 240_000 }, () => {
  const owner = person('owner', 'Olga Owner');
  const workspaceName = `Bakery ${run}`;
  const day = addDays(todayIn(ZONE), 7);
  const time = '09:30';
  // Over X's 280 (weighted), well under LinkedIn's 3000.
  const longBody = `Our spring menu is here: ${'fresh bread, croissants and cakes; '.repeat(8)}come and taste it!`;
  const xText = 'Our spring menu is here. Come and taste it!';
  let client;
  let ws;
  let postId;

  test('write a post too long for X, fix it, schedule it, find it on the calendar', async () => {
    const { context, page, problems } = await openPage();
    try {
      await signUpThroughForm(page, owner);
      await createWorkspace(page, workspaceName);
      await connect(page, 'X', '1 X account connected.');
      await connect(page, 'LinkedIn', '1 LinkedIn account connected.');

      // An image in the library, through the API.
      client = new Client(srv);
      const login = await client.post('/api/v1/auth/login', { email: owner.email, password: owner.password });
      assert.equal(login.status, 200, login.text);
      ws = (await client.get('/api/v1/workspaces')).json.items.find((w) => w.name === workspaceName).id;
      const up = await client.call('POST', `/api/v1/workspaces/${ws}/media?name=photo-320x240.jpg`, readFileSync(JPEG), {
        headers: { 'Content-Type': 'image/jpeg' },
      });
      assert.equal(up.status, 201, up.text);

      // The composer.
      await nav(page, 'New post').click();
      await page.getByRole('heading', { level: 1, name: 'New post' }).waitFor();
      const form = page.getByRole('form', { name: 'New post' });
      await form.getByText(`Time zone: ${ZONE.replace('_', ' ')}`).waitFor();

      // Each account by its name, handle and platform.
      const xBox = form.getByRole('checkbox', { name: 'Sim Demo @simdemo X', exact: true });
      const liBox = form.getByRole('checkbox', { name: /^Sim Demo .*LinkedIn$/ });
      await xBox.check();
      await liBox.check();
      await form.getByLabel('Text', { exact: true }).fill(longBody);

      await form.getByRole('button', { name: 'Add from library' }).click();
      await form.getByRole('button', { name: 'Add photo-320x240.jpg' }).click();
      const chosen = form.getByRole('list', { name: 'Chosen media, in order' });
      await chosen.getByRole('listitem').filter({ hasText: 'photo-320x240.jpg' }).waitFor();
      await page.waitForFunction(() => [...document.querySelectorAll('.media-chips img')].every((i) => i.complete && i.naturalWidth > 0));

      // The server's counter for X, and its problem by the text.
      const used = longBody.length;
      assert.ok(used > 280);
      const counters = form.locator('#compose-counters');
      await counters.getByText(`${used} / 280`).waitFor();
      await counters.getByText(`${used} / 3,000`).waitFor();
      const bodyProblems = form.locator('#compose-body-issues');
      await bodyProblems.getByText(/X \(@simdemo\):.*280/).waitFor();
      assert.equal(await form.getByLabel('Text', { exact: true }).getAttribute('aria-invalid'), 'true');
      assert.match(await form.getByLabel('Text', { exact: true }).getAttribute('aria-describedby'), /compose-body-issues/);
      // The X tab counts its problem; its preview marks what would be cut off.
      const xTab = form.getByRole('tab', { name: /@simdemo/ });
      await xTab.locator('.tab-count').filter({ hasText: /^1/ }).waitFor();
      await xTab.click();
      const xPanel = form.getByRole('tabpanel');
      await xPanel.locator('.pv-x .pv-over').waitFor();
      await xPanel.locator('.pv-x img').waitFor();
      await page.screenshot({ path: `${SHOTS}/compose-too-long.png`, fullPage: true });

      // Scheduling as it is: refused, with the problem by the field.
      await form.getByLabel('Date').fill(day);
      await form.getByLabel('Time').fill(time);
      await form.getByRole('button', { name: 'Schedule', exact: true }).click();
      await form.getByRole('alert').filter({ hasText: /Not scheduled: 1 problem/ }).waitFor();
      assert.ok(await form.getByLabel('Text', { exact: true }).evaluate((el) => el === document.activeElement), 'focus goes to the text');

      // X gets its own, shorter text.
      await xTab.click();
      await xPanel.getByLabel('Write a different text for @simdemo').check();
      const xField = xPanel.getByLabel('Text for @simdemo on X');
      assert.equal(await xField.inputValue(), longBody, 'starts from the main text');
      await xField.fill(xText);
      await xPanel.getByText(`${xText.length} / 280`).first().waitFor();
      await bodyProblems.waitFor({ state: 'detached' });
      assert.equal(await xTab.locator('.tab-count').count(), 0);
      await counters.getByText(`${used} / 3,000`).waitFor();
      // LinkedIn's tab has its own options and preview.
      await form.getByRole('tab', { name: /LinkedIn/ }).click();
      await form.getByRole('tabpanel').getByLabel('Who can see it').waitFor();
      await form.getByRole('tabpanel').locator('.pv-li').waitFor();
      await page.screenshot({ path: `${SHOTS}/compose-fixed.png`, fullPage: true });

      await form.getByRole('button', { name: 'Schedule', exact: true }).click();
      const hour = time;
      await page.getByText(new RegExp(`Scheduled for .*${hour} \\(Europe/Paris\\)`)).first().waitFor();
      await page.waitForURL((url) => url.pathname === '/compose' && url.searchParams.has('post'));
      postId = Number(new URL(page.url()).searchParams.get('post'));
      // Saved, it is a post being edited: the same form, under its new name.
      await page.getByRole('heading', { level: 1, name: 'Edit post' }).waitFor();
      const saved1 = page.getByRole('form', { name: 'Edit post' });
      await saved1.locator('.compose-state').getByText('Scheduled', { exact: true }).waitFor();
      assert.equal(await saved1.getByRole('button', { name: 'Update schedule' }).count(), 1);

      // What the server holds.
      const saved = (await client.get(`/api/v1/workspaces/${ws}/posts/${postId}`)).json.post;
      assert.equal(saved.state, 'scheduled');
      assert.equal(saved.schedule.local, `${day}T${time}`);
      assert.equal(saved.media.length, 1);
      const xTarget = saved.targets.find((t) => t.platform === 'x');
      const liTarget = saved.targets.find((t) => t.platform === 'linkedin');
      assert.equal(xTarget.text, xText);
      assert.equal(liTarget.text, null, 'LinkedIn uses the main text');
      assert.equal(saved.body, longBody);

      // On the calendar, on that day.
      await nav(page, 'Calendar').click();
      await page.getByRole('heading', { level: 1, name: 'Calendar' }).waitFor();
      await page.getByText(`Times in ${ZONE.replace('_', ' ')}`).waitFor();
      await showMonthOf(page, day);
      const cell = page.locator(`td[data-day="${day}"]`);
      const chip = cell.locator(`li[data-post-id="${postId}"]`);
      await chip.waitFor();
      assert.match(await chip.textContent(), new RegExp(time));
      assert.match(await chip.textContent(), /Our spring menu/);
      assert.equal(await chip.locator('.pf-x').count(), 1);
      assert.equal(await chip.locator('.pf-linkedin').count(), 1);
      await page.screenshot({ path: `${SHOTS}/calendar-month.png`, fullPage: true });

      // Opening it from the calendar edits it.
      await chip.getByRole('button', { name: /^Open post:/ }).click();
      await page.getByRole('heading', { level: 1, name: 'Edit post' }).waitFor();
      const edit = page.getByRole('form', { name: 'Edit post' });
      assert.equal(await edit.getByLabel('Text', { exact: true }).inputValue(), longBody);
      assert.equal(await edit.getByLabel('Date').inputValue(), day);
      assert.equal(await edit.getByLabel('Time').inputValue(), time);
      assert.equal(await edit.getByRole('checkbox', { name: 'Sim Demo @simdemo X', exact: true }).isChecked(), true);
      assert.equal(await edit.getByLabel('Write a different text for @simdemo').isChecked(), true);

      // On a phone: no sideways scrolling, the calendar scrolls within its box.
      await page.setViewportSize({ width: 375, height: 812 });
      await edit.getByRole('tab', { name: /@simdemo/ }).click();
      await noSideScroll(page, 'the composer at 375px');
      await page.screenshot({ path: `${SHOTS}/compose-375.png`, fullPage: true });
      await nav(page, 'Calendar').click();
      await showMonthOf(page, day);
      await page.locator(`td[data-day="${day}"] li[data-post-id="${postId}"]`).waitFor();
      await noSideScroll(page, 'the calendar at 375px');

      assert.deepEqual(unexpected(problems, [`422 PATCH /api/v1/workspaces/${ws}/posts/${postId}`, `422 POST /api/v1/workspaces/${ws}/posts`]), []);
    } finally {
      await context.close();
    }
  });

  test('move a post to another day by dragging it, or with "Move to", keeping its time', async () => {
    assert.ok(postId, 'the first test scheduled a post');
    const { context, page, problems } = await openPage();
    try {
      await signInThroughForm(page, owner);

      // The week of the post; a neighbouring day in the same week.
      await page.goto(`${srv.url}/calendar?view=week&date=${day}`, { waitUntil: 'networkidle' });
      await page.getByRole('heading', { level: 2, name: /^Week of/ }).waitFor();
      const to = weekday(day) === 7 ? addDays(day, -1) : addDays(day, 1);
      const chip = page.locator(`td[data-day="${day}"] li[data-post-id="${postId}"]`);
      await chip.waitFor();
      await chip.dragTo(page.locator(`td[data-day="${to}"]`));
      await page.locator(`td[data-day="${to}"] li[data-post-id="${postId}"]`).waitFor();
      const movedStatus = page.getByRole('status').filter({ hasText: /^Moved/ });
      await movedStatus.waitFor();
      const firstMove = await movedStatus.textContent();
      await page.locator('[aria-busy="true"]').waitFor({ state: 'detached' });
      let saved = (await client.get(`/api/v1/workspaces/${ws}/posts/${postId}`)).json.post;
      assert.equal(saved.schedule.local, `${to}T${time}`, 'dragged: same wall time on the new day');
      assert.equal(saved.state, 'scheduled');
      await page.screenshot({ path: `${SHOTS}/calendar-week-dragged.png`, fullPage: true });

      // The same without a mouse: the chip's "Move" button and a date.
      const moved = page.locator(`td[data-day="${to}"] li[data-post-id="${postId}"]`);
      await moved.getByRole('button', { name: /^Move post to another day/ }).click();
      const moveForm = moved.getByRole('group', { name: /^Move post/ });
      await moveForm.getByLabel('Move to').fill(day);
      await moveForm.getByRole('button', { name: 'Move', exact: true }).click();
      await page.locator(`td[data-day="${day}"] li[data-post-id="${postId}"]`).waitFor();
      // The chip moves at once; the move is done when the page says so (a new "Moved" line:
      // the drag's is still there until then).
      await page.getByRole('status').filter({ hasText: /^Moved/ }).filter({ hasNotText: firstMove }).waitFor();
      await page.locator('[aria-busy="true"]').waitFor({ state: 'detached' });
      saved = (await client.get(`/api/v1/workspaces/${ws}/posts/${postId}`)).json.post;
      assert.equal(saved.schedule.local, `${day}T${time}`);

      // The list view has it too, with the export link following the filters.
      await page.getByText('List', { exact: true }).click();
      await page.getByLabel('Platform').selectOption('x');
      const row = page.getByRole('table').getByRole('row').filter({ hasText: 'Our spring menu' });
      await row.waitFor();
      assert.match(await row.textContent(), /Scheduled/);
      const exportHref = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
      assert.equal(exportHref, `/api/v1/workspaces/${ws}/posts/export.csv?platform=x`);
      assert.match(new URL(page.url()).search, /view=list/);
      await page.screenshot({ path: `${SHOTS}/calendar-list.png`, fullPage: true });

      assert.deepEqual(unexpected(problems), []);
    } finally {
      await context.close();
    }
  });
  test('campaigns colour and filter the calendar; the queue takes posts in order; approvals go both ways', async () => {
    assert.ok(ws, 'the first test made the workspace');
    const contributor = person('contrib', 'Carl Contributor');
    const carl = await signup(srv, contributor);
    await addMember(client, ws, carl, 'contributor');
    const { context, page, problems } = await openPage();
    try {
      await signInThroughForm(page, owner);

      // A campaign.
      await nav(page, 'Campaigns').click();
      await page.getByRole('heading', { level: 1, name: 'Campaigns' }).waitFor();
      await page.getByRole('heading', { name: 'No campaigns yet' }).waitFor();
      const newForm = page.getByRole('form', { name: 'New campaign' });
      await newForm.getByLabel('Name').fill('Spring');
      await newForm.getByLabel('Colour').fill('#2f855a');
      await newForm.getByRole('button', { name: 'Create campaign' }).click();
      const row = page.getByRole('list', { name: 'Campaigns' }).getByRole('listitem').filter({ hasText: 'Spring' });
      await row.getByText('0 posts').waitFor();

      // Queue slots: every day at 10:00.
      await nav(page, 'Queue').click();
      await page.getByRole('heading', { level: 1, name: 'Queue' }).waitFor();
      await page.getByLabel('Add a slot on every day at').fill('10:00');
      await page.getByRole('button', { name: 'Add to every day' }).click();
      await page.getByRole('button', { name: 'Save 7 slots' }).click();
      await page.getByRole('status').filter({ hasText: 'Slots saved.' }).waitFor();
      await page.getByText('No slots yet').waitFor({ state: 'detached' });

      // Two posts of the campaign into the queue.
      const queued = [];
      for (const text of ['First in the queue', 'Second in the queue']) {
        await nav(page, 'New post').click();
        const form = page.getByRole('form', { name: 'New post' });
        await form.getByRole('checkbox', { name: /^Sim Demo .*LinkedIn$/ }).check();
        await form.getByLabel('Text', { exact: true }).fill(text);
        await form.getByLabel('Campaign').selectOption({ label: 'Spring' });
        await form.getByRole('button', { name: 'Add to queue' }).click();
        await page.getByRole('heading', { level: 1, name: 'Edit post' }).waitFor();
        await page.getByText(/Scheduled for .*10:00/).first().waitFor();
        queued.push(Number(new URL(page.url()).searchParams.get('post')));
      }
      const upcoming = async () =>
        (await client.get(`/api/v1/workspaces/${ws}/queue/upcoming?limit=10`)).json.items.filter((i) => i.post).map((i) => i.post.id);
      assert.deepEqual(await upcoming(), queued);

      // Reorder in the queue: the first goes later.
      await nav(page, 'Queue').click();
      const first = page.getByRole('listitem').filter({ hasText: 'First in the queue' });
      await first.getByRole('button', { name: /^Move later/ }).click();
      await page.getByRole('status').filter({ hasText: /Moved .*position 2/ }).waitFor();
      await page.waitForFunction(() => !document.querySelector('.upcoming button:disabled[aria-label^="Move later: Second"]'));
      assert.deepEqual(await upcoming(), [queued[1], queued[0]]);
      await page.screenshot({ path: `${SHOTS}/queue.png`, fullPage: true });

      // The campaign counts its posts; "Show on calendar" filters by it.
      await nav(page, 'Campaigns').click();
      await row.getByText('2 posts').waitFor();
      await row.getByRole('link', { name: 'Show Spring on the calendar' }).click();
      await page.waitForURL((url) => url.pathname === '/calendar' && url.searchParams.get('campaign_id') !== null);
      await page.getByText('Showing the campaign Spring').waitFor();
      assert.equal(await page.getByRole('combobox', { name: 'Campaign', exact: true }).evaluate((el) => el.selectedOptions[0].textContent), 'Spring');
      const slotDay = (await client.get(`/api/v1/workspaces/${ws}/posts/${queued[0]}`)).json.post.schedule.local.slice(0, 10);
      await showMonthOf(page, slotDay);
      const campaignChip = page.locator(`li[data-post-id="${queued[0]}"]`);
      await campaignChip.waitFor();
      assert.equal(await campaignChip.evaluate((el) => getComputedStyle(el).getPropertyValue('--campaign').trim()), '#2f855a');
      assert.equal(await page.locator(`li[data-post-id="${postId}"]`).count(), 0, 'posts of no campaign are filtered out');
      await page.screenshot({ path: `${SHOTS}/calendar-campaign.png`, fullPage: true });

      // A contributor submits a post for approval.
      const other = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'America/Los_Angeles' });
      const cpage = await other.newPage();
      cpage.on('pageerror', (err) => problems.push(`contributor page error: ${err.message}`));
      await signInThroughForm(cpage, contributor);
      await cpage.getByRole('combobox', { name: 'Workspace', exact: true }).selectOption({ label: `${workspaceName} (Contributor)` });
      await nav(cpage, 'New post').click();
      const cform = cpage.getByRole('form', { name: 'New post' });
      assert.equal(await cform.getByRole('button', { name: 'Schedule', exact: true }).count(), 0, 'contributors do not schedule');
      await cform.getByRole('checkbox', { name: 'Sim Demo @simdemo X', exact: true }).check();
      await cform.getByLabel('Text', { exact: true }).fill('Croissants on Sunday');
      await cform.getByRole('button', { name: 'Submit for approval' }).click();
      await cpage.getByText('Submitted for approval').first().waitFor();
      const submitted = Number(new URL(cpage.url()).searchParams.get('post'));

      // The owner sends it back with a note.
      await page.reload({ waitUntil: 'networkidle' });
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Approvals (1 waiting)' }).waitFor();
      await nav(page, 'Approvals').click();
      const item = page.getByRole('listitem').filter({ hasText: 'Croissants on Sunday' });
      await item.getByText('by Carl Contributor').waitFor();
      await item.getByRole('button', { name: /^Request changes/ }).click();
      await item.getByRole('button', { name: 'Send back with this note' }).click();
      await item.getByText('Write a note saying what should change.').waitFor();
      await item.getByLabel('What should change?').fill('Say which Sunday');
      await item.getByRole('button', { name: 'Send back with this note' }).click();
      await page.getByRole('status').filter({ hasText: 'Sent back to the author' }).waitFor();
      await page.getByRole('heading', { name: 'Nothing to approve' }).waitFor();

      // The contributor reads the note, changes the post and submits it again.
      await nav(cpage, 'Approvals').click();
      const back = cpage.getByRole('listitem').filter({ hasText: 'Croissants on Sunday' });
      await back.getByText('Review note: Say which Sunday').waitFor();
      await back.getByRole('link', { name: 'Edit and resubmit' }).click();
      await cpage.getByText('Changes requested: Say which Sunday').waitFor();
      await cpage.getByLabel('Text', { exact: true }).fill('Croissants on Sunday 6 December');
      await cpage.getByRole('button', { name: 'Submit for approval' }).click();
      await cpage.getByText('Submitted for approval').first().waitFor();
      await other.close();

      // The owner approves it.
      await page.reload({ waitUntil: 'networkidle' });
      const again = page.getByRole('listitem').filter({ hasText: 'Croissants on Sunday 6 December' });
      await again.getByRole('button', { name: /^Approve/ }).click();
      await page.getByRole('status').filter({ hasText: /^Approved/ }).waitFor();
      const approved = (await client.get(`/api/v1/workspaces/${ws}/posts/${submitted}`)).json.post;
      assert.equal(approved.state, 'approved', 'no time was chosen: approved, waiting for one');
      await nav(page, 'Approvals').locator('.nav-count').waitFor({ state: 'detached' });

      assert.deepEqual(unexpected(problems), []);
    } catch (err) {
      await page.screenshot({ path: `${SHOTS}/failed-review.png`, fullPage: true });
      throw err;
    } finally {
      await context.close();
    }
  });
});
