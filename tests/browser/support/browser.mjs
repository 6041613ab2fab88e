// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core,
// and the static server, for browser tests. playwright-core never downloads
// a browser; scripts/setup.sh installs Chromium with apt-get.

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../../scripts/serve.mjs';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
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
 * Every request the page makes and every console error is recorded.
 * Returns `{ url, origin, page, context, requests, consoleErrors, screenshot(name), close() }`.
 */
export async function openServedPage(root, path = '') {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: run scripts/setup.sh (apt-get install chromium)`);
  }
  if (!existsSync(join(root, 'index.html'))) {
    throw new Error(`${root}/index.html not found: run npm run build`);
  }
  const server = await startServer({ root });
  const profile = mkdtempSync(join(tmpdir(), 'h2lens-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 800 },
  });
  const requests = [];
  const consoleErrors = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(`pageerror: ${err.message}`));
  const url = new URL(path, server.url).href;
  await page.goto(url);
  return {
    url,
    origin: new URL(server.url).origin,
    page,
    context,
    requests,
    consoleErrors,
    async screenshot(name) {
      mkdirSync(artifactsDir, { recursive: true });
      const file = join(artifactsDir, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await context.close();
      await server.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
