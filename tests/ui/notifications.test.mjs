// Browser tests for notifications: the bell, toasts, the notifications page, preferences and
// webhooks.
//
// An editor watches the app in one browser context while the owner, in another, posts "now" to
// a connected X account. The server's embedded worker publishes to the simulator; without a
// reload the editor's bell count goes up and a toast "Published on X" appears (both from the
// tab's one live event stream, GET /api/v1/events), announced politely, staying while hovered
// and leaving by itself after that. The panel lists it; clicking it marks it read; "Mark all
// read" clears the badge. Preferences toggles persist across a reload, with kinds the role is
// not told of greyed and explained. Webhooks: adding one shows its secret once, "Send test"
// adds a delivered row to the delivery log (a local receiver checks the signature; the server
// runs with P2S_WEBHOOK_ALLOW_PRIVATE=1), rotate and delete; an editor is told why the page is
// not theirs. Drives Debian's chromium through playwright-core against the real server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { launchBrowser } from '../lib/browser.mjs';
import { startServer } from '../lib/harness.mjs';
import { Client, addMember, signup } from '../lib/api.mjs';
import { startSim, simEnv } from '../lib/sim.mjs';
import { connectAccount, until } from '../lib/connect.mjs';

const SHOTS = process.env.P2S_SCREENSHOTS || '/tmp/p2s-notifications-ui';
const PASSWORD = 'correct horse battery';

let sim;
let srv;
let browser;
let receiver;

/** A local webhook receiver: records each request (headers and raw body), answers 200. */
function startReceiver() {
  const r = { requests: [] };
  r.server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      r.requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('thanks');
    });
  });
  return new Promise((resolve) =>
    r.server.listen(0, '127.0.0.1', () => {
      r.url = `http://127.0.0.1:${r.server.address().port}`;
      r.close = () => new Promise((done) => r.server.close(done));
      resolve(r);
    }),
  );
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  receiver = await startReceiver();
  sim = await startSim();
  srv = await startServer({ env: { ...simEnv(sim.url), P2S_WEBHOOK_ALLOW_PRIVATE: '1' } });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
  if (sim) await sim.stop();
  if (receiver) await receiver.close();
});

// X refuses a text already posted: every text carries this run's tag.
const run = randomBytes(4).toString('hex');

/**
 * A new page in its own context, recording page errors, console errors (CSP violations among
 * them), failed requests, HTTP errors from our server, and the API requests made.
 */
async function openPage(viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport, timezoneId: 'America/Los_Angeles' });
  const page = await context.newPage();
  const problems = [];
  const requests = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (!page.url().startsWith(srv.url)) return;
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) problems.push(`console error: ${msg.text()}`);
  });
  page.on('request', (req) => {
    if (req.url().startsWith(srv.url + '/api/')) requests.push(`${req.method()} ${new URL(req.url()).pathname}`);
  });
  page.on('requestfailed', (req) => {
    const why = req.failure()?.errorText;
    if (why === 'net::ERR_ABORTED') return;
    // The event stream is cut when a context closes or a page reloads.
    if (req.url().includes('/api/v1/events')) return;
    problems.push(`request failed: ${req.url()} (${why})`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400 && res.url().startsWith(srv.url)) problems.push(`${res.status()} ${res.request().method()} ${new URL(res.url()).pathname}`);
  });
  return { context, page, problems, requests };
}

const ALLOWED = new Set(['401 GET /api/v1/me']);
const unexpected = (problems) => problems.filter((p) => !ALLOWED.has(p));

async function signInThroughForm(page, who, landing = '/calendar') {
  await page.goto(`${srv.url}/signin?next=${encodeURIComponent(landing)}`, { waitUntil: 'networkidle' });
  await page.getByLabel('Email', { exact: true }).fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(`${srv.url}${landing}`);
}

const bell = (page) => page.getByRole('banner').getByRole('button', { name: /^Notifications/ });
const toastOf = (page, text) => page.locator('.toast-stack .toast').filter({ hasText: text });
const settingsNav = (page, name) => page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name, exact: true });

