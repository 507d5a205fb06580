// Browser tests for the Accounts page: connecting X through the platform
// simulator's consent page (Allow and Deny), disconnecting, choosing Facebook
// Pages after signing in, the platforms not offered yet, the way back to the
// workspace the connecting started in, Instagram through a Facebook Page, and
// the read-only view of an editor.
// Drives Debian's chromium through playwright-core against the real server,
// with every platform pointed at the simulator.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { launchBrowser } from '../lib/browser.mjs';
import { sql, startServer } from '../lib/harness.mjs';
import { startSim, simEnv } from '../lib/sim.mjs';
import { Client, addMember, signup } from '../lib/api.mjs';

const SHOTS = process.env.P2S_SCREENSHOTS || '/tmp/p2s-connect-ui';
const PASSWORD = 'correct horse battery';

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
 * A new page in its own context, recording page errors, console errors (CSP
 * violations among them), failed requests and HTTP errors from our server.
 * The simulator's own pages are not ours to judge.
 */
async function openPage(viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport });
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
  await page.getByRole('heading', { level: 1, name: 'Create an account' }).waitFor();
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
  await page.waitForLoadState('networkidle');
}

async function createWorkspace(page, name) {
  await page.getByRole('banner').getByRole('link', { name: 'New workspace' }).click();
  await page.getByRole('heading', { level: 1, name: 'New workspace' }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await page.waitForURL(`${srv.url}/calendar`);
  await page.getByText(`The workspace ${name} is ready`).waitFor();
}

async function openAccounts(page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Accounts' }).click();
  await page.getByRole('heading', { level: 1, name: 'Accounts' }).waitFor();
  await page.locator('.loading').first().waitFor({ state: 'detached' });
}

/** Back on /accounts with the outcome taken out of the address bar. */
async function backOnAccounts(page) {
  await page.waitForURL((url) => url.origin === srv.url && url.pathname === '/accounts' && url.search === '');
  await page.getByRole('heading', { level: 1, name: 'Accounts' }).waitFor();
}

async function switcherText(page) {
  const select = page.getByRole('combobox', { name: 'Workspace', exact: true });
  return select.evaluate((el) => el.options[el.selectedIndex]?.textContent ?? '');
}

async function noSideScroll(page, what) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  assert.ok(scrollWidth <= clientWidth, `${what}: ${scrollWidth}px wide in a ${clientWidth}px viewport`);
}

