// End to end in Firefox: the built inspector (www/dist) in headless Firefox
// ESR (Debian's firefox-esr, driven by puppeteer-core over WebDriver BiDi)
// decodes the gRPC corpus capture through the file input. The other
// browser tests run in Chromium; this one checks that the page, its two
// workers (the session worker starts a nested "reader" worker), the wasm
// module and the Content-Security-Policy with Trusted Types work in the
// other engine the inspector promises (issue #6).
//
// Oracles, none of them the decoder:
// - the calls, their methods and status names: tests/fixtures/corpus/README.md
//   ("grpc_python") and the client application's own log of that run
//   (tests/fixtures/grpc/grpc_python_client.log);
// - the repeated request metadata (actorscopes api, actor1, actor2; roles
//   twice): the README, confirmed by the server's echo in the client log;
// - the wire order's representations: tshark's decode,
//   tests/fixtures/corpus/grpc_python.headers.jsonl;
// - requests: the site's own files (what the server answered, and what
//   Firefox reports).
// Screenshots go to tests/artifacts/browser/firefox-*.png.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openFirefoxPage } from './support/firefox.mjs';
import { assertCallRows, CALLS, clientLogStatuses } from './support/grpc-python.mjs';
import { dist, requestProblems, staticFiles } from './support/inspector.mjs';
import { fixtures, repoRoot } from './support/paths.mjs';

