// Browser tests for accounts and workspaces: sign up, create a workspace, invite
// a second person as editor, accept, members and the switcher, sign out and in,
// wrong password, the 18+ checkbox, and the signed-in screens at phone width.
// Drives Debian's chromium through playwright-core against the real server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { launchBrowser } from '../lib/browser.mjs';
import { startServer } from '../lib/harness.mjs';

const SHOTS = process.env.P2S_SCREENSHOTS || '/tmp/p2s-accounts-ui';
const PASSWORD = 'correct horse battery';

let srv;
let browser;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  srv = await startServer({ env: { P2S_SIGNUP_LIMIT: '1000', P2S_AUTH_FAIL_LIMIT: '1000' } });
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

const run = randomBytes(4).toString('hex');
const person = (tag, name) => ({ name, email: `${tag}-${run}@example.test`, password: PASSWORD });

/**
 * A new page in its own context, recording page errors, failed requests and
 * HTTP errors. `expected` lists "STATUS METHOD /path" entries that are part
 * of the flow (a signed-out start-up check, a wrong password).
 */
async function openPage(viewport = { width: 1280, height: 800 }, options = {}) {
  const context = await browser.newContext({ viewport, ...options });
  const page = await context.newPage();
  const problems = [];
  const calls = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    // chromium logs every failed fetch; those are checked through 'response' below.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      problems.push(`console error: ${msg.text()}`);
    }
  });
  page.on('requestfailed', (req) => {
    // A page.goto() cancels what the previous page was still loading; that is not a fault.
    if (req.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`);
  });
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.pathname.startsWith('/api/')) calls.push(`${req.method()} ${url.pathname}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) {
      const url = new URL(res.url());
      problems.push(`${res.status()} ${res.request().method()} ${url.pathname}`);
    }
  });
  return { context, page, problems, calls };
}

const ALLOWED = new Set(['401 GET /api/v1/me']);

function unexpected(problems, extra = []) {
  return problems.filter((p) => !ALLOWED.has(p) && !extra.includes(p));
}

function h1(page) {
  return page.getByRole('heading', { level: 1 });
}

async function signUpThroughForm(page, who) {
  await page.getByRole('heading', { level: 1, name: 'Create an account' }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill(who.name);
  await page.getByLabel('Email', { exact: true }).fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByLabel('I confirm I am 18 or older').check();
  await page.getByRole('button', { name: 'Create account' }).click();
}

async function fillSignIn(page, who, password = who.password) {
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await page.getByLabel('Email', { exact: true }).fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

async function signInThroughForm(page, who) {
  await fillSignIn(page, who);
  // Let the start-up calls (workspaces) finish before the test navigates on.
  await page.waitForURL((url) => url.pathname !== '/signin');
  await page.waitForLoadState('networkidle');
}

async function switcherText(page) {
  const select = page.getByRole('combobox', { name: 'Workspace', exact: true });
  return select.evaluate((el) => el.options[el.selectedIndex]?.textContent ?? '');
}

async function settingsPage(page, label) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: label, exact: true }).click();
}