describe('connecting social accounts', { timeout: 180_000 }, () => {
  const owner = person('owner', 'Owner Person');
  const workspaceName = `Studio ${run}`;

  test('connect X on the consent page, see it Active, disconnect it', async () => {
    const { context, page, problems } = await openPage();
    try {
      await signUpThroughForm(page, owner);
      await createWorkspace(page, workspaceName);
      await openAccounts(page);
      await page.getByRole('heading', { name: 'No social accounts connected' }).waitFor();
      const platforms = page.getByRole('list', { name: 'Platforms' });

      // Not offered yet: shown, but not usable.
      for (const name of ['TikTok', 'WhatsApp']) {
        const button = platforms.getByRole('button', { name: new RegExp(`^${name}`) });
        assert.equal(await button.isDisabled(), true, `${name} is disabled`);
        assert.match(await button.textContent(), /Coming soon/);
      }
      for (const name of ['Facebook Pages', 'Instagram', 'Instagram (through a Facebook Page)', 'LinkedIn', 'YouTube', 'X']) {
        assert.equal(await platforms.getByRole('button', { name: `Connect ${name}`, exact: true }).isEnabled(), true);
      }
      const igPage = platforms.getByRole('button', { name: 'Connect Instagram (through a Facebook Page)', exact: true });
      assert.equal(await igPage.locator('.platform-mark').textContent(), 'I');
      await page.screenshot({ path: `${SHOTS}/accounts-empty.png`, fullPage: true });

      // To the simulator's consent page and back.
      await platforms.getByRole('button', { name: 'Connect X', exact: true }).click();
      await page.waitForURL((url) => url.href.startsWith(sim.url));
      await page.locator('#allow').waitFor();
      await page.screenshot({ path: `${SHOTS}/consent-x.png`, fullPage: true });
      await page.locator('#allow').click();
      await backOnAccounts(page);
      const done = page.getByRole('status').filter({ hasText: '1 X account connected.' });
      await done.waitFor();
      assert.ok(await done.evaluate((el) => el === document.activeElement), 'the message takes focus');

      const list = page.getByRole('list', { name: 'Connected accounts' });
      const row = list.getByRole('listitem').filter({ hasText: '@simdemo' });
      await row.waitFor();
      assert.equal(await list.getByRole('listitem').count(), 1);
      await row.getByText('Active', { exact: true }).waitFor();
      assert.match(await row.textContent(), /connected/);
      assert.match(await row.textContent(), /\bX\b/);
      // The avatar is on the platform's host, which the CSP does not allow: an initial instead.
      assert.equal(await row.locator('img').count(), 0);
      await row.locator('.account-avatar-initial').waitFor();
      await page.screenshot({ path: `${SHOTS}/accounts-connected.png`, fullPage: true });

      await page.setViewportSize({ width: 375, height: 812 });
      await noSideScroll(page, '/accounts at 375px');
      await page.screenshot({ path: `${SHOTS}/accounts-connected-375.png`, fullPage: true });
      await page.setViewportSize({ width: 1280, height: 800 });

      // Disconnect, in two steps, with what it does explained.
      await row.getByRole('button', { name: /^Disconnect .*\(X\)$/ }).click();
      const ask = row.getByRole('group', { name: /^Disconnect / });
      await ask.getByText(/revokes Post2Share’s access at X/).waitFor();
      await ask.getByText(/Posts already published stay on X/).waitFor();
      await page.screenshot({ path: `${SHOTS}/accounts-disconnect-confirm.png`, fullPage: true });
      await page.setViewportSize({ width: 375, height: 812 });
      await noSideScroll(page, 'the disconnect question at 375px');
      await page.screenshot({ path: `${SHOTS}/accounts-disconnect-confirm-375.png`, fullPage: true });
      await page.setViewportSize({ width: 1280, height: 800 });
      await ask.getByRole('button', { name: 'Yes, disconnect' }).click();
      await row.getByText('Disconnected', { exact: true }).waitFor();
      assert.equal(await row.getByText('Active', { exact: true }).count(), 0);
      assert.equal(await row.getByRole('button', { name: /^Disconnect/ }).count(), 0);
      await row.getByRole('button', { name: /^Reconnect/ }).waitFor();

      const accounts = await (await page.request.get(`${srv.url}/api/v1/workspaces`)).json();
      const ws = accounts.items.find((w) => w.name === workspaceName).id;
      const items = (await (await page.request.get(`${srv.url}/api/v1/workspaces/${ws}/accounts`)).json()).items;
      assert.equal(items.length, 1);
      assert.equal(items[0].status, 'disconnected');

      // After a reload the list still says so, and the outcome is not shown again.
      await page.reload({ waitUntil: 'networkidle' });
      await list.getByRole('listitem').filter({ hasText: '@simdemo' }).getByText('Disconnected', { exact: true }).waitFor();
      assert.equal(await page.getByText('1 X account connected.').count(), 0);
      await page.screenshot({ path: `${SHOTS}/accounts-disconnected.png`, fullPage: true });
      assert.deepEqual(unexpected(problems), []);
    } finally {
      await context.close();
    }
  });

  test('denied on the consent page: an error, nothing listed, back in the right workspace', async () => {
    const { context, page, problems } = await openPage();
    try {
      await signInThroughForm(page, owner);
      const denied = `Denied ${run}`;
      await createWorkspace(page, denied);
      await openAccounts(page);
      await page.getByRole('heading', { name: 'No social accounts connected' }).waitFor();
      await page.getByRole('button', { name: 'Connect X', exact: true }).click();
      await page.waitForURL((url) => url.href.startsWith(sim.url));

      // Meanwhile, in another tab, the person picks another workspace.
      const other = await context.newPage();
      await other.goto(`${srv.url}/accounts`, { waitUntil: 'networkidle' });
      await other.getByRole('combobox', { name: 'Workspace', exact: true }).selectOption({ label: `${workspaceName} (Owner)` });
      await other.getByText(`${workspaceName} · you are owner`).waitFor();
      await other.close();

      await page.locator('#deny').click();
      await backOnAccounts(page);
      const alert = page.getByRole('main').getByRole('alert');
      await alert.waitFor();
      assert.match(await alert.textContent(), /^X was not connected: access was denied/);
      assert.equal(await switcherText(page), `${denied} (Owner)`, 'back in the workspace the connecting started in');
      await page.getByText(`${denied} · you are owner`).waitFor();
      await page.getByRole('heading', { name: 'No social accounts connected' }).waitFor();
      assert.equal(await page.getByRole('list', { name: 'Connected accounts' }).count(), 0);
      await alert.getByRole('button', { name: 'Try again' }).waitFor();
      await page.screenshot({ path: `${SHOTS}/accounts-denied.png`, fullPage: true });
      await page.setViewportSize({ width: 375, height: 812 });
      await noSideScroll(page, 'the denied message at 375px');
      await page.screenshot({ path: `${SHOTS}/accounts-denied-375.png`, fullPage: true });
      assert.deepEqual(unexpected(problems), []);
    } finally {
      await context.close();
    }
  });

  test('Facebook: choose the Pages to connect', async () => {
    const { context, page, problems } = await openPage();
    try {
      await signInThroughForm(page, owner);
      const pagesWs = `Pages ${run}`;
      await createWorkspace(page, pagesWs);
      await openAccounts(page);
      await page.getByRole('button', { name: 'Connect Facebook Pages', exact: true }).click();
      await page.waitForURL((url) => url.href.startsWith(sim.url));
      await page.locator('#allow').click();
      await backOnAccounts(page);

      const picker = page.getByRole('form', { name: 'Choose the Facebook Pages to connect' });
      await picker.waitFor();
      const boxes = picker.getByRole('checkbox');
      await boxes.first().waitFor();
      assert.equal(await boxes.count(), 2);
      for (const box of await boxes.all()) assert.equal(await box.isChecked(), false, 'nothing is ticked');
      assert.equal(await page.getByRole('list', { name: 'Connected accounts' }).count(), 0);

      // Nothing ticked: asked to choose, nothing sent.
      await picker.getByRole('button', { name: 'Connect selected' }).click();
      await picker.getByText('Choose at least one of the Pages, or cancel.').waitFor();
      await page.screenshot({ path: `${SHOTS}/accounts-pick-pages.png`, fullPage: true });
      await page.setViewportSize({ width: 375, height: 812 });
      await noSideScroll(page, 'the Page picker at 375px');
      await page.screenshot({ path: `${SHOTS}/accounts-pick-pages-375.png`, fullPage: true });
      await page.setViewportSize({ width: 1280, height: 800 });

      await picker.getByRole('checkbox', { name: /Sim Bike Shop/ }).check();
      await picker.getByRole('button', { name: 'Connect selected' }).click();
      await page.getByRole('status').filter({ hasText: '1 Facebook Page connected.' }).waitFor();
      assert.equal(await picker.count(), 0);
      const list = page.getByRole('list', { name: 'Connected accounts' });
      const row = list.getByRole('listitem').filter({ hasText: 'Sim Bike Shop' });
      await row.getByText('Active', { exact: true }).waitFor();
      assert.equal(await list.getByRole('listitem').count(), 1);
      await page.screenshot({ path: `${SHOTS}/accounts-page-connected.png`, fullPage: true });

      // Cancelling a second choice connects nothing more.
      await page.getByRole('button', { name: 'Connect Facebook Pages', exact: true }).click();
      await page.waitForURL((url) => url.href.startsWith(sim.url));
      await page.locator('#allow').click();
      await backOnAccounts(page);
      await picker.getByRole('checkbox').first().waitFor();
      await picker.getByRole('button', { name: 'Cancel' }).click();
      await page.getByText('No Facebook Pages were connected.').waitFor();
      assert.equal(await list.getByRole('listitem').count(), 1);

      // The platform stops accepting the access: shown with the reason, and reconnecting fixes it.
      sql(srv, "UPDATE social_accounts SET status = 'needs_reconnect', status_reason = 'facebook no longer accepts the page token' WHERE name = 'Sim Bike Shop'");
      await page.reload({ waitUntil: 'networkidle' });
      await row.getByText('Needs reconnecting', { exact: true }).waitFor();
      await row.getByText('Facebook no longer accepts the page token. Reconnect to keep publishing.').waitFor();
      await page.screenshot({ path: `${SHOTS}/accounts-needs-reconnect.png`, fullPage: true });
      await page.setViewportSize({ width: 375, height: 812 });
      await noSideScroll(page, 'an account needing reconnecting at 375px');
      await page.screenshot({ path: `${SHOTS}/accounts-needs-reconnect-375.png`, fullPage: true });
      await page.setViewportSize({ width: 1280, height: 800 });
      await row.getByRole('button', { name: 'Reconnect Sim Bike Shop (Facebook)' }).click();
      await page.waitForURL((url) => url.href.startsWith(sim.url));
      await page.locator('#allow').click();
      await backOnAccounts(page);
      await picker.getByRole('checkbox', { name: /Sim Bike Shop/ }).check();
      await picker.getByRole('button', { name: 'Connect selected' }).click();
      await page.getByRole('status').filter({ hasText: '1 Facebook Page connected.' }).waitFor();
      await row.getByText('Active', { exact: true }).waitFor();
      assert.equal(await row.getByText('Needs reconnecting').count(), 0);
      assert.equal(await list.getByRole('listitem').count(), 1);
      assert.deepEqual(unexpected(problems), []);
    } finally {
      await context.close();
    }
  });

  test('Instagram through a Facebook Page: choose the linked account; it shows as Instagram', async () => {
    const { context, page, problems } = await openPage();
    try {
      await signInThroughForm(page, owner);
      const igWs = `Insta ${run}`;
      await createWorkspace(page, igWs);
      await openAccounts(page);
      const connectIg = page.getByRole('button', { name: 'Connect Instagram (through a Facebook Page)', exact: true });
      await connectIg.click();
      await page.waitForURL((url) => url.href.startsWith(sim.url));
      await page.locator('#allow').click();
      await backOnAccounts(page);

      const picker = page.getByRole('form', { name: 'Choose the Instagram accounts to connect' });
      await picker.waitFor();
      await picker.getByText('This Instagram account is linked to a Facebook Page you shared with Post2Share.').waitFor();
      const boxes = picker.getByRole('checkbox');
      await boxes.first().waitFor();
      assert.equal(await boxes.count(), 1, 'only the Page with a linked Instagram account offers one');
      const box = picker.getByRole('checkbox', { name: /Sim Coffee Roasters/ });
      assert.match(await picker.locator('.picker-option').first().textContent(), /@simcoffee · Professional account/);
      await page.screenshot({ path: `${SHOTS}/accounts-pick-instagram.png`, fullPage: true });
      await page.setViewportSize({ width: 375, height: 812 });
      await noSideScroll(page, 'the Instagram picker at 375px');
      await page.setViewportSize({ width: 1280, height: 800 });
      await box.check();
      await picker.getByRole('button', { name: 'Connect selected' }).click();
      await page.getByRole('status').filter({ hasText: '1 Instagram account connected.' }).waitFor();

      const list = page.getByRole('list', { name: 'Connected accounts' });
      const row = list.getByRole('listitem').filter({ hasText: '@simcoffee' });
      await row.getByText('Active', { exact: true }).waitFor();
      assert.match(await row.locator('.account-platform').textContent(), /^Instagram professional account \(through a Facebook Page\)$/);
      await page.screenshot({ path: `${SHOTS}/accounts-instagram-connected.png`, fullPage: true });

      // Reconnecting goes the same way: through the Facebook dialog and the choice.
      sql(srv, "UPDATE social_accounts SET status = 'needs_reconnect', status_reason = 'the Page token was refused' WHERE username = 'simcoffee' AND kind = 'business_page'");
      await page.reload({ waitUntil: 'networkidle' });
      await row.getByText('Needs reconnecting', { exact: true }).waitFor();
      await row.getByRole('button', { name: 'Reconnect Sim Coffee Roasters (Instagram)' }).click();
      await page.waitForURL((url) => url.href.startsWith(sim.url));
      assert.match(page.url(), /\/dialog\/oauth/, 'the Facebook dialog');
      await page.locator('#allow').click();
      await backOnAccounts(page);
      await picker.getByRole('checkbox', { name: /Sim Coffee Roasters/ }).check();
      await picker.getByRole('button', { name: 'Connect selected' }).click();
      await page.getByRole('status').filter({ hasText: '1 Instagram account connected.' }).waitFor();
      await row.getByText('Active', { exact: true }).waitFor();
      assert.equal(await list.getByRole('listitem').count(), 1);
      assert.deepEqual(unexpected(problems), []);
    } finally {
      await context.close();
    }
  });

  test('an editor sees the accounts read-only', async () => {
    // Set up through the API: an owner with a connected-then-listed workspace and an editor in it.
    const boss = await signup(srv, { name: 'Workspace Owner' });
    const ws = (await boss.post('/api/v1/workspaces', { name: `Shared ${run}`, timezone: 'UTC' })).json.workspace.id;
    const start = await boss.post(`/api/v1/workspaces/${ws}/accounts/connect`, { platform: 'x' });
    assert.equal(start.status, 200, start.text);
    let url = `${start.json.authorize_url}&sim_approve=allow`;
    for (let i = 0; i < 6 && !url.startsWith(srv.url); i++) {
      const r = await fetch(url, { redirect: 'manual' });
      url = new URL(r.headers.get('location'), url).toString();
    }
    const cb = await boss.get(url.slice(srv.url.length));
    assert.equal(cb.status, 302);
    const editor = person('editor', 'Editor Person');
    const ed = new Client(srv);
    const reg = await ed.post('/api/v1/auth/register', { ...editor, confirm_age: true });
    assert.equal(reg.status, 201, reg.text);
    await addMember(boss, ws, ed, 'editor');

    const { context, page, problems } = await openPage({ width: 375, height: 812 });
    try {
      await signInThroughForm(page, editor);
      await openAccounts(page);
      const row = page.getByRole('list', { name: 'Connected accounts' }).getByRole('listitem').filter({ hasText: '@simdemo' });
      await row.getByText('Active', { exact: true }).waitFor();
      assert.equal(await page.getByRole('main').getByRole('button').count(), 0, 'no actions for an editor');
      assert.equal(await page.getByRole('heading', { name: 'Connect an account' }).count(), 0);
      await page.getByText('Only owners and admins of').waitFor();
      await noSideScroll(page, 'the editor view at 375px');
      await page.screenshot({ path: `${SHOTS}/accounts-editor-375.png`, fullPage: true });
      assert.deepEqual(unexpected(problems), []);
    } finally {
      await context.close();
    }
  });
});
