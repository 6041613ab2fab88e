// The built www/ page in headless Chromium: the npm package initialises in a
// real browser, and the page talks to nobody but its own origin.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openServedPage, repoRoot } from './support/browser.mjs';

const manifest = JSON.parse(readFileSync(join(repoRoot, 'npm/h2lens/package.json'), 'utf8'));
let session;

before(async () => {
  session = await openServedPage(join(repoRoot, 'www', 'dist'));
});
after(async () => session?.close());

test('the npm package initialises in Chromium and reports its version', async (t) => {
  const { page } = session;
  await page.waitForSelector('body[data-h2lens="ready"], body[data-h2lens="error"]', { timeout: 20_000 });
  const status = await page.textContent('#status');
  const shot = await session.screenshot('placeholder');
  t.diagnostic(`screenshot: ${shot}`);
  assert.equal(await page.getAttribute('body', 'data-h2lens'), 'ready', `page says: ${status}`);
  const info = await page.evaluate(() => globalThis.h2lensInfo);
  t.diagnostic(`init() in Chromium (fetch + compile + instantiate): ${info.initMs.toFixed(1)} ms`);
  assert.equal(info.version, manifest.version);
  assert.match(status, new RegExp(`h2lens ${manifest.version.replaceAll('.', '\\.')} ready`));
});

test('every request stays on the page origin (privacy)', () => {
  const { requests, origin } = session;
  assert.ok(requests.some((u) => u.endsWith('.wasm')), `the .wasm was fetched: ${requests.join(', ')}`);
  const foreign = requests.filter((u) => !u.startsWith('data:') && new URL(u).origin !== origin);
  assert.deepEqual(foreign, [], `requests left ${origin}`);
});

test('no console errors', () => {
  assert.deepEqual(session.consoleErrors, []);
});
