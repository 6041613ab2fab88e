// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core,
// and the static server, for browser tests. playwright-core never downloads
// a browser; scripts/setup.sh installs Chromium with apt-get.

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from '../../../scripts/serve.mjs';
import { repoRoot } from './paths.mjs';

export { repoRoot } from './paths.mjs';
export const artifactsDir = join(repoRoot, 'tests', 'artifacts', 'browser');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// As root in a container, without a GPU, on a machine whose network reaches
// only package registries: no sandbox, and no background connections.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Serves `root` on 127.0.0.1 and opens it in a fresh Chromium profile.
 * Every request the page (and its workers) makes, every console error and
 * every dialog is recorded (dialogs are dismissed).
 * Returns `{ url, origin, page, context, requests, consoleErrors, dialogs, screenshot(name), close() }`.
 * `options.colorScheme`: 'light' or 'dark' (prefers-color-scheme).
 */
export async function openServedPage(root, path = '', options = {}) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: run scripts/setup.sh (apt-get install chromium)`);
  }
  if (!existsSync(join(root, path, 'index.html'))) {
    throw new Error(`${join(root, path)}index.html not found: run npm run build`);
  }
  const server = await startServer({ root });
  const profile = mkdtempSync(join(tmpdir(), 'h2lens-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: options.viewport ?? { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? 'light',
  });
  const requests = [];
  const consoleErrors = [];
  const dialogs = [];
  const requestDetails = [];
  context.on('request', (r) => {
    requests.push(r.url());
    requestDetails.push({ url: r.url(), method: r.method(), body: r.postData() });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => {});
  });
  const url = new URL(path, server.url).href;
  await page.goto(url);
  return {
    url,
    origin: new URL(server.url).origin,
    page,
    context,
    requests,
    consoleErrors,
    dialogs,
    requestDetails,
    async screenshot(name) {
      mkdirSync(artifactsDir, { recursive: true });
      const file = join(artifactsDir, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    /** Requests to anything but this origin's static files. */
    foreignRequests() {
      return requests.filter((u) => !u.startsWith('data:') && !u.startsWith('blob:') && new URL(u).origin !== new URL(server.url).origin);
    },
    async close() {
      await context.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
