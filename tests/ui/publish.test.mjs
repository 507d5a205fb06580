// Browser tests for publishing: a person connects X and LinkedIn on the simulator's consent
// pages, LinkedIn is made to refuse the next post once (a 422 on its create request, a
// permanent refusal), and the post goes out with "Post now" from the composer. Without a
// reload, the composer turns into the read-only post view: X published with its "View on X"
// link, LinkedIn failed with the reason in plain words and what to do, each target's attempt
// log (the create step marked). The calendar chip shows "partly published" with the link to
// X; opening it gives the post view, where Retry publishes LinkedIn, marked recovered, and the
// chip then shows published with both links. Then the live calendar (a post due in a few
// seconds turns published on screen), Cancel on a target waiting to be retried, and a viewer,
// who sees the states but neither Retry nor Cancel.
// The server's embedded worker publishes to the simulator. Drives Debian's chromium through
// playwright-core against the real server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { launchBrowser } from '../lib/browser.mjs';
import { startServer } from '../lib/harness.mjs';
import { Client, addMember, signup } from '../lib/api.mjs';
import { startSim, simEnv } from '../lib/sim.mjs';
import { until } from '../lib/connect.mjs';

const SHOTS = process.env.P2S_SCREENSHOTS || '/tmp/p2s-publish-ui';
const PASSWORD = 'correct horse battery';
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

// X refuses a text the demo user already posted: every text carries this run's tag.
const run = randomBytes(4).toString('hex');
const person = (tag, name) => ({ name, email: `${tag}-${run}@example.test`, password: PASSWORD });

/**
 * A new page in its own context (the browser's clock in Los Angeles, far from the
 * workspace's zone), recording page errors, console errors (CSP violations among them),
 * failed requests and HTTP errors from our server. The simulator's pages are not ours.
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
const unexpected = (problems) => problems.filter((p) => !ALLOWED.has(p));

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

/** The publishing panel's item of one platform. */
const targetItem = (page, platform) => page.getByRole('list', { name: 'Publishing per account' }).locator(`li[data-platform="${platform}"]`);

/** A post's chip on the calendar (today's month holds every post of these tests). */
const chipOf = (page, id) => page.locator(`li.cal-chip[data-post-id="${id}"]`);

