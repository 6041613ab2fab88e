// The big corpus capture (../shared/corpus/big/h2load_200k.pcap: 10
// connections, 200,000 exchanges, 400,000 HEADERS blocks, 116 MB; facts
// from its h2load_200k.summary.json) in the inspector: decoding runs in the
// worker while the page keeps answering, results show up before the end,
// every header block gets listed, and the lists scroll to any row.
// Timings are printed, not asserted (shared 2-core machines vary).

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { openServedPage } from './support/browser.mjs';
import { currentSession, dist, ready, rows, tab } from './support/inspector.mjs';
import { bigCapture } from './support/paths.mjs';

const present = existsSync(bigCapture);
const skip = present ? false : `${bigCapture} is absent (the big corpus capture is not vendored)`;
const facts = present ? JSON.parse(readFileSync(bigCapture.replace(/\.pcap$/, '.summary.json'), 'utf8')) : null;
let session;

before(async () => {
  if (!present) return;
  session = await openServedPage(dist);
  await ready(session.page);
});
after(async () => session?.close());

test('decodes every header block while the page stays responsive', { skip, timeout: 600_000 }, async (t) => {
  const { page } = session;
  const previous = await currentSession(page);
  const started = Date.now();
  await page.setInputFiles('#open-file', bigCapture);
  await page.waitForFunction((prev) => document.body.dataset.session !== prev, previous);
  // Results appear while decoding.
  await page.waitForSelector('[aria-label="Calls and exchanges"] .vt-row[data-row="0"]', { timeout: 60_000 });
  const firstRowSeen = Date.now() - started;
  const stateAtFirstRow = await page.getAttribute('body', 'data-state');
  // A click is answered while the worker decodes.
  const progress = [];
  progress.push(Number(await page.getAttribute('progress', 'value')));
  const clickStart = Date.now();
  await tab(page, 'blocks');
  const clickAnswered = Date.now() - clickStart;
  const stateAtClick = await page.getAttribute('body', 'data-state');
  while ((await page.getAttribute('body', 'data-state')) === 'decoding') {
    progress.push(Number(await page.getAttribute('progress', 'value')));
    await page.waitForTimeout(250);
  }
  const allListed = Date.now() - started;
  assert.equal(await page.getAttribute('body', 'data-state'), 'done', await page.textContent('.status'));
  const max = Number(await page.getAttribute('progress', 'max'));
  const timings = await page.evaluate(() => globalThis.h2lensInspector.timings);
  t.diagnostic(`page: first rows after ${timings.firstRowsMs?.toFixed(0)} ms, everything listed after ${timings.doneMs?.toFixed(0)} ms`);
  t.diagnostic(`test clock: first row visible ${firstRowSeen} ms (page state ${stateAtFirstRow}), all listed ${allListed} ms`);
  t.diagnostic(`worker time: ${JSON.stringify(timings.profile)}`);
  t.diagnostic(`a tab click while decoding (state ${stateAtClick}) was answered in ${clickAnswered} ms`);
  assert.equal(stateAtFirstRow, 'decoding', 'rows were listed before decoding ended');
  assert.equal(stateAtClick, 'decoding', 'the click happened during decoding');
  assert.ok(progress.some((v) => v > 0 && v < max), `the progress bar moved: ${progress.slice(0, 10).join(', ')} … of ${max}`);
  // Every header block and exchange (summary.json: 400,000 HEADERS frames,
  // none with CONTINUATION; 200,000 streams).
  assert.equal(timings.blocks, facts.frame_types.HEADERS);
  assert.equal(timings.exchanges, facts.http2_streams);
  assert.match(await page.textContent('button[data-tab="blocks"]'), /400,000/);
});

test('the 400,000-row list scrolls to any row', { skip, timeout: 120_000 }, async (t) => {
  const { page } = session;
  const grid = '[role=grid][aria-label="Header blocks"]';
  const body = page.locator(`${grid} .vt-body`);
  const frameTimes = [];
  for (const at of [0.25, 0.5, 0.75, 1]) {
    const start = Date.now();
    await body.evaluate((el, f) => {
      el.scrollTop = (el.scrollHeight - el.clientHeight) * f;
    }, at);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    frameTimes.push(Date.now() - start);
  }
  const last = await rows(page, 'Header blocks');
  assert.equal(last.at(-1).n, '400000', 'the last row is reachable');
  // Keyboard: Home goes back to the first row.
  await page.focus(grid);
  await page.keyboard.press('Home');
  await page.waitForSelector('.detail[data-kind=block]');
  assert.equal((await rows(page, 'Header blocks'))[0].n, '1');
  t.diagnostic(`jumps to 25/50/75/100 %: ${frameTimes.join(', ')} ms (two animation frames each)`);
  const shot = await session.screenshot('30-big-blocks');
  t.diagnostic(`screenshot: ${shot}`);
});

test('decoding can be cancelled, keeping what was decoded', { skip, timeout: 120_000 }, async () => {
  const { page } = session;
  const previous = await currentSession(page);
  await page.setInputFiles('#open-file', bigCapture);
  await page.waitForFunction((prev) => document.body.dataset.session !== prev, previous);
  await page.waitForSelector('[aria-label="Header blocks"] .vt-row[data-row="0"]', { timeout: 60_000 });
  await page.click('.progress-line button:has-text("Cancel")');
  await page.waitForSelector('body[data-state="cancelled"]', { timeout: 30_000 });
  const shown = await page.evaluate(() => globalThis.h2lensInspector.timings.blocks);
  assert.ok(shown > 0 && shown < facts.frame_types.HEADERS, `${shown} blocks kept`);
  assert.match(await page.textContent('.status'), /Cancelled/);
});