const corpus = join(fixtures, 'corpus');
const manifest = JSON.parse(readFileSync(join(repoRoot, 'npm/h2lens/package.json'), 'utf8'));
const tsharkBlocks = readFileSync(join(corpus, 'grpc_python.headers.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));

const EXCHANGES = 'Calls and exchanges';
const REQUEST = 'section[data-role=request]';
let session;

// The page helpers of support/inspector.mjs take a playwright page; these
// are the same steps for a puppeteer one.

const state = (page) => page.evaluate(() => document.body.dataset.state ?? null);

/** Opens a file through the file input and waits for decoding to end. */
async function openFile(page, file, { timeout = 60_000 } = {}) {
  const previous = await page.evaluate(() => document.body.dataset.session ?? null);
  const input = await page.$('#open-file');
  assert.ok(input, 'the page has the file input #open-file');
  await input.uploadFile(file);
  await page.waitForFunction(
    (prev) => document.body.dataset.session && document.body.dataset.session !== prev,
    { timeout: 10_000 },
    previous,
  );
  await page.waitForSelector('body[data-state="done"], body[data-state="error"], body[data-state="cancelled"]', {
    timeout,
  });
  const ended = await state(page);
  if (ended !== 'done') {
    throw new Error(`decoding ended in state ${ended}: ${await page.$eval('.status', (e) => e.textContent)}`);
  }
}

/** The visible rows of the list labelled `label`, as objects keyed by column. */
function rows(page, label) {
  return page.$$eval(`[role=grid][aria-label="${label}"] .vt-row:not([hidden])`, (els) =>
    els.map((row) => {
      const out = { row: Number(row.dataset.row) };
      for (const cell of row.children) out[cell.dataset.key] = cell.textContent;
      return out;
    }),
  );
}

before(async () => {
  session = await openFirefoxPage(dist);
  await session.page.waitForSelector('body[data-engine]', { timeout: 30_000 });
});
after(async () => session?.close());

describe('Firefox: the gRPC capture (grpc_python.pcap)', () => {
  test('the page loads in Firefox and its worker reports the decoder version', async (t) => {
    const { page } = session;
    t.diagnostic(`browser: ${await session.browser.version()}; ${await page.evaluate(() => navigator.userAgent)}`);
    assert.match(await page.evaluate(() => navigator.userAgent), /Firefox\//);
    assert.equal(await page.$eval('body', (b) => b.dataset.engine), manifest.version);
    assert.match(await page.$eval('.welcome .promise', (e) => e.textContent), /never leaves this machine/);
    t.diagnostic(`screenshot: ${await session.screenshot('01-welcome')}`);
  });

  test('the Content-Security-Policy is in force, Trusted Types included where Firefox has them', async (t) => {
    const probe = await session.browser.newPage();
    try {
      await probe.goto(session.url);
      const found = await probe.evaluate(() => {
        let refused = false;
        try {
          document.createElement('div').innerHTML = '<b>x</b>';
        } catch {
          refused = true;
        }
        return { trustedTypes: typeof globalThis.trustedTypes, refused };
      });
      t.diagnostic(`trustedTypes: ${found.trustedTypes}; innerHTML with a string refused: ${found.refused}`);
      if (found.trustedTypes === 'undefined') {
        t.skip('this Firefox has no Trusted Types: the page runs without them (the CSP directive is ignored)');
        return;
      }
      assert.equal(found.refused, true, 'innerHTML with a string is refused (require-trusted-types-for)');
    } finally {
      await probe.close();
      // The page the other tests use is the visible tab again, as a user's
      // would be when opening a file.
      await session.page.bringToFront();
    }
  });

  test('opening it through the file input lists the 11 calls with methods and status names', async (t) => {
    const { page } = session;
    // The oracle agrees with the client's own log before it judges anything.
    assert.deepEqual(
      CALLS.map(([, , status]) => status),
      clientLogStatuses(),
    );
    await openFile(page, join(corpus, 'grpc_python.pcap'));
    const list = await rows(page, EXCHANGES);
    assertCallRows(list);
    assert.match(await page.$eval('button[data-tab="exchanges"]', (e) => e.textContent), /11/);
    const timings = await page.evaluate(() => globalThis.h2lensInspector.timings);
    t.diagnostic(`first rows ${timings.firstRowsMs?.toFixed(0)} ms, all decoded ${timings.doneMs?.toFixed(0)} ms`);
    t.diagnostic(`worker time: ${JSON.stringify(timings.profile)}`);
    // The session worker started the reader worker (a module worker from a
    // worker, its URL through the worker's Trusted Types policy) and
    // decoding ran there: pipeline is false only when `new Worker` is
    // missing in a worker, and a reader that failed to load would have
    // ended decoding in an error.
    assert.equal(timings.profile?.pipeline, true, 'decoding ran in the nested reader worker');
    t.diagnostic(`screenshot: ${await session.screenshot('02-calls')}`);
  });

  test('the first call groups repeated metadata: actorscopes ×3 in order, roles ×2', async (t) => {
    const { page } = session;
    await page.click(`[role=grid][aria-label="${EXCHANGES}"] .vt-row[data-row="0"]`);
    await page.waitForFunction(() =>
      document.querySelector('.detail[data-kind=exchange] .facts')?.textContent?.includes('stream 1'),
    );
    await page.click('button[data-mode=grouped]');
    const table = `${REQUEST} table[data-view=grouped]`;
    await page.waitForSelector(table);
    const values = (name) =>
      page.$$eval(`${table} tbody.grouped tr[data-name="${name}"] li`, (lis) => lis.map((li) => li.textContent));
    assert.deepEqual(await values('actorscopes'), ['api', 'actor1', 'actor2']);
    assert.deepEqual(await values('roles'), ['payments-admin', 'payments-admin']);
    // Each name once.
    const names = await page.$$eval(`${table} tbody.grouped tr`, (trs) => trs.map((tr) => tr.dataset.name));
    assert.equal(new Set(names).size, names.length);
    t.diagnostic(`screenshot: ${await session.screenshot('03-exchange-grouped')}`);
  });

  test('wire order has the representation column, as tshark decoded each field', async (t) => {
    const { page } = session;
    await page.click('button[data-mode=wire]');
    const table = `${REQUEST} table[data-view=wire]`;
    await page.waitForSelector(table);
    const shown = await page.$$eval(`${table} tbody tr:not(.explain)`, (trs) =>
      trs.map((tr) => ({ name: tr.dataset.name, repr: tr.querySelector('td.repr')?.dataset.repr ?? null })),
    );
    const oracle = tsharkBlocks[0];
    assert.equal(oracle.stream_id, 1);
    assert.deepEqual(
      shown.map((f) => f.name),
      oracle.headers.map(([name]) => name),
    );
    assert.ok(shown.every((f) => f.repr), 'every field has its representation cell');
    // C-core sends the custom metadata without indexing (corpus README;
    // tshark: "Literal Header Field without Indexing").
    const actorscopes = oracle.headers.flatMap(([name], i) => (name === 'actorscopes' ? [oracle.hpack[i][0]] : []));
    assert.ok(actorscopes.every((r) => r.startsWith('Literal Header Field without Indexing')));
    assert.deepEqual(
      shown.filter((f) => f.name === 'actorscopes').map((f) => f.repr),
      ['without_indexing', 'without_indexing', 'without_indexing'],
    );
    t.diagnostic(`screenshot: ${await session.screenshot('04-exchange-wire')}`);
  });

  test('only the site’s own files were requested; no console or page errors', async (t) => {
    // What Firefox reported for the page.
    assert.deepEqual(session.foreignRequests(), []);
    assert.deepEqual(requestProblems(session), []);
    // What the server answered: the page's requests and its workers' (the
    // worker scripts and the wasm module), whatever the browser reports.
    const files = staticFiles();
    const served = session.served.filter((r) => r.method !== 'GET' || !files.has(new URL(r.path, session.url).pathname));
    assert.deepEqual(served, [], 'every request the server got was a GET of one of the site’s files');
    assert.ok(
      session.served.some((r) => r.path.endsWith('.wasm')),
      `the wasm module was fetched from the page's origin: ${JSON.stringify(session.served)}`,
    );
    t.diagnostic(`served: ${session.served.map((r) => r.path).join(' ')}`);
    assert.deepEqual(session.consoleErrors, []);
    assert.deepEqual(session.dialogs, []);
    assert.equal(await state(session.page), 'done');
  });
});
