// Headless Firefox (Debian's /usr/bin/firefox-esr) driven by puppeteer-core
// over WebDriver BiDi, and the static server, for browser tests. Like
// support/browser.mjs for Chromium: puppeteer-core never downloads a
// browser; scripts/setup.sh installs firefox-esr with apt-get.
//
// The session has the same shape as openServedPage()'s where it can
// (url, origin, page, requests, requestDetails, consoleErrors, dialogs,
// screenshot, foreignRequests, close), so support/inspector.mjs's
// requestProblems() applies; `page` is a puppeteer Page, not a playwright
// one, so the page helpers of support/inspector.mjs do not.

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { startServer } from '../../../scripts/serve.mjs';
import { repoRoot } from './paths.mjs';

export { repoRoot } from './paths.mjs';
export const artifactsDir = join(repoRoot, 'tests', 'artifacts', 'browser');
export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

// A fresh profile on a machine whose network reaches only package
// registries. Puppeteer's default Firefox profile already turns off
// updates, telemetry, safe browsing, remote settings and speculative
// connections; these turn off the rest of the browser's own background
// connections (captive portal and connectivity checks, prefetching).
const PREFS = {
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
};

/** Which colour scheme the page sees (prefers-color-scheme): 0 dark, 1 light. */
const SCHEME = { dark: 0, light: 1 };

/**
 * Serves `root` on 127.0.0.1 and opens it in headless Firefox with a fresh
 * profile. Every request the browser reports for the page, every request
 * the server answered (the page's and its workers', whatever the browser
 * reports), every console error and page error and every dialog is
 * recorded (dialogs are dismissed).
 * `options.colorScheme`: 'light' (default) or 'dark'.
 */
export async function openFirefoxPage(root, path = '', options = {}) {
  if (!existsSync(FIREFOX)) {
    throw new Error(`${FIREFOX} not found: run scripts/setup.sh (apt-get install firefox-esr)`);
  }
  if (!existsSync(join(root, path, 'index.html'))) {
    throw new Error(`${join(root, path)}index.html not found: run npm run build`);
  }
  const server = await startServer({ root });
  const served = [];
  server.server.on('request', (req) => served.push({ method: req.method, path: req.url }));
  const profile = mkdtempSync(join(tmpdir(), 'h2lens-firefox-'));
  let browser;
  try {
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: true,
      userDataDir: profile,
      extraPrefsFirefox: {
        ...PREFS,
        'layout.css.prefers-color-scheme.content-override': SCHEME[options.colorScheme ?? 'light'],
      },
      // Firefox's own output is noise here; protocol errors still throw.
      dumpio: false,
    });
  } catch (err) {
    await server.close();
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  const requests = [];
  const requestDetails = [];
  const consoleErrors = [];
  const dialogs = [];
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  // launch()'s defaultViewport reaches only pages opened later, not the
  // first tab (which is Firefox's window size, 1366×682 in headless mode).
  await page.setViewport(options.viewport ?? { width: 1280, height: 800 });
  page.on('request', (r) => {
    requests.push(r.url());
    requestDetails.push({ url: r.url(), method: r.method(), body: r.hasPostData() ? 'yes' : undefined });
  });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err?.message ?? err}`));
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => {});
  });
  const url = new URL(path, server.url).href;
  const origin = new URL(server.url).origin;
  await page.goto(url);
  return {
    url,
    origin,
    page,
    browser,
    requests,
    requestDetails,
    /** What the server answered: `{ method, path }` for every request it got. */
    served,
    consoleErrors,
    dialogs,
    async screenshot(name) {
      mkdirSync(artifactsDir, { recursive: true });
      const file = join(artifactsDir, `firefox-${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    /** Requests to anything but this origin's static files. */
    foreignRequests() {
      return requests.filter((u) => !u.startsWith('data:') && !u.startsWith('blob:') && new URL(u).origin !== origin);
    },
    async close() {
      await browser.close().catch(() => {});
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