describe('publishing from the UI', { timeout: 240_000 }, () => {
  const owner = person('owner', 'Olga Owner');
  const workspaceName = `Bakery ${run}`;
  const text = `Fresh bread at seven ${run}`;
  let client;
  let ws;
  let postId;
  let accounts;

  test('post now to X and LinkedIn; LinkedIn fails once; the post view, the calendar, Retry', async () => {
    const { context, page, problems } = await openPage();
    try {
      await signUpThroughForm(page, owner);
      await createWorkspace(page, workspaceName);
      await connect(page, 'X', '1 X account connected.');
      await connect(page, 'LinkedIn', '1 LinkedIn account connected.');

      client = new Client(srv);
      assert.equal((await client.post('/api/v1/auth/login', { email: owner.email, password: owner.password })).status, 200);
      ws = (await client.get('/api/v1/workspaces')).json.items.find((w) => w.name === workspaceName).id;
      accounts = (await client.get(`/api/v1/workspaces/${ws}/accounts`)).json.items;

      // LinkedIn refuses the next post once, for good (a 422 is not retried by itself).
      await sim.admin('POST', '/_sim/faults', { platform: 'linkedin', method: 'POST', path: '/rest/posts', status: 422, count: 1 });

      // Write it and post it now.
      await nav(page, 'New post').click();
      const form = page.getByRole('form', { name: 'New post' });
      await form.getByRole('checkbox', { name: 'Sim Demo @simdemo X', exact: true }).check();
      await form.getByRole('checkbox', { name: /^Sim Demo .*LinkedIn$/ }).check();
      await form.getByLabel('Text', { exact: true }).fill(text);
      await form.getByRole('button', { name: 'Post now' }).click();
      await page.waitForURL((url) => url.pathname === '/compose' && url.searchParams.has('post'));
      postId = Number(new URL(page.url()).searchParams.get('post'));

      // Without a reload, the composer becomes the post view: it can no longer be edited.
      await page.getByRole('heading', { level: 1, name: 'Post', exact: true }).waitFor({ timeout: 20_000 });
      await page.getByRole('note').getByText('Publishing has started, so this post can no longer be changed.').waitFor();
      assert.equal(await page.getByRole('form', { name: /post/i }).count(), 0, 'no editor');
      assert.equal(await page.getByLabel('Text', { exact: true }).count(), 0, 'no text field');
      await page.getByRole('region', { name: 'The post' }).getByText(text).waitFor();

      // X: published, with the link to it.
      const x = targetItem(page, 'x');
      await page.locator('li[data-platform="x"][data-state="published"]').waitFor({ timeout: 20_000 });
      const xLink = x.getByRole('link', { name: /^View on X/ });
      await xLink.waitFor();
      let saved = (await client.get(`/api/v1/workspaces/${ws}/posts/${postId}`)).json.post;
      const xTarget = saved.targets.find((t) => t.platform === 'x');
      assert.equal(await xLink.getAttribute('href'), xTarget.remote_url);
      assert.equal(await xLink.getAttribute('target'), '_blank');
      assert.match(await xLink.getAttribute('rel'), /noopener/);
      const simPosts = (await sim.admin('GET', '/_sim/posts?platform=x')).items.filter((p) => p.text === text);
      assert.equal(simPosts.length, 1, 'X holds the post once');
      assert.ok(xTarget.remote_url.includes(simPosts[0].id), `${xTarget.remote_url} links to the simulator's post ${simPosts[0].id}`);

      // LinkedIn: failed, why in plain words, what to do, and Retry.
      const li = targetItem(page, 'linkedin');
      await page.locator('li[data-platform="linkedin"][data-state="failed"]').waitFor({ timeout: 20_000 });
      await li.getByText('LinkedIn refused the post as it is.').waitFor();
      await li.getByText(/^Reason: .*422/).waitFor();
      await li.getByText('What to do:').waitFor();
      await li.getByRole('button', { name: 'Retry on LinkedIn (Sim Demo)' }).waitFor();
      assert.equal(await li.getByRole('link', { name: /^View on/ }).count(), 0);
      assert.equal(await x.getByRole('button', { name: /^Retry/ }).count(), 0, 'nothing to retry on X');
      await page.locator('.compose-state').getByText('Partly published', { exact: true }).waitFor();
      await page.getByText('1 of 2 published, 1 failed.').waitFor();
      // The change was announced.
      const announcer = page.getByTestId('publishing-announcer');
      assert.equal(await announcer.getAttribute('role'), 'status');

      // The attempt log, folded: the create step, LinkedIn's answer, the outcome.
      const log = li.locator('details.attempt-log');
      assert.equal(await log.evaluate((d) => d.open), false, 'folded at first');
      await log.getByText('Attempt log: 1 attempt').click();
      const attempt = log.getByRole('listitem').first();
      await attempt.getByText('Attempt 1', { exact: true }).waitFor();
      await attempt.getByText('Failed', { exact: true }).waitFor();
      await attempt.getByText(/^Started \d{2}:\d{2}:\d{2}, ended \d{2}:\d{2}:\d{2}/).waitFor();
      const request = attempt.getByRole('row').filter({ hasText: 'Create step' });
      await request.getByText('HTTP 422').waitFor();
      assert.match(await request.textContent(), /POST .*\/rest\/posts/);
      await page.screenshot({ path: `${SHOTS}/post-view-failed.png`, fullPage: true });

      // The server refuses changes too (the view is not just hiding the editor).
      const locked = await client.patch(`/api/v1/workspaces/${ws}/posts/${postId}`, { body: 'changed' });
      assert.equal(locked.status, 409);
      assert.equal(locked.json.error.code, 'post_locked');

      // On the calendar: partly published, with the link to X.
      await nav(page, 'Calendar').click();
      await page.getByRole('heading', { level: 1, name: 'Calendar' }).waitFor();
      const chip = chipOf(page, postId);
      await chip.waitFor();
      assert.equal(await chip.getAttribute('data-state'), 'partially_published');
      await chip.locator('.live-glyph.live-partially_published').waitFor();
      assert.match(await chip.getByRole('button', { name: /^Open post:/ }).getAttribute('aria-label'), /Partly published \(failed on LinkedIn\)/);
      assert.equal(await chip.getByRole('link', { name: /^View on X:/ }).getAttribute('href'), xTarget.remote_url);
      assert.equal(await chip.getByRole('link', { name: /^View on LinkedIn/ }).count(), 0);
      await page.screenshot({ path: `${SHOTS}/calendar-partly.png`, fullPage: true });

      // Opening it gives the post view; Retry publishes LinkedIn, marked recovered.
      await chip.getByRole('button', { name: /^Open post:/ }).click();
      await page.getByRole('heading', { level: 1, name: 'Post', exact: true }).waitFor();
      await li.getByRole('button', { name: 'Retry on LinkedIn (Sim Demo)' }).click();
      await page.getByRole('status').filter({ hasText: 'Retry requested for LinkedIn (Sim Demo).' }).waitFor();
      await page.locator('li[data-platform="linkedin"][data-state="published"]').waitFor({ timeout: 20_000 });
      await li.getByText('Recovered', { exact: true }).waitFor();
      await li.getByText('It failed before, then went out.').waitFor();
      await announcer.filter({ hasText: 'LinkedIn (Sim Demo): published.' }).waitFor();
      await page.locator('.compose-state').getByText('Published', { exact: true }).waitFor();
      saved = (await client.get(`/api/v1/workspaces/${ws}/posts/${postId}`)).json.post;
      assert.equal(saved.state, 'published');
      const liTarget = saved.targets.find((t) => t.platform === 'linkedin');
      assert.equal(await li.getByRole('link', { name: /^View on LinkedIn/ }).getAttribute('href'), liTarget.remote_url);
      assert.equal((await sim.admin('GET', '/_sim/posts?platform=linkedin')).items.filter((p) => p.text === text).length, 1);
      assert.equal(await li.getByRole('button', { name: /^Retry/ }).count(), 0);
      await li.getByText('Attempt log: 2 attempts').click();
      await li.locator('details.attempt-log li.attempt').nth(1).getByText('Published', { exact: true }).waitFor();
      await page.screenshot({ path: `${SHOTS}/post-view-recovered.png`, fullPage: true });

      // On a phone: no sideways scrolling, even with the attempt log open.
      await page.setViewportSize({ width: 375, height: 812 });
      await noSideScroll(page, 'the post view at 375px');
      await page.screenshot({ path: `${SHOTS}/post-view-375.png`, fullPage: true });
      await page.setViewportSize({ width: 1280, height: 900 });

      // The calendar chip: published, with both links.
      await page.getByRole('link', { name: 'Show on the calendar' }).click();
      await page.getByRole('heading', { level: 1, name: 'Calendar' }).waitFor();
      await chip.waitFor();
      assert.equal(await chip.getAttribute('data-state'), 'published');
      await chip.locator('.live-glyph.live-published').waitFor();
      assert.equal(await chip.getByRole('link', { name: /^View on X:/ }).getAttribute('href'), xTarget.remote_url);
      assert.equal(await chip.getByRole('link', { name: /^View on LinkedIn:/ }).getAttribute('href'), liTarget.remote_url);
      await page.screenshot({ path: `${SHOTS}/calendar-published.png`, fullPage: true });

      // The list view too.
      await page.getByText('List', { exact: true }).click();
      const row = page.getByRole('table').getByRole('row').filter({ hasText: text });
      await row.getByRole('link', { name: /^View on X/ }).waitFor();
      await row.getByRole('link', { name: /^View on LinkedIn/ }).waitFor();
      assert.match(await row.textContent(), /Published/);

      assert.deepEqual(unexpected(problems), []);
    } catch (err) {
      await page.screenshot({ path: `${SHOTS}/failed-publish.png`, fullPage: true });
      throw err;
    } finally {
      await context.close();
    }
  });

  test('live: the calendar follows a post as it goes out; Cancel a target waiting to retry; a viewer reads only', async () => {
    assert.ok(ws, 'the first test made the workspace');
    const xAccount = accounts.find((a) => a.platform === 'x');
    const liAccount = accounts.find((a) => a.platform === 'linkedin');
    const { context, page, problems } = await openPage();
    try {
      await signInThroughForm(page, owner);

      // A post due in a few seconds, made through the API while the calendar is open.
      const soonText = `Croissants in a moment ${run}`;
      const at = new Date(Date.now() + 8000).toISOString();
      const made = await client.post(`/api/v1/workspaces/${ws}/posts`, {
        body: soonText,
        targets: [{ account_id: xAccount.id }],
        schedule: { mode: 'at', at },
        action: 'schedule',
      });
      assert.equal(made.status, 201, made.text);
      const soonId = made.json.post.id;
      await page.reload({ waitUntil: 'networkidle' });
      const chip = chipOf(page, soonId);
      await chip.waitFor();
      assert.equal(await chip.getAttribute('data-state'), 'scheduled');
      // No reload from here: the calendar looks again when the post is due.
      await page.locator(`li.cal-chip[data-post-id="${soonId}"][data-state="published"]`).waitFor({ timeout: 30_000 });
      await chip.getByRole('link', { name: /^View on X:/ }).waitFor();
      await page.getByRole('status').filter({ hasText: `“${soonText}” was published.` }).waitFor();

      // A passing failure on LinkedIn: the target waits to be tried again; Cancel takes it out.
      await sim.admin('POST', '/_sim/faults', { platform: 'linkedin', method: 'POST', path: '/rest/posts', status: 503, count: 1 });
      const waitText = `Cake on Sunday ${run}`;
      const wait = await client.post(`/api/v1/workspaces/${ws}/posts`, {
        body: waitText,
        targets: [{ account_id: xAccount.id }, { account_id: liAccount.id }],
        schedule: { mode: 'now' },
        action: 'schedule',
      });
      assert.equal(wait.status, 201, wait.text);
      const waitId = wait.json.post.id;
      await until(async () => {
        const p = (await client.get(`/api/v1/workspaces/${ws}/posts/${waitId}`)).json.post;
        return p.targets.find((t) => t.platform === 'linkedin').state === 'retry_wait';
      }, 30_000, 'LinkedIn to wait for a retry');
      await page.goto(`${srv.url}/compose?post=${waitId}`, { waitUntil: 'networkidle' });
      await page.getByRole('heading', { level: 1, name: 'Post', exact: true }).waitFor();
      const li = targetItem(page, 'linkedin');
      assert.equal(await li.getAttribute('data-state'), 'retry_wait');
      await li.getByText(/^Will try again/).waitFor();
      await li.getByText(/^Last try: .*/).waitFor();
      assert.equal(await li.getByRole('button', { name: /^Retry/ }).count(), 0, 'it is not failed');
      await page.locator('.compose-state').getByText('Publishing', { exact: true }).waitFor();
      await page.screenshot({ path: `${SHOTS}/post-view-retry-wait.png`, fullPage: true });
      await li.getByRole('button', { name: 'Cancel publishing on LinkedIn (Sim Demo)' }).click();
      await page.getByRole('status').filter({ hasText: 'Cancelled: it will not be published on LinkedIn (Sim Demo).' }).waitFor();
      await page.locator('li[data-platform="linkedin"][data-state="cancelled"]').waitFor();
      await li.getByText('Taken out before it was published.').waitFor();
      await page.locator('.compose-state').getByText('Published', { exact: true }).waitFor();
      await page.getByText('1 of 1 published, 1 cancelled.').waitFor();
      const after = (await client.get(`/api/v1/workspaces/${ws}/posts/${waitId}`)).json.post;
      assert.equal(after.state, 'published', 'summarised from the targets left');
      assert.equal(after.targets.find((t) => t.platform === 'linkedin').state, 'cancelled');
      await page.screenshot({ path: `${SHOTS}/post-view-cancelled.png`, fullPage: true });
      assert.deepEqual(unexpected(problems), []);

      // A viewer sees how it went, but neither Retry nor Cancel.
      const viewer = person('viewer', 'Vera Viewer');
      const vera = await signup(srv, viewer);
      await addMember(client, ws, vera, 'viewer');
      const other = await openPage();
      try {
        await signInThroughForm(other.page, viewer);
        await other.page.getByRole('combobox', { name: 'Workspace', exact: true }).selectOption({ label: `${workspaceName} (Viewer)` });
        await other.page.goto(`${srv.url}/compose?post=${postId}`, { waitUntil: 'networkidle' });
        await other.page.getByRole('heading', { level: 1, name: 'Post', exact: true }).waitFor();
        await other.page.locator('li[data-platform="linkedin"][data-state="published"]').waitFor();
        await targetItem(other.page, 'linkedin').getByText('Recovered', { exact: true }).waitFor();
        assert.equal(await other.page.getByRole('button', { name: /^(Retry|Cancel)/ }).count(), 0);
        assert.deepEqual(unexpected(other.problems), []);
      } finally {
        await other.context.close();
      }
    } catch (err) {
      await page.screenshot({ path: `${SHOTS}/failed-live.png`, fullPage: true });
      throw err;
    } finally {
      await context.close();
    }
  });
});
