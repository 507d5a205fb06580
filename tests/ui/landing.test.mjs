// Browser tests for the signed-out pages: landing, privacy policy, the sign-in
// and sign-up forms and the not-found view. Drives Debian's chromium through playwright-core
// against the real server started by the shared harness.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser } from '../lib/browser.mjs';
import { startServer } from '../lib/harness.mjs';

const SCREENSHOT = '/tmp/landing.png';

let srv;
let browser;

before(async () => {
  srv = await startServer();
  // launch() gives every run a fresh temporary profile and removes it on close.
  browser = await launchBrowser();
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

/**
 * A new page in its own context, recording console errors, uncaught
 * exceptions, failed requests and HTTP error responses.
 */
async function openPage(viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    // chromium logs each error response without its URL; the 401 one is the
    // start-up "who is signed in?" check, which 'response' below vets by URL.
    if (msg.type() === 'error' && !msg.text().includes('status of 401')) {
      problems.push(`console error: ${msg.text()}`);
    }
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) =>
    problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`),
  );
  page.on('response', (res) => {
    // A visitor who is not signed in gets 401 from GET /api/v1/me, as designed.
    const signedOutCheck = res.status() === 401 && new URL(res.url()).pathname === '/api/v1/me';
    if (res.status() >= 400 && !signedOutCheck) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  return { context, page, problems };
}

/**
 * Problems other than the 404 status an unknown route's own document may
 * carry (and the console line chromium prints for it). A 404 on any other
 * URL is still reported through its 'response' entry.
 */
function exceptNotFoundDocument(problems, documentUrl) {
  return problems.filter(
    (p) =>
      p !== `HTTP 404: ${documentUrl}` &&
      !p.startsWith('console error: Failed to load resource: the server responded with a status of 404'),
  );
}

function h1(page) {
  return page.getByRole('heading', { level: 1 });
}

describe('signed-out pages', { timeout: 60_000 }, () => {
  test('landing page renders with sign-in and sign-up links', async () => {
    const { context, page, problems } = await openPage();
    try {
      const res = await page.goto(`${srv.url}/`, { waitUntil: 'networkidle' });
      assert.equal(res.status(), 200);
      await h1(page).waitFor();
      assert.equal((await h1(page).textContent()).trim(), 'Post2Share');
      assert.equal(await page.title(), 'Post2Share');

      const main = page.getByRole('main');
      const signIn = main.getByRole('link', { name: 'Sign in', exact: true });
      assert.equal(await signIn.getAttribute('href'), '/signin');
      assert.ok(await signIn.isVisible());
      const signUp = main.getByRole('link', { name: 'Create an account', exact: true });
      assert.equal(await signUp.getAttribute('href'), '/signup');

      const tagline = await main.locator('.tagline').textContent();
      for (const platform of ['Facebook', 'Instagram', 'LinkedIn', 'YouTube', 'X']) {
        assert.match(tagline, new RegExp(`\\b${platform}\\b`));
      }
      assert.ok((await main.locator('.feature').count()) >= 5, 'feature list is shown');

      const footerLink = page.getByRole('contentinfo').getByRole('link', { name: 'Privacy policy' });
      assert.equal(await footerLink.getAttribute('href'), '/privacy');

      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('privacy link navigates to the policy, and back works', async () => {
    const { context, page, problems } = await openPage();
    try {
      await page.goto(`${srv.url}/`, { waitUntil: 'networkidle' });
      await page.getByRole('contentinfo').getByRole('link', { name: 'Privacy policy' }).click();
      await page.waitForURL(`${srv.url}/privacy`);
      await page.getByRole('heading', { level: 1, name: 'Privacy policy' }).waitFor();
      assert.equal(await page.title(), 'Privacy policy · Post2Share');
      // Client-side navigation moves focus to the new page's heading.
      assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1');

      await page.goBack();
      await page.waitForURL(`${srv.url}/`);
      await page.getByRole('heading', { level: 1, name: 'Post2Share' }).waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('loading /privacy directly shows the policy', async () => {
    const { context, page, problems } = await openPage();
    try {
      const res = await page.goto(`${srv.url}/privacy`, { waitUntil: 'networkidle' });
      assert.equal(res.status(), 200);
      await page.getByRole('heading', { level: 1, name: 'Privacy policy' }).waitFor();
      const text = await page.getByRole('main').textContent();
      for (const phrase of [
        'password as a one-way hash',
        'stored encrypted',
        'activity log',
        'operator',
        'within 30 days',
        'Withdraw consent',
        '18 or older',
        'No third-party tracking',
      ]) {
        assert.ok(text.includes(phrase), `policy mentions "${phrase}"`);
      }
      await page.getByRole('main').getByRole('link', { name: 'Back to the home page' }).click();
      await page.waitForURL(`${srv.url}/`);
      await page.getByRole('heading', { level: 1, name: 'Post2Share' }).waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('sign-in and sign-up show their forms', async () => {
    const { context, page, problems } = await openPage();
    try {
      await page.goto(`${srv.url}/`, { waitUntil: 'networkidle' });
      await page.getByRole('main').getByRole('link', { name: 'Sign in', exact: true }).click();
      await page.waitForURL(`${srv.url}/signin`);
      await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
      assert.equal(await page.title(), 'Sign in · Post2Share');
      await page.getByLabel('Email', { exact: true }).waitFor();
      await page.getByLabel('Password', { exact: true }).waitFor();
      await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();

      await page.getByRole('main').getByRole('link', { name: 'Create an account' }).click();
      await page.waitForURL(`${srv.url}/signup`);
      await page.getByRole('heading', { level: 1, name: 'Create an account' }).waitFor();
      for (const label of ['Name', 'Email', 'Password']) {
        await page.getByLabel(label, { exact: true }).waitFor();
      }
      await page.getByText('At least 10 characters').waitFor();
      await page.getByLabel('I confirm I am 18 or older').waitFor();
      const policy = page.getByRole('main').getByRole('link', { name: /privacy policy/ });
      assert.equal(await policy.getAttribute('href'), '/privacy');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('an unknown route shows "Page not found" with a link home', async () => {
    const { context, page, problems } = await openPage();
    try {
      await page.goto(`${srv.url}/no/such/page`, { waitUntil: 'networkidle' });
      await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
      await page.getByRole('main').getByRole('link', { name: 'Go to the home page' }).click();
      await page.waitForURL(`${srv.url}/`);
      await page.getByRole('heading', { level: 1, name: 'Post2Share' }).waitFor();
      assert.deepEqual(exceptNotFoundDocument(problems, `${srv.url}/no/such/page`), []);
    } finally {
      await context.close();
    }
  });

  test('no horizontal scrolling at phone width (375px)', async () => {
    const { context, page, problems } = await openPage({ width: 375, height: 812 });
    try {
      for (const route of ['/', '/privacy', '/signin', '/signup', '/no-such-page']) {
        await page.goto(`${srv.url}${route}`, { waitUntil: 'networkidle' });
        await h1(page).waitFor();
        const { scrollWidth, clientWidth } = await page.evaluate(() => ({
          scrollWidth: document.documentElement.scrollWidth,
          clientWidth: document.documentElement.clientWidth,
        }));
        assert.ok(
          scrollWidth <= clientWidth,
          `${route}: page is ${scrollWidth}px wide in a ${clientWidth}px viewport`,
        );
      }
      assert.deepEqual(exceptNotFoundDocument(problems, `${srv.url}/no-such-page`), []);
    } finally {
      await context.close();
    }
  });
});
