// Browser tests for the Media page: uploading through the file picker (an
// image and a video), thumbnails, the same file again, a file that is not
// media, alt text that survives a reload, deleting, the kind filter, and the
// read-only view of a viewer. Narrow screens (375px) scroll only vertically.
// Drives Debian's chromium through playwright-core against the real server.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { launchBrowser } from '../lib/browser.mjs';
import { ROOT, startServer } from '../lib/harness.mjs';
import { addMember, createWorkspace, signup } from '../lib/api.mjs';

const SHOTS = process.env.P2S_SCREENSHOTS || '/tmp/p2s-media-ui';
const PASSWORD = 'correct horse battery';
const FIX = join(ROOT, 'tests', 'fixtures');
const JPEG = join(FIX, 'photo-320x240.jpg');
const MP4 = join(FIX, 'clip-160x90.mp4');
const TEXT = join(FIX, 'not-an-image.txt');

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

/** A new page in its own context, recording page errors, console errors, failed requests and HTTP errors. */
async function openPage(viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
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

async function signInThroughForm(page, who) {
  await page.goto(`${srv.url}/signin`, { waitUntil: 'networkidle' });
  await page.getByLabel('Email', { exact: true }).fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(`${srv.url}/calendar`);
  await page.waitForLoadState('networkidle');
}

async function openMedia(page) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Media' }).click();
  await page.getByRole('heading', { level: 1, name: 'Media' }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Library' }).waitFor();
  await page.locator('.loading').first().waitFor({ state: 'detached' });
}

async function noSideScroll(page, what) {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  assert.ok(scrollWidth <= clientWidth, `${what}: ${scrollWidth}px wide in a ${clientWidth}px viewport`);
}

/** Every thumbnail in the library has loaded with real pixels. */
async function thumbnailsLoaded(page, count) {
  await page.waitForFunction(
    (n) => {
      const imgs = [...document.querySelectorAll('.media-grid img')];
      return imgs.length === n && imgs.every((img) => img.complete && img.naturalWidth > 0);
    },
    count,
    { timeout: 15_000 },
  );
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('the media library', { timeout: 180_000 }, () => {
  const owner = person('owner', 'Owner Person');
  const viewer = person('viewer', 'Viewer Person');
  let ownerClient;
  let ws;

  before(async () => {
    ownerClient = await signup(srv, owner);
    ws = await createWorkspace(ownerClient, `Studio ${run}`, 'UTC');
    const v = await signup(srv, viewer);
    await addMember(ownerClient, ws, v, 'viewer');
  });

  test('upload, see, describe and delete media', async () => {
    const { context, page, problems } = await openPage();
    const uploadPath = `/api/v1/workspaces/${ws}/media`;
    try {
      await signInThroughForm(page, owner);
      await openMedia(page);
      await page.getByRole('heading', { name: 'No media yet' }).waitFor();
      await page.getByText('0 B used of').waitFor();
      await page.screenshot({ path: `${SHOTS}/media-empty.png`, fullPage: true });

      // An image and a video through the file picker.
      const input = page.getByLabel('Choose files');
      assert.equal(await input.getAttribute('accept'), 'image/jpeg,image/png,image/webp,image/gif,video/mp4,video/quicktime');
      assert.equal(await input.getAttribute('multiple'), '');
      await input.setInputFiles([JPEG, MP4]);
      const uploads = page.getByRole('list', { name: 'Uploads' });
      await uploads.getByText('Uploaded', { exact: true }).nth(1).waitFor({ timeout: 20_000 });
      assert.equal(await uploads.getByRole('listitem').count(), 2);
      assert.equal(await uploads.getByRole('progressbar').count(), 0, 'no progress bars once done');

      const library = page.getByRole('list', { name: 'Library' });
      const photo = library.getByRole('listitem').filter({ hasText: 'photo-320x240.jpg' });
      const clip = library.getByRole('listitem').filter({ hasText: 'clip-160x90.mp4' });
      await photo.waitFor();
      await clip.waitFor();
      assert.equal(await library.getByRole('listitem').count(), 2);
      await thumbnailsLoaded(page, 2);
      assert.match(await photo.textContent(), /JPEG image · 320 × 240 · \d+(\.\d)? KB/);
      assert.match(await clip.textContent(), /MP4 video · 160 × 90 · \d+:\d\d · \d+(\.\d)? KB/);
      // What each file suits, when the server says (the "fit" of each item).
      const listed = (await ownerClient.get(uploadPath)).json.items;
      for (const [card, item] of [
        [photo, listed.find((m) => m.kind === 'image')],
        [clip, listed.find((m) => m.kind === 'video')],
      ]) {
        const text = await card.textContent();
        if (!item.fit) {
          assert.doesNotMatch(text, /Fits:|Not for:/);
          continue;
        }
        const targets = Object.values(item.fit);
        if (targets.some((f) => f.ok)) assert.match(text, /Fits: /);
        if (targets.some((f) => !f.ok)) assert.match(text, /Not for: /);
        const plainX = item.fit[item.kind === 'image' ? 'x_image' : 'x_video'];
        if (plainX?.ok) assert.match(await card.locator('.media-fit-summary').textContent(), /Fits: [^·]*\bX\b/);
      }
      assert.match(await page.locator('.media-usage').textContent(), /^\d+(\.\d)? KB used of \d+(\.\d)? (MB|GB)$/);

      // The same bytes again.
      await input.setInputFiles(JPEG);
      await uploads.getByText('Already in your library').waitFor();
      assert.equal(await library.getByRole('listitem').count(), 2);

      // Not media: the server's reason is shown.
      const refused = await ownerClient.call('POST', `${uploadPath}?name=x.txt`, readFileSync(TEXT), {
        headers: { 'Content-Type': 'text/plain' },
      });
      assert.equal(refused.status, 400);
      const reason = refused.json.error.message;
      await input.setInputFiles(TEXT);
      const bad = uploads.getByRole('listitem').filter({ hasText: 'not-an-image.txt' });
      await bad.getByText('Not uploaded').waitFor();
      assert.match(await bad.textContent(), new RegExp(escape(reason.slice(1))));
      assert.equal(await library.getByRole('listitem').count(), 2);
      const why = clip.locator('summary', { hasText: 'Why' });
      if (await why.count()) await why.click();
      await page.screenshot({ path: `${SHOTS}/media-uploaded.png`, fullPage: true });

      // Alt text, saved and still there after a reload.
      await photo.getByRole('button', { name: 'Edit name and alt text of photo-320x240.jpg' }).click();
      const form = photo.getByRole('form', { name: 'Edit photo-320x240.jpg' });
      const altField = form.getByLabel(/^Alt text/);
      await altField.waitFor();
      await form.getByText(/screen readers/).waitFor();
      await altField.fill('A test card with colour bars');
      await page.screenshot({ path: `${SHOTS}/media-edit.png`, fullPage: true });
      await form.getByRole('button', { name: 'Save' }).click();
      await photo.getByText('Alt text: A test card with colour bars').waitFor();
      await page.reload({ waitUntil: 'networkidle' });
      await page.getByRole('heading', { level: 1, name: 'Media' }).waitFor();
      await photo.getByText('Alt text: A test card with colour bars').waitFor();
      assert.equal(await photo.locator('img').getAttribute('alt'), 'A test card with colour bars');
      await thumbnailsLoaded(page, 2);

      // The kind filter.
      await page.getByText('Videos', { exact: true }).click();
      await clip.waitFor();
      await photo.waitFor({ state: 'detached' });
      await page.getByText('All', { exact: true }).click();
      await photo.waitFor();

      // Narrow screens.
      await page.setViewportSize({ width: 375, height: 812 });
      await noSideScroll(page, '/media at 375px');
      await page.screenshot({ path: `${SHOTS}/media-375.png`, fullPage: true });
      await page.setViewportSize({ width: 1280, height: 800 });

      // Delete the video, in two steps.
      await clip.getByRole('button', { name: 'Delete clip-160x90.mp4' }).click();
      const ask = clip.getByRole('group', { name: 'Delete clip-160x90.mp4?' });
      await ask.getByRole('button', { name: 'Yes, delete' }).click();
      await clip.waitFor({ state: 'detached' });
      assert.equal(await library.getByRole('listitem').count(), 1);
      await page.reload({ waitUntil: 'networkidle' });
      await photo.waitFor();
      assert.equal(await library.getByRole('listitem').count(), 1);
      assert.equal(await clip.count(), 0);

      assert.deepEqual(unexpected(problems, [`400 POST ${uploadPath}`]), []);
    } finally {
      await context.close();
    }
  });

  test('a viewer sees the library read-only', async () => {
    const { context, page, problems } = await openPage({ width: 375, height: 812 });
    try {
      await signInThroughForm(page, viewer);
      await openMedia(page);
      const library = page.getByRole('list', { name: 'Library' });
      await library.getByRole('listitem').filter({ hasText: 'photo-320x240.jpg' }).waitFor();
      await thumbnailsLoaded(page, 1);
      assert.equal(await page.locator('input[type=file]').count(), 0, 'no upload control');
      assert.equal(await page.getByRole('heading', { name: 'Upload' }).count(), 0);
      assert.equal(await library.getByRole('button').count(), 0, 'no edit or delete');
      await page.getByText(/Your role here is viewer/).waitFor();
      await noSideScroll(page, 'the viewer’s library at 375px');
      await page.screenshot({ path: `${SHOTS}/media-viewer-375.png`, fullPage: true });
      assert.deepEqual(unexpected(problems), []);
    } finally {
      await context.close();
    }
  });
});
