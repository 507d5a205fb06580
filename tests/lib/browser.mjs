// The browser the UI tests drive: Debian's chromium through playwright-core, headless.
// Environment: P2S_CHROMIUM (default /usr/bin/chromium).
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.P2S_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Start the browser (close it with browser.close()). */
export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}