describe('accounts and workspaces', { timeout: 120_000 }, () => {
  const alice = person('a', 'Avery Owner');
  const bob = person('b', 'Blair Editor');
  const workspaceName = `Studio ${run}`;
  const carolEmail = `c-${run}@example.test`;
  let inviteLink;
  let emailInviteLink;

  test('the 18+ checkbox is required to sign up', async () => {
    const { context, page, problems, calls } = await openPage();
    try {
      await page.goto(`${srv.url}/signup`, { waitUntil: 'networkidle' });
      await h1(page).waitFor();
      await page.getByLabel('Name', { exact: true }).fill('Nobody');
      await page.getByLabel('Email', { exact: true }).fill(`nobody-${run}@example.test`);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      const box = page.getByLabel('I confirm I am 18 or older');
      assert.equal(await box.getAttribute('required'), '');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByText('You must be 18 or older to create an account.').waitFor();
      assert.equal(await box.getAttribute('aria-invalid'), 'true');
      assert.ok(await box.evaluate((el) => el === document.activeElement), 'focus moves to the checkbox');
      assert.equal(new URL(page.url()).pathname, '/signup');
      assert.ok(!calls.includes('POST /api/v1/auth/register'), 'nothing was sent');

      // The server refuses it too.
      const res = await page.request.post(`${srv.url}/api/v1/auth/register`, {
        data: { name: 'Nobody', email: `nobody-${run}@example.test`, password: PASSWORD, confirm_age: false },
      });
      assert.equal(res.status(), 400);
      assert.equal((await res.json()).error.field, 'confirm_age');
      assert.deepEqual(unexpected(problems), []);
    } finally {
      await context.close();
    }
  });

  test('sign up, create a workspace and invite an editor', async () => {
    const { context, page, problems } = await openPage();
    try {
      await page.goto(`${srv.url}/`, { waitUntil: 'networkidle' });
      await page.getByRole('main').getByRole('link', { name: 'Create an account' }).click();
      await signUpThroughForm(page, alice);
      await page.waitForURL(`${srv.url}/calendar`);
      await page.getByRole('heading', { level: 1, name: 'Calendar' }).waitFor();
      await page.getByRole('heading', { name: 'Create your first workspace' }).waitFor();
      await page.screenshot({ path: `${SHOTS}/first-run.png`, fullPage: true });

      await page.getByRole('banner').getByRole('link', { name: 'New workspace' }).click();
      await page.getByRole('heading', { level: 1, name: 'New workspace' }).waitFor();
      const zone = await page.getByLabel('Time zone').inputValue();
      assert.equal(zone, await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone));
      await page.getByLabel('Name', { exact: true }).fill(workspaceName);
      await page.getByRole('button', { name: 'Create workspace' }).click();
      await page.waitForURL(`${srv.url}/calendar`);
      await page.getByText(`The workspace ${workspaceName} is ready`).waitFor();
      await page.getByRole('heading', { name: 'No posts scheduled yet' }).waitFor();
      assert.equal(await switcherText(page), `${workspaceName} (Owner)`);
      await page.screenshot({ path: `${SHOTS}/calendar.png`, fullPage: true });

      await settingsPage(page, 'Invitations');
      await page.getByRole('heading', { level: 1, name: 'Invitations' }).waitFor();
      await page.getByText('No open invitations').waitFor();
      await page.getByLabel('Role', { exact: true }).selectOption('editor');
      await page.getByRole('button', { name: 'Create invitation link' }).click();
      const linkField = page.getByLabel(/^Invitation link/);
      await linkField.waitFor();
      inviteLink = await linkField.inputValue();
      assert.match(inviteLink, /^https?:\/\/[^/]+\/invite\/[A-Za-z0-9_-]+$/);
      await page.getByText('The link is shown only this once').waitFor();
      const open = page.getByRole('list', { name: 'Open invitations' });
      await open.getByText('Editor').waitFor();
      assert.equal(await open.getByRole('listitem').count(), 1);

      // One more, for one address only.
      await page.getByLabel('Role', { exact: true }).selectOption('viewer');
      await page.getByLabel('Email (optional)').fill(carolEmail);
      await page.getByRole('button', { name: 'Create invitation link' }).click();
      await page.getByText(`Only ${carolEmail} can use it`).waitFor();
      emailInviteLink = await page.getByLabel(/^Invitation link/).inputValue();
      assert.notEqual(emailInviteLink, inviteLink);
      await open.getByText(`For ${carolEmail}`).waitFor();
      assert.equal(await open.getByRole('listitem').count(), 2);
      await page.screenshot({ path: `${SHOTS}/invitations.png`, fullPage: true });
      assert.deepEqual(unexpected(problems), []);
    } finally {
      await context.close();
    }
  });

  test('a second person signs up from the link and accepts', async () => {
    assert.ok(inviteLink, 'the previous test made a link');
    const { context, page, problems } = await openPage(undefined, { timezoneId: 'America/New_York' });
    try {
      // The link carries the server's public URL; open the same path on this server.
      const path = new URL(inviteLink).pathname;
      await page.goto(`${srv.url}${path}`, { waitUntil: 'networkidle' });
      await page.getByRole('heading', { level: 1, name: `Join ${workspaceName}` }).waitFor();
      await page.getByText('as editor').waitFor();
      await page.screenshot({ path: `${SHOTS}/invite-signed-out.png`, fullPage: true });
      await page.getByRole('main').getByRole('link', { name: 'Create an account' }).click();
      await page.waitForURL((url) => url.pathname === '/signup');
      await signUpThroughForm(page, bob);
      await page.waitForURL(`${srv.url}${path}`);
      await page.getByText(`You are signed in as ${bob.email}`).waitFor();
      // A new account starts in the browser's time zone.
      const me = await (await page.request.get(`${srv.url}/api/v1/me`)).json();
      assert.equal(me.user.timezone, 'America/New_York');
      await page.getByRole('button', { name: `Accept and join ${workspaceName}` }).click();
      await page.waitForURL(`${srv.url}/calendar`);
      await page.getByText(`You joined ${workspaceName} as editor.`).waitFor();
      assert.equal(await switcherText(page), `${workspaceName} (Editor)`);

      // A link works once.
      await page.goto(`${srv.url}${path}`, { waitUntil: 'networkidle' });
      await page.getByText('This invitation link has been used already').waitFor();
      // A link for another address cannot be accepted from this account.
      await page.goto(`${srv.url}${new URL(emailInviteLink).pathname}`, { waitUntil: 'networkidle' });
      await page.getByText(`but this invitation is for ${carolEmail}`).waitFor();
      assert.equal(await page.getByRole('button', { name: /^Accept/ }).count(), 0);
      await page.screenshot({ path: `${SHOTS}/invite-other-email.png`, fullPage: true });
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Calendar' }).click();

      // An editor sees members but cannot manage them, and has no invitations page.
      await settingsPage(page, 'Members');
      const members = page.getByRole('list', { name: 'Members' });
      await members.getByText(alice.email).waitFor();
      assert.equal(await members.getByRole('combobox').count(), 0);
      assert.equal(await members.getByRole('button', { name: /^Remove/ }).count(), 0);
      const settingsNav = page.getByRole('navigation', { name: 'Settings' });
      assert.equal(await settingsNav.getByRole('link', { name: 'Invitations' }).count(), 0);
      assert.equal(await settingsNav.getByRole('link', { name: 'Activity' }).count(), 0);
      await page.getByRole('button', { name: 'Leave workspace' }).waitFor();
      const used = problems.filter((p) => /^410 GET \/api\/v1\/invitations\//.test(p));
      assert.equal(used.length, 1, 'the used link answers 410');
      assert.deepEqual(unexpected(problems, used), []);
    } finally {
      await context.close();
    }
  });

  test('the owner sees the editor in Members; sign out, wrong password, sign in', async () => {
    const { context, page, problems } = await openPage();
    try {
      await page.goto(`${srv.url}/signin`, { waitUntil: 'networkidle' });
      await signInThroughForm(page, alice);
      await page.waitForURL(`${srv.url}/calendar`);
      await settingsPage(page, 'Members');
      await page.getByRole('heading', { level: 1, name: 'Members' }).waitFor();
      const row = page.getByRole('list', { name: 'Members' }).getByRole('listitem').filter({ hasText: bob.email });
      await row.waitFor();
      assert.match(await row.textContent(), new RegExp(bob.name));
      assert.equal(await row.getByLabel(`Role of ${bob.name}`).inputValue(), 'editor');
      await row.getByRole('button', { name: `Remove ${bob.name}` }).waitFor();
      await page.screenshot({ path: `${SHOTS}/members.png`, fullPage: true });

      // The accepted invitation is no longer open; revoke the other one.
      await settingsPage(page, 'Invitations');
      const open = page.getByRole('list', { name: 'Open invitations' });
      await open.getByText(`For ${carolEmail}`).waitFor();
      assert.equal(await open.getByRole('listitem').count(), 1);
      await open.getByRole('button', { name: /^Revoke/ }).click();
      await open.getByRole('button', { name: 'Yes, revoke' }).click();
      await page.getByText('No open invitations').waitFor();

      await settingsPage(page, 'Activity');
      await page.getByRole('heading', { level: 1, name: 'Activity' }).waitFor();
      await page.getByRole('table').waitFor();
      await page.screenshot({ path: `${SHOTS}/activity.png`, fullPage: true });

      // Sign out from the user menu.
      await page.getByRole('button', { name: /account menu/ }).click();
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${srv.url}/signin`);
      await page.getByText('You have signed out.').waitFor();
      const me = await page.request.get(`${srv.url}/api/v1/me`);
      assert.equal(me.status(), 401, 'the session is gone');

      // App pages now lead to sign-in, and back after it.
      await page.goto(`${srv.url}/settings/members`, { waitUntil: 'networkidle' });
      await page.waitForURL((url) => url.pathname === '/signin');
      assert.equal(new URL(page.url()).searchParams.get('next'), '/settings/members');

      await fillSignIn(page, alice, 'not the password at all');
      const alert = page.getByRole('main').getByRole('alert');
      await alert.waitFor();
      assert.ok((await alert.textContent()).trim().length > 0, 'an error message is shown');
      assert.equal(new URL(page.url()).pathname, '/signin');
      await page.screenshot({ path: `${SHOTS}/signin-error.png`, fullPage: true });

      await page.getByLabel('Password', { exact: true }).fill(alice.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${srv.url}/settings/members`);
      await page.getByRole('list', { name: 'Members' }).getByText(bob.email).waitFor();
      const wrongPassword = problems.filter((p) => p.endsWith('POST /api/v1/auth/login'));
      assert.equal(wrongPassword.length, 1, 'one refused sign-in');
      assert.deepEqual(unexpected(problems, wrongPassword), []);
    } finally {
      await context.close();
    }
  });

  test('the chosen workspace survives a reload', async () => {
    const { context, page, problems } = await openPage();
    try {
      await page.goto(`${srv.url}/signin`, { waitUntil: 'networkidle' });
      await signInThroughForm(page, alice);
      await page.waitForURL(`${srv.url}/calendar`);
      await page.getByRole('banner').getByRole('link', { name: 'New workspace' }).click();
      await page.getByLabel('Name', { exact: true }).fill(`Second ${run}`);
      await page.getByRole('button', { name: 'Create workspace' }).click();
      await page.waitForURL(`${srv.url}/calendar`);
      assert.equal(await switcherText(page), `Second ${run} (Owner)`);

      await page.getByRole('combobox', { name: 'Workspace', exact: true }).selectOption({ label: `${workspaceName} (Owner)` });
      await page.getByText(`${workspaceName} · you are owner`).waitFor();
      await page.reload({ waitUntil: 'networkidle' });
      await page.getByRole('heading', { level: 1, name: 'Calendar' }).waitFor();
      await page.getByText(`${workspaceName} · you are owner`).waitFor();
      assert.equal(await switcherText(page), `${workspaceName} (Owner)`);

      // Rename it under Settings → General; the switcher follows.
      await settingsPage(page, 'General');
      await page.getByRole('heading', { level: 1, name: 'Workspace settings' }).waitFor();
      await page.getByLabel('Workspace name').fill(`${workspaceName} HQ`);
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByRole('status').getByText('Saved.').waitFor();
      assert.equal(await switcherText(page), `${workspaceName} HQ (Owner)`);
      await page.getByLabel('Workspace name').fill(workspaceName);
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByRole('status').getByText('Saved.').waitFor();
      assert.equal(await switcherText(page), `${workspaceName} (Owner)`);
      assert.deepEqual(unexpected(problems), []);
    } finally {
      await context.close();
    }
  });

  test('an ended session leads to sign-in; uncaught errors are reported', async () => {
    const { context, page, problems } = await openPage();
    try {
      await page.goto(`${srv.url}/signin`, { waitUntil: 'networkidle' });
      await signInThroughForm(page, bob);
      await page.waitForURL(`${srv.url}/calendar`);
      // the calendar has loaded (its requests done) before the session is ended below
      await page.getByRole('heading', { name: 'No posts scheduled yet' }).waitFor();

      const report = page.waitForRequest((r) => r.url().endsWith('/api/v1/client-errors'));
      await page.evaluate(() => {
        setTimeout(() => {
          throw new Error('ui-test deliberate failure');
        }, 0);
      });
      const sent = (await report).postDataJSON();
      assert.match(sent.message, /ui-test deliberate failure/);
      assert.equal(sent.page, '/calendar');
      const reportResponse = await (await report).response();
      assert.equal(reportResponse.status(), 202);

      // The session ends elsewhere: the next call answers 401 and the app asks to sign in.
      await context.clearCookies();
      await settingsPage(page, 'Members');
      await page.waitForURL((url) => url.pathname === '/signin');
      assert.equal(new URL(page.url()).searchParams.get('next'), '/settings/members');
      await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
      const expected = problems.filter(
        (p) => p === 'page error: ui-test deliberate failure' || p === '401 GET /api/v1/workspaces/' || /^401 GET \/api\/v1\/workspaces\/\d+\/members$/.test(p),
      );
      assert.deepEqual(unexpected(problems, expected), []);
    } finally {
      await context.close();
    }
  });

  test('signed-in screens fit a 375px phone, with no horizontal scrolling', async () => {
    const { context, page, problems } = await openPage({ width: 375, height: 812 });
    try {
      await page.goto(`${srv.url}/signin`, { waitUntil: 'networkidle' });
      await signInThroughForm(page, alice);
      await page.waitForURL(`${srv.url}/calendar`);
      const routes = [
        '/calendar',
        '/compose',
        '/media',
        '/accounts',
        '/analytics',
        '/workspaces/new',
        '/settings/workspace',
        '/settings/members',
        '/settings/invitations',
        '/settings/activity',
        '/settings/profile',
        '/settings/sessions',
        '/settings/api-keys',
      ];
      for (const route of routes) {
        await page.goto(`${srv.url}${route}`, { waitUntil: 'networkidle' });
        await h1(page).waitFor();
        await page.locator('.loading').waitFor({ state: 'detached' });
        const { scrollWidth, clientWidth } = await page.evaluate(() => ({
          scrollWidth: document.documentElement.scrollWidth,
          clientWidth: document.documentElement.clientWidth,
        }));
        assert.ok(scrollWidth <= clientWidth, `${route}: ${scrollWidth}px wide in a ${clientWidth}px viewport`);
        await page.screenshot({ path: `${SHOTS}/mobile${route.replaceAll('/', '-')}.png`, fullPage: true });
      }
      // The user menu opens and fits.
      await page.getByRole('button', { name: /account menu/ }).click();
      await page.locator('#user-menu-list').getByRole('link', { name: 'Profile' }).waitFor();
      const box = await page.locator('#user-menu-list').boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 375, 'the menu stays on screen');
      await page.screenshot({ path: `${SHOTS}/mobile-menu.png` });
      assert.deepEqual(unexpected(problems), []);
    } finally {
      await context.close();
    }
  });

  test('sessions and API keys', async () => {
    const { context, page, problems } = await openPage();
    try {
      await page.goto(`${srv.url}/signin`, { waitUntil: 'networkidle' });
      await signInThroughForm(page, alice);
      await page.waitForURL(`${srv.url}/calendar`);

      await page.getByRole('button', { name: /account menu/ }).click();
      await page.locator('#user-menu-list').getByRole('link', { name: 'Sessions' }).click();
      await page.getByRole('heading', { level: 1, name: 'Sessions' }).waitFor();
      const sessions = page.getByRole('list', { name: 'Sessions' });
      await sessions.getByText('This device').waitFor();
      assert.ok((await sessions.getByRole('listitem').count()) >= 2, 'earlier sign-ins are listed');
      await page.screenshot({ path: `${SHOTS}/sessions.png`, fullPage: true });

      await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'API keys' }).click();
      await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
      await page.getByText('No API keys').waitFor();
      await page.getByLabel('Name', { exact: true }).fill('Reporting script');
      await page.getByRole('checkbox', { name: workspaceName, exact: true }).check();
      await page.getByRole('button', { name: 'Create key' }).click();
      const keyField = page.getByLabel(/^Your new key/);
      await keyField.waitFor();
      const key = await keyField.inputValue();
      assert.match(key, /^p2s_/);
      const keys = page.getByRole('list', { name: 'Your keys' });
      await keys.getByText('Reporting script').waitFor();
      await page.screenshot({ path: `${SHOTS}/api-keys.png`, fullPage: true });

      // The key works for the API, in its workspace.
      const res = await fetch(`${srv.url}/api/v1/workspaces`, { headers: { Authorization: `Bearer ${key}` } });
      assert.equal(res.status, 200);

      await keys.getByRole('button', { name: 'Revoke the key Reporting script' }).click();
      await keys.getByRole('button', { name: 'Yes, revoke' }).click();
      await page.getByText('No API keys').waitFor();
      const gone = await fetch(`${srv.url}/api/v1/workspaces`, { headers: { Authorization: `Bearer ${key}` } });
      assert.equal(gone.status, 401);

      await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Profile' }).click();
      await page.getByRole('heading', { level: 1, name: 'Profile' }).waitFor();
      await page.screenshot({ path: `${SHOTS}/profile.png`, fullPage: true });

      // A new password ends the other sessions; this browser carries on with a new CSRF token.
      const newPassword = 'a brand new passphrase';
      await page.getByLabel('Current password').fill(alice.password);
      await page.getByLabel('New password').fill(newPassword);
      await page.getByRole('button', { name: 'Change password' }).click();
      await page.getByText('Password changed.').waitFor();
      alice.password = newPassword;
      const zones = page.getByLabel('Time zone');
      await zones.selectOption('Europe/Paris');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Saved.').waitFor();
      const me = await (await page.request.get(`${srv.url}/api/v1/me`)).json();
      assert.equal(me.user.timezone, 'Europe/Paris');
      await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Sessions' }).click();
      await sessions.getByText('This device').waitFor();
      assert.equal(await sessions.getByRole('listitem').count(), 1);
      assert.deepEqual(unexpected(problems), []);
    } finally {
      await context.close();
    }
  });
});