/** The owner's composer: X checked, the text, "Post now"; resolves to the post id. */
async function postNowFromComposer(page, text) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^New post/ }).click();
  const form = page.getByRole('form', { name: 'New post' });
  await form.getByRole('checkbox', { name: 'Sim Demo @simdemo X', exact: true }).check();
  await form.getByLabel('Text', { exact: true }).fill(text);
  await form.getByRole('button', { name: 'Post now' }).click();
  await page.waitForURL((url) => url.pathname === '/compose' && url.searchParams.has('post'));
  return Number(new URL(page.url()).searchParams.get('post'));
}

async function noSideScroll(page, what) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  assert.ok(scrollWidth <= clientWidth, `${what}: ${scrollWidth}px wide in a ${clientWidth}px viewport`);
}

describe('notifications in the app', { timeout: 300_000 }, () => {
  const owner = { name: 'Olga Owner', email: `owner-${run}@example.test`, password: PASSWORD };
  const editor = { name: 'Eddie Editor', email: `editor-${run}@example.test`, password: PASSWORD };
  let ownerClient;
  let editorClient;
  let ws;
  let xAccount;

  before(async () => {
    ownerClient = await signup(srv, owner);
    const made = await ownerClient.post('/api/v1/workspaces', { name: `Bakery ${run}`, timezone: 'Europe/Paris' });
    assert.equal(made.status, 201, made.text);
    ws = made.json.workspace.id;
    xAccount = await connectAccount(srv, ownerClient, ws, 'x');
    editorClient = await signup(srv, editor);
    await addMember(ownerClient, ws, editorClient, 'editor');
  });

  test('an editor watching the app: the bell counts up and a toast says "Published on X", live; mark read; mark all read', async () => {
    const ed = await openPage();
    const ow = await openPage();
    try {
      await signInThroughForm(ed.page, editor);
      await ed.page.getByRole('heading', { level: 1, name: 'Calendar' }).waitFor();
      await bell(ed.page).waitFor();
      assert.equal(await bell(ed.page).getAttribute('aria-label'), null, 'the name comes from its text');
      assert.equal(await bell(ed.page).textContent(), 'Notifications', 'nothing unread yet');
      assert.equal(await ed.page.locator('.notif-count').count(), 0);
      assert.equal(await ed.page.locator('.toast-stack').getAttribute('aria-live'), 'polite');
      // No reload from here on: this mark stays while the page does.
      await ed.page.evaluate(() => {
        window.__stillHere = true;
      });
      // The tab opens the event stream (one for the whole tab).
      await until(() => ed.requests.includes('GET /api/v1/events'), 10_000, 'the editor tab to open the event stream');

      // The owner posts "now" to X from the composer, in another browser.
      await signInThroughForm(ow.page, owner);
      const text = `Sourdough at eight ${run}`;
      const postId = await postNowFromComposer(ow.page, text);

      // The editor's tab, without a reload: the toast and the count.
      const toast = toastOf(ed.page, 'Published on X');
      await toast.waitFor({ timeout: 30_000 });
      const started = Date.now();
      await toast.getByText(`"${text}" is live on X (Sim Demo).`).waitFor();
      await bell(ed.page).filter({ hasText: 'Notifications, 1 unread' }).waitFor();
      assert.equal(await ed.page.locator('.notif-count').textContent(), '1');
      assert.equal(await ed.page.evaluate(() => window.__stillHere), true, 'the page was not reloaded');
      const saved = (await ownerClient.get(`/api/v1/workspaces/${ws}/posts/${postId}`)).json.post;
      const remote = saved.targets.find((t) => t.platform === 'x').remote_url;
      assert.ok(remote, 'X has the post');
      const view = toast.getByRole('link', { name: /^View on X/ });
      assert.equal(await view.getAttribute('href'), remote);
      assert.equal(await view.getAttribute('target'), '_blank');
      assert.match(await view.getAttribute('rel'), /noopener/);
      await ed.page.screenshot({ path: `${SHOTS}/toast.png` });
      // The owner (the post's author) hears of it too.
      await toastOf(ow.page, 'Published on X').waitFor({ timeout: 20_000 });
      // Live, not polled: the count was read once at the start (and again right after the event).
      assert.ok(ed.requests.filter((r) => r === 'GET /api/v1/notifications/unread-count').length <= 3, ed.requests.join('\n'));

      // Hovered, it stays past its 8 seconds; left alone, it goes.
      await toast.hover();
      await ed.page.waitForTimeout(Math.max(0, 9000 - (Date.now() - started)));
      assert.equal(await toast.count(), 1, 'still there while hovered');
      await ed.page.mouse.move(5, 5);
      await toast.waitFor({ state: 'detached', timeout: 12_000 });

      // The panel: the latest, unread, leading to X in a new tab.
      await bell(ed.page).click();
      const panel = ed.page.getByRole('region', { name: 'Notifications' });
      await panel.waitFor();
      const entry = panel.getByRole('listitem').filter({ hasText: 'Published on X' });
      await entry.waitFor();
      assert.match(await entry.getAttribute('class'), /notif-unread/);
      const link = entry.getByRole('link', { name: /^Published on X \(unread\)/ });
      assert.equal(await link.getAttribute('href'), remote);
      assert.equal(await link.getAttribute('target'), '_blank');
      assert.match(await link.getAttribute('rel'), /noopener/);
      await ed.page.screenshot({ path: `${SHOTS}/panel.png` });
      // Clicking it opens X in a new tab and marks it read.
      const [tab] = await Promise.all([ed.context.waitForEvent('page'), link.click()]);
      await tab.close();
      await bell(ed.page).filter({ hasText: /^Notifications$/ }).waitFor();
      await until(async () => (await editorClient.get('/api/v1/notifications/unread-count')).json.unread_count === 0, 5000, 'it to be read');

      // Two more: the count says 2; "Mark all read" clears the badge.
      const second = `Rye on Monday ${run}`;
      const third = `Baguettes all week ${run}`;
      for (const body of [second, third]) {
        const r = await ownerClient.post(`/api/v1/workspaces/${ws}/posts`, {
          body,
          targets: [{ account_id: xAccount.id }],
          schedule: { mode: 'now' },
          action: 'schedule',
        });
        assert.equal(r.status, 201, r.text);
      }
      await bell(ed.page).filter({ hasText: 'Notifications, 2 unread' }).waitFor({ timeout: 30_000 });
      assert.equal(await ed.page.locator('.toast-stack .toast').count(), 2, 'one toast each');
      await bell(ed.page).click();
      await panel.waitFor();
      await panel.getByRole('listitem').filter({ hasText: second }).waitFor();
      assert.equal(await panel.locator('li.notif-unread').count(), 2);
      await panel.getByRole('button', { name: 'Mark all read' }).click();
      await bell(ed.page).filter({ hasText: /^Notifications$/ }).waitFor();
      assert.equal(await ed.page.locator('.notif-count').count(), 0, 'no badge');
      assert.equal(await panel.locator('li.notif-unread').count(), 0, 'shown read');
      assert.equal((await editorClient.get('/api/v1/notifications/unread-count')).json.unread_count, 0);

      // Escape closes the panel and gives the focus back to the bell.
      await ed.page.keyboard.press('Escape');
      await panel.waitFor({ state: 'detached' });
      assert.equal(await bell(ed.page).evaluate((b) => b === document.activeElement), true);

      // The notifications page: all three, the unread filter.
      await bell(ed.page).click();
      await panel.getByRole('link', { name: 'All notifications' }).click();
      await ed.page.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
      const list = ed.page.getByRole('list', { name: 'Notifications', exact: true });
      await list.getByRole('listitem').first().waitFor();
      assert.equal(await list.getByRole('listitem').count(), 3);
      await ed.page.getByLabel('Unread only').check();
      await ed.page.getByRole('heading', { level: 2, name: 'Nothing unread' }).waitFor();
      assert.equal(await ed.page.evaluate(() => window.__stillHere), true, 'still no reload');
      await ed.page.screenshot({ path: `${SHOTS}/page.png`, fullPage: true });

      // In a second workspace too: the list says which workspace, and filters by it.
      const cafe = await ownerClient.post('/api/v1/workspaces', { name: `Cafe ${run}`, timezone: 'Europe/Paris' });
      assert.equal(cafe.status, 201, cafe.text);
      await addMember(ownerClient, cafe.json.workspace.id, editorClient, 'viewer');
      await ed.page.reload({ waitUntil: 'networkidle' });
      await list.getByRole('listitem').first().waitFor();
      assert.equal(await list.getByRole('listitem').count(), 3);
      await list.getByRole('listitem').first().getByText(`Bakery ${run}`).waitFor();
      const filters = ed.page.getByRole('form', { name: 'Filter notifications' });
      await filters.getByLabel('Workspace').selectOption({ label: `Cafe ${run}` });
      await ed.page.getByRole('heading', { level: 2, name: 'No notifications yet' }).waitFor();
      await filters.getByLabel('Workspace').selectOption({ label: `Bakery ${run}` });
      await ed.page.getByRole('list', { name: `Notifications in Bakery ${run}` }).getByRole('listitem').nth(2).waitFor();

      // On a phone: the bell's panel fits.
      await ed.page.setViewportSize({ width: 375, height: 812 });
      await bell(ed.page).click();
      await panel.waitFor();
      const box = await panel.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 375, `panel within the screen: ${JSON.stringify(box)}`);
      await ed.page.screenshot({ path: `${SHOTS}/panel-375.png` });

      assert.deepEqual(unexpected(ed.problems), []);
      assert.deepEqual(unexpected(ow.problems), []);
    } catch (err) {
      await ed.page.screenshot({ path: `${SHOTS}/failed-editor.png`, fullPage: true });
      await ow.page.screenshot({ path: `${SHOTS}/failed-owner.png`, fullPage: true });
      throw err;
    } finally {
      await ed.context.close();
      await ow.context.close();
    }
  });

  test('preferences: toggles persist across a reload; kinds the role is not told of are greyed, with why', async () => {
    const { context, page, problems } = await openPage();
    try {
      await signInThroughForm(page, editor, '/settings/notifications');
      await page.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
      assert.equal(await settingsNav(page, 'Notifications').getAttribute('aria-current'), 'page');
      const row = (label) => page.getByRole('row').filter({ hasText: label });
      const published = page.getByRole('checkbox', { name: 'A post was published: by email' });
      const reconnectInApp = page.getByRole('checkbox', { name: 'An account needs reconnecting: in the app' });
      const digest = page.getByRole('checkbox', { name: 'Hourly digest' });
      await published.waitFor();
      assert.equal(await published.isChecked(), false, 'email off by default');
      assert.equal(await reconnectInApp.isChecked(), true);
      assert.equal(await digest.isChecked(), false);

      // Not told of as an editor: greyed, disabled, and why.
      const soon = row('An account will need reconnecting soon');
      assert.equal(await soon.getAttribute('data-applies'), 'false');
      await soon.getByText('Not sent to you: Admins and owners are told of this; you are an editor.').waitFor();
      assert.equal(await page.getByRole('checkbox', { name: 'An account will need reconnecting soon: in the app' }).isDisabled(), true);
      assert.equal(await row('Someone joined through an invitation').getAttribute('data-applies'), 'false');
      assert.equal(await row('A post was published').getAttribute('data-applies'), 'true');

      await published.check();
      await page.getByRole('status').filter({ hasText: 'Saved: “A post was published” by email is on.' }).waitFor();
      await reconnectInApp.uncheck();
      await page.getByRole('status').filter({ hasText: 'Saved: “An account needs reconnecting” in the app is off.' }).waitFor();
      await digest.check();
      await page.getByRole('status').filter({ hasText: 'Saved: the hourly digest is on.' }).waitFor();
      await page.screenshot({ path: `${SHOTS}/preferences.png`, fullPage: true });

      await page.reload({ waitUntil: 'networkidle' });
      await published.waitFor();
      assert.equal(await published.isChecked(), true);
      assert.equal(await reconnectInApp.isChecked(), false);
      assert.equal(await digest.isChecked(), true);
      const prefs = (await editorClient.get(`/api/v1/workspaces/${ws}/notification-preferences`)).json;
      assert.equal(prefs.digest, true);
      assert.equal(prefs.kinds.find((k) => k.kind === 'target.published').email, true);
      assert.equal(prefs.kinds.find((k) => k.kind === 'account.needs_reconnect').in_app, false);

      await page.setViewportSize({ width: 375, height: 812 });
      await noSideScroll(page, 'preferences at 375px');
      await page.screenshot({ path: `${SHOTS}/preferences-375.png`, fullPage: true });
      await page.goto(`${srv.url}/notifications`, { waitUntil: 'networkidle' });
      await page.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
      await noSideScroll(page, 'notifications at 375px');
      await page.goBack({ waitUntil: 'networkidle' });
      await page.setViewportSize({ width: 1280, height: 900 });
      await published.waitFor();

      // Back to the defaults.
      await page.getByRole('button', { name: 'Back to the defaults' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved: every kind is back to its default.' }).waitFor();
      assert.equal(await published.isChecked(), false);
      assert.equal(await reconnectInApp.isChecked(), true);

      // Webhooks are for admins and owners: the editor is told why.
      await settingsNav(page, 'Webhooks').click();
      await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
      await page.getByText(/Only owners and admins of .* can see this page\. Your role here is editor\./).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Add a webhook' }).count(), 0);
      assert.deepEqual(unexpected(problems), []);
    } catch (err) {
      await page.screenshot({ path: `${SHOTS}/failed-preferences.png`, fullPage: true });
      throw err;
    } finally {
      await context.close();
    }
  });

  test('webhooks: add one (the secret shown once), send a test into the delivery log, rotate, delete', async () => {
    const { context, page, problems } = await openPage();
    try {
      await signInThroughForm(page, owner, '/settings/webhooks');
      await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
      await page.getByRole('heading', { level: 2, name: 'No webhooks yet' }).waitFor();
      await page.getByRole('button', { name: 'Add a webhook' }).click();
      const form = page.getByRole('form', { name: 'Add a webhook' });
      // Refused before sending: no address.
      await form.getByRole('button', { name: 'Add webhook' }).click();
      await form.getByText('Give the address to send the events to.').waitFor();
      const url = `${receiver.url}/hooks/${run}`;
      await form.getByLabel('Address (URL)').fill(url);
      assert.equal(await form.getByRole('radio', { name: /^Every event/ }).isChecked(), true);
      await form.getByRole('button', { name: 'Add webhook' }).click();

      // The secret, once, with a copy button and the warning.
      const shown = page.getByRole('region', { name: 'The webhook’s signing secret' });
      await shown.waitFor();
      const secret = await shown.getByLabel('Signing secret').inputValue();
      assert.match(secret, /^whsec_[0-9a-f]{64}$/);
      await shown.getByText('You will not see it again').waitFor();
      await shown.getByRole('button', { name: 'Copy' }).waitFor();
      await page.screenshot({ path: `${SHOTS}/webhook-secret.png`, fullPage: true });
      await shown.getByRole('button', { name: 'I have stored it' }).click();
      await shown.waitFor({ state: 'detached' });
      const card = page.getByRole('region', { name: url });
      await card.getByText('Every event').waitFor();
      await card.getByText('Active', { exact: true }).waitFor();
      await page.reload({ waitUntil: 'networkidle' });
      await card.waitFor();
      assert.equal((await page.content()).includes(secret), false, 'not shown again');

      // Send test: a row in the delivery log, delivered; the receiver checks the signature.
      await card.getByRole('button', { name: /^Send a test to / }).click();
      await card.getByRole('status').filter({ hasText: 'Test sent' }).waitFor();
      const log = card.locator('table.hook-log-table');
      const row = log.locator('tbody tr').filter({ hasText: 'test' });
      await row.waitFor();
      await log.locator('tbody tr[data-state="delivered"]').waitFor({ timeout: 15_000 });
      assert.match(await row.textContent(), /Delivered/);
      assert.equal((await row.locator('td[data-label="Status code"]').textContent()).trim(), '200');
      assert.equal((await row.locator('td[data-label="Attempts"]').textContent()).trim(), '1');
      await page.screenshot({ path: `${SHOTS}/webhook-log.png`, fullPage: true });
      const got = receiver.requests.filter((r) => r.url === `/hooks/${run}`);
      assert.equal(got.length, 1);
      assert.equal(got[0].headers['x-post2share-event'], 'test');
      const sig = createHmac('sha256', secret).update(`${got[0].headers['x-post2share-timestamp']}.${got[0].body}`).digest('hex');
      assert.equal(got[0].headers['x-post2share-signature'], `v1=${sig}`);
      await card.getByRole('button', { name: 'Refresh' }).click();
      await card.getByRole('status').filter({ hasText: 'Delivery log read again: 1 shown.' }).waitFor();

      // Change it: only failed posts, off.
      await card.getByRole('button', { name: /^Edit the webhook/ }).click();
      const edit = card.getByRole('form', { name: /^Change the webhook/ });
      await edit.getByRole('radio', { name: 'Only these:' }).check();
      await edit.getByRole('checkbox', { name: /^A post could not be published/ }).check();
      await edit.getByRole('checkbox', { name: 'Active' }).uncheck();
      await edit.getByRole('button', { name: 'Save changes' }).click();
      await card.getByText('A post could not be published', { exact: true }).waitFor();
      await card.getByText('Off', { exact: true }).waitFor();
      const stored = (await ownerClient.get(`/api/v1/workspaces/${ws}/webhooks`)).json.webhooks[0];
      assert.deepEqual(stored.events, ['target.failed']);
      assert.equal(stored.active, false);

      // Rotate the secret: a new one, shown once.
      await card.getByRole('button', { name: /^Rotate the secret/ }).click();
      await card.getByRole('button', { name: 'Yes, rotate' }).click();
      const rotated = page.getByRole('region', { name: 'The new signing secret' });
      await rotated.waitFor();
      const secret2 = await rotated.getByLabel('Signing secret').inputValue();
      assert.match(secret2, /^whsec_[0-9a-f]{64}$/);
      assert.notEqual(secret2, secret);
      await rotated.getByRole('button', { name: 'I have stored it' }).click();

      // On a phone: no sideways scrolling, the delivery log stacked.
      await page.setViewportSize({ width: 375, height: 812 });
      await noSideScroll(page, 'webhooks at 375px');
      await page.screenshot({ path: `${SHOTS}/webhooks-375.png`, fullPage: true });
      await page.setViewportSize({ width: 1280, height: 900 });

      // Delete, after confirming.
      await card.getByRole('button', { name: /^Delete the webhook/ }).click();
      await card.getByRole('button', { name: 'Yes, delete' }).click();
      await page.getByRole('heading', { level: 2, name: 'No webhooks yet' }).waitFor();
      assert.deepEqual((await ownerClient.get(`/api/v1/workspaces/${ws}/webhooks`)).json.webhooks, []);
      assert.deepEqual(unexpected(problems), []);
    } catch (err) {
      await page.screenshot({ path: `${SHOTS}/failed-webhooks.png`, fullPage: true });
      throw err;
    } finally {
      await context.close();
    }
  });
});
