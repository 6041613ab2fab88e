// Driving the inspector page (www/) in tests: opening inputs, reading the
// virtualised lists, switching views.

import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { repoRoot } from './paths.mjs';

export const dist = join(repoRoot, 'www', 'dist');

/** Waits until the decoder in the worker reported its version. */
export async function ready(page) {
  await page.waitForSelector('body[data-engine]', { timeout: 30_000 });
}

/** The id of the input shown now (each open makes a new one). */
export async function currentSession(page) {
  return page.evaluate(() => document.body.dataset.session ?? null);
}

/** Opens a file through the file input and waits for decoding to end. */
export async function openFile(page, file, { timeout = 60_000 } = {}) {
  const previous = await currentSession(page);
  await page.setInputFiles('#open-file', file);
  await waitDecoded(page, timeout, previous);
}

/** Waits until an input newer than `previous` finished decoding. */
export async function waitDecoded(page, timeout = 60_000, previous = null) {
  await page.waitForFunction(
    (prev) => document.body.dataset.session && document.body.dataset.session !== prev,
    previous,
    { timeout: 10_000 },
  );
  await page.waitForSelector('body[data-state="done"], body[data-state="error"], body[data-state="cancelled"]', {
    timeout,
  });
  const state = await page.getAttribute('body', 'data-state');
  if (state !== 'done') throw new Error(`decoding ended in state ${state}: ${await page.textContent('.status')}`);
}

export async function tab(page, name) {
  await page.click(`button[data-tab="${name}"]`);
  await page.waitForSelector(`button[data-tab="${name}"][aria-selected="true"]`);
}

/** The visible rows of the list labelled `label`, as objects keyed by column. */
export async function rows(page, label) {
  return page.$$eval(`[role=grid][aria-label="${label}"] .vt-row:not([hidden])`, (els) =>
    els.map((row) => {
      const out = { row: Number(row.dataset.row) };
      for (const cell of row.children) out[cell.dataset.key] = cell.textContent;
      return out;
    }),
  );
}

export async function clickRow(page, label, index) {
  await page.click(`[role=grid][aria-label="${label}"] .vt-row[data-row="${index}"]`);
}

/** Opens row `index` of the exchanges and waits for ITS detail (stream `stream`). */
export async function openExchange(page, index, stream) {
  await clickRow(page, 'Calls and exchanges', index);
  await page.waitForFunction(
    (s) => document.querySelector('.detail[data-kind=exchange] .facts')?.textContent?.includes(`stream ${s}`),
    stream,
  );
}

/** Every file of the built site, as URL paths (`/assets/…`). */
export function staticFiles() {
  const out = new Set(['/']);
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out.add('/' + relative(dist, full).split(sep).join('/'));
    }
  };
  walk(dist);
  return out;
}

/**
 * Checks that every request was a GET, without a body, of one of the
 * site's own files on the page's origin. Returns the list of problems.
 */
export function requestProblems(session) {
  const files = staticFiles();
  const problems = [];
  for (const r of session.requestDetails) {
    if (r.url.startsWith('data:') || r.url.startsWith('blob:')) continue;
    const u = new URL(r.url);
    if (u.origin !== session.origin) problems.push(`another origin: ${r.url}`);
    else if (r.method !== 'GET') problems.push(`${r.method} ${r.url}`);
    else if (r.body) problems.push(`a request body: ${r.url}`);
    else if (u.search || u.hash) problems.push(`a query: ${r.url}`);
    else if (!files.has(u.pathname)) problems.push(`not a file of the site: ${r.url}`);
  }
  return problems;
}
