// End to end: the built inspector (www/dist) in headless Chromium decodes
// the gRPC corpus capture through the file input, and every view shows what
// independent sources say is in it:
// - the calls, their methods and status names: tests/fixtures/corpus/README.md
//   ("grpc_python") and the client's own log of that run;
// - each header's HPACK representation and static index: tshark's decode,
//   tests/fixtures/corpus/grpc_python.headers.jsonl;
// - which headers C-core puts in the dynamic table: the README ("C-core
//   indexes only :path, :authority, content-type, te, …");
// - the mid-stream capture's unknown table entries: the README
//   (grpc_python_midstream: "Both HPACK tables are unknown").
// Screenshots of the main views, light and dark, go to tests/artifacts/browser/.

import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openServedPage } from './support/browser.mjs';
import { assertCallRows, CALLS } from './support/grpc-python.mjs';
import { clickRow, dist, openExchange, openFile, ready, requestProblems, rows, tab, waitDecoded } from './support/inspector.mjs';
import { fixtures, repoRoot } from './support/paths.mjs';

const corpus = join(fixtures, 'corpus');
const manifest = JSON.parse(readFileSync(join(repoRoot, 'npm/h2lens/package.json'), 'utf8'));
const tsharkBlocks = readFileSync(join(corpus, 'grpc_python.headers.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));

// tshark's representation names (RFC 7541 §6) → the inspector's.
const TSHARK_REPR = {
  'Indexed Header Field': 'indexed',
  'Literal Header Field with Incremental Indexing': 'incremental_indexing',
  'Literal Header Field without Indexing': 'without_indexing',
  'Literal Header Field never Indexed': 'never_indexed',
};

const EXCHANGES = 'Calls and exchanges';
let session;

before(async () => {
  session = await openServedPage(dist);
  await ready(session.page);
});
after(async () => session?.close());

describe('the gRPC capture (grpc_python.pcap)', () => {
  test('the welcome page promises local decoding and the engine is the package version', async (t) => {
    const { page } = session;
    assert.equal(await page.getAttribute('body', 'data-engine'), manifest.version);
    assert.match(await page.textContent('.welcome .promise'), /never leaves this machine/);
    t.diagnostic(`screenshot: ${await session.screenshot('01-welcome-light')}`);
  });

  test('opening it through the file input lists the 11 calls with methods and status names', async (t) => {
    const { page } = session;
    await openFile(page, join(corpus, 'grpc_python.pcap'));
    const list = await rows(page, EXCHANGES);
    assertCallRows(list);
    assert.match(await page.textContent('button[data-tab="exchanges"]'), /11/);
    const timings = await page.evaluate(() => globalThis.h2lensInspector.timings);
    t.diagnostic(`first rows ${timings.firstRowsMs?.toFixed(0)} ms, all decoded ${timings.doneMs?.toFixed(0)} ms`);
  });

  test('the first call groups repeated metadata: actorscopes ×3 in order, roles ×2', async (t) => {
    const { page } = session;
    await clickRow(page, EXCHANGES, 0);
    await page.waitForSelector('.detail[data-kind=exchange]');
    await page.click('button[data-mode=grouped]');
    const request = 'section[data-role=request] table[data-view=grouped]';
    await page.waitForSelector(request);
    const values = (name) =>
      page.$$eval(`${request} tbody.grouped tr[data-name="${name}"] li`, (lis) => lis.map((li) => li.textContent));
    assert.deepEqual(await values('actorscopes'), ['api', 'actor1', 'actor2']);
    assert.deepEqual(await values('roles'), ['payments-admin', 'payments-admin']);
    assert.deepEqual(await values('originatorscopes'), ['org:acme', 'org:acme/eu', 'team:ledger', 'svc:checkout']);
    // Each name once.
    const names = await page.$$eval(`${request} tbody.grouped tr`, (trs) => trs.map((tr) => tr.dataset.name));
    assert.equal(new Set(names).size, names.length);
    t.diagnostic(`screenshot: ${await session.screenshot('03-exchange-grouped-light')}`);
  });

  test('wire order shows each field as tshark decoded it: representation and static index', async (t) => {
    const { page } = session;
    await page.click('button[data-mode=wire]');
    const table = 'section[data-role=request] table[data-view=wire]';
    await page.waitForSelector(table);
    const shown = await page.$$eval(`${table} tbody tr:not(.explain)`, (trs) =>
      trs.map((tr) => ({
        name: tr.dataset.name,
        repr: tr.querySelector('td.repr').dataset.repr,
        index: tr.querySelector('td.index').textContent,
      })),
    );
    const oracle = tsharkBlocks[0];
    assert.equal(oracle.stream_id, 1);
    assert.equal(shown.length, oracle.headers.length);
    shown.forEach((f, i) => {
      const [reprName, index] = oracle.hpack[i];
      const expected = Object.entries(TSHARK_REPR).find(([k]) => reprName.startsWith(k))[1];
      assert.equal(f.name, oracle.headers[i][0]);
      assert.equal(f.repr, expected, `field ${i} ${f.name}`);
      if (reprName === 'Indexed Header Field' && index <= 61) assert.equal(f.index, `static ${index}`);
    });
    // The repeated metadata is sent without indexing (README: C-core).
    assert.deepEqual(
      shown.filter((f) => f.name === 'actorscopes').map((f) => f.repr),
      ['without_indexing', 'without_indexing', 'without_indexing'],
    );
    // What an index resolved to, on demand.
    await page.click(`${table} tr[data-name=":method"] td.index button`);
    assert.match(await page.textContent(`${table} tr.explain:not([hidden])`), /static table.*:method: POST/);
    t.diagnostic(`screenshot: ${await session.screenshot('02-exchange-wire-light')}`);
  });

  test('the dynamic table before the second request holds what C-core indexed in the first', async (t) => {
    const { page } = session;
    await openExchange(page, 1, 3);
    await page.click('section[data-role=request] button:has-text("Dynamic table")');
    await page.waitForSelector('.detail[data-kind=table]');
    const entries = await page.$$eval('.dyn-table tbody tr', (trs) =>
      trs.map((tr) => ({ index: tr.children[0].textContent, name: tr.children[2].textContent, mark: tr.dataset.mark })),
    );
    const known = entries.filter((e) => /^\d+$/.test(e.index));
    // README: C-core indexes :path, :authority, content-type, te,
    // grpc-accept-encoding, grpc-timeout and user-agent (and grpc-encoding,
    // grpc-status, absent from this request).
    assert.deepEqual(
      known.map((e) => e.name).sort(),
      [':authority', ':path', 'content-type', 'grpc-accept-encoding', 'grpc-timeout', 'te', 'user-agent'],
    );
    // The newest entry (index 62) is the last one inserted: user-agent, the
    // request's last indexed field in tshark's wire order.
    const lastIndexed = tsharkBlocks[0].headers
      .map(([n], i) => [n, tsharkBlocks[0].hpack[i][0]])
      .filter(([, r]) => r.startsWith('Literal Header Field with Incremental Indexing'))
      .at(-1)[0];
    assert.equal(known.find((e) => e.index === '62').name, lastIndexed);
    assert.equal(await page.$('.dyn-table tr[data-mark=unknown]'), null, 'a capture from the start has no unknown entries');
    t.diagnostic(`screenshot: ${await session.screenshot('04-dynamic-table-light')}`);
  });

  test('a frame shows its bytes, and each decoded field highlights its span', async (t) => {
    const { page } = session;
    await tab(page, 'frames');
    const list = await rows(page, 'Frames');
    const headers = list.find((r) => r.type === 'HEADERS' && r.dir === 'c→s');
    await clickRow(page, 'Frames', headers.row);
    await page.waitForSelector('.detail[data-kind=frame] .hex-dump');
    // The 9-octet header (RFC 9113 §4.1): the type octet is byte 3, 0x01.
    await page.hover('.hex-field[data-start="3"][data-end="4"]');
    assert.deepEqual(await page.$$eval('.hb.hl', (bs) => bs.map((b) => b.textContent)), ['01']);
    // An HPACK field: :method POST is static index 3, one byte 0x83 (RFC 7541 §6.1).
    const method = page.locator('.hex-field.level-1', { hasText: ':method: POST' });
    await method.hover();
    assert.deepEqual(await page.$$eval('.hb.hl', (bs) => bs.map((b) => b.textContent)), ['83']);
    t.diagnostic(`screenshot: ${await session.screenshot('05-frame-hex-light')}`);
  });

  test('the anomalies list links to where each happened', async (t) => {
    const { page } = session;
    await tab(page, 'anomalies');
    const list = await rows(page, 'Anomalies');
    assert.ok(list.length >= 1, 'the cancelled and deadline streams leave RST_STREAM notes');
    await clickRow(page, 'Anomalies', 0);
    await page.waitForSelector('.detail[data-kind=anomaly]');
    t.diagnostic(`first anomaly: ${list[0].message}`);
    t.diagnostic(`screenshot: ${await session.screenshot('06-anomalies-light')}`);
  });

  test('the connection: endpoints, protocol and counts', async (t) => {
    const { page } = session;
    await tab(page, 'connections');
    const [conn] = await rows(page, 'Connections');
    // README: one TCP connection, client → 127.0.0.1:50051, with 11 calls on streams 1–21.
    assert.equal(conn.server, '127.0.0.1:50051');
    assert.equal(conn.protocol, 'HTTP/2 (prior knowledge)');
    assert.equal(conn.exchanges, '11');
    await clickRow(page, 'Connections', 0);
    await page.waitForSelector('.detail[data-kind=connection]');
    t.diagnostic(`screenshot: ${await session.screenshot('06b-connection-light')}`);
  });

  test('filter, sort and keyboard: the list answers like a devtools panel', async () => {
    const { page } = session;
    await tab(page, 'exchanges');
    const list = () => rows(page, EXCHANGES);
    const count = (n) => page.waitForSelector(`[role=grid][aria-label="${EXCHANGES}"][aria-rowcount="${n}"]`);
    // Failed calls (README): PERMISSION_DENIED, INTERNAL, CANCELLED, DEADLINE_EXCEEDED.
    await page.selectOption('.filter-bar select', 'error');
    await count(4);
    assert.deepEqual(
      (await list()).map((r) => r.grpc.split(' ')[0]),
      ['PERMISSION_DENIED', 'INTERNAL', 'CANCELLED', 'DEADLINE_EXCEEDED'],
    );
    await page.selectOption('.filter-bar select', '');
    // A header that only the denied call's trailers carry (client log:
    // trailing x-deny-reason).
    await page.fill('.filter-text', 'x-deny-reason');
    await count(1);
    assert.equal((await list())[0].where, '0/9');
    await page.fill('.filter-text', '');
    await count(11);
    // Sort by path: the three ListPayments calls after the eight GetPayment ones.
    await page.click(`[aria-label="${EXCHANGES}"] .vt-h[data-key=path]`);
    await page.waitForFunction(() => document.querySelector('.vt-h[data-key=path]')?.getAttribute('aria-sort') === 'ascending');
    await page.waitForFunction(
      (label) => document.querySelector(`[aria-label="${label}"] .vt-row[data-row="10"] [data-key=path]`)?.textContent?.endsWith('ListPayments'),
      EXCHANGES,
    );
    assert.deepEqual(
      (await list()).map((r) => r.path.split('/').at(-1)),
      CALLS.map(([, m]) => m).sort(),
    );
    await page.click(`[aria-label="${EXCHANGES}"] .vt-h[data-key=path]`);
    await page.click(`[aria-label="${EXCHANGES}"] .vt-h[data-key=path]`);
    await page.waitForFunction(
      (label) => document.querySelector(`[aria-label="${label}"] .vt-row[data-row="1"] [data-key=where]`)?.textContent === '0/3',
      EXCHANGES,
    );
    // Keyboard: ↓ moves the selection and shows that call.
    await page.focus(`[role=grid][aria-label="${EXCHANGES}"]`);
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    await page.waitForFunction(() => document.querySelector('.detail[data-kind=exchange] .facts')?.textContent?.includes('stream 3'));
    assert.equal(await page.getAttribute(`[aria-label="${EXCHANGES}"] .vt-row[data-row="1"]`, 'aria-selected'), 'true');
  });

  test('pasting: an HPACK block (RFC 7541 C.3.1) and HTTP/2 frames in hex', async () => {
    const { page } = session;
    await page.click('button:has-text("Paste…")');
    await page.fill('.paste-text', '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d');
    await page.click('.paste-dialog button[type=submit]');
    await page.waitForSelector('.detail[data-kind=hpack]');
    const fields = await page.$$eval('.detail[data-kind=hpack] table[data-view=wire] tbody tr:not(.explain)', (trs) =>
      trs.map((tr) => [tr.children[1].textContent, tr.children[2].textContent]),
    );
    // RFC 7541 C.3.1: the first request, and one entry in the table after it.
    assert.deepEqual(fields, [
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/'],
      [':authority', 'www.example.com'],
    ]);
    const table = await page.$$eval('.detail[data-kind=hpack] .dyn-table tbody tr', (trs) =>
      trs.map((tr) => [...tr.children].map((c) => c.textContent)),
    );
    assert.deepEqual(table, [['62', ':authority', 'www.example.com', '57']]);
    // Raw HTTP/2 frames, recognised by the client preface.
    const h2 = readFileSync(join(fixtures, 'ui', 'xss_request.h2')).toString('hex');
    const previous = await page.evaluate(() => document.body.dataset.session);
    await page.click('button:has-text("Paste…")');
    await page.fill('.paste-text', h2);
    await page.click('.paste-dialog button[type=submit]');
    await waitDecoded(page, 30_000, previous);
    assert.match(await page.textContent('.status'), /pasted HTTP\/2 frames/);
    assert.match(await page.textContent('button[data-tab="blocks"]'), /1/);
  });

  test('a protoset decodes gRPC messages by type (payments.proto)', async (t) => {
    const { page } = session;
    const previous = await page.evaluate(() => document.body.dataset.session);
    await page.setInputFiles('#open-file', join(corpus, 'grpc_python.pcap'));
    await waitDecoded(page, 30_000, previous);
    const again = await page.evaluate(() => document.body.dataset.session);
    await page.setInputFiles('#open-protoset', join(fixtures, 'grpc', 'payments.protoset'));
    await waitDecoded(page, 30_000, again);
    await tab(page, 'exchanges');
    await openExchange(page, 0, 1);
    await page.waitForSelector('.detail[data-kind=exchange] .grpc-message');
    const text = await page.textContent('.detail[data-kind=exchange]');
    // payments.proto: rpc GetPayment(GetPaymentRequest) returns (Payment);
    // proto3 JSON names payment_id → paymentId, account_id → accountId.
    assert.match(text, /payments\.v1\.GetPaymentRequest/);
    assert.match(text, /payments\.v1\.Payment\b/);
    assert.match(text, /paymentId/);
    assert.match(text, /accountId/);
    assert.match(await page.textContent('.status'), /messages by payments\.protoset/);
    await page.locator('.grpc-message').first().scrollIntoViewIfNeeded();
    t.diagnostic(`screenshot: ${await session.screenshot('09-messages-protoset-light')}`);
  });

  test('export: one exchange as JSON and HAR, everything as HAR', async () => {
    const { page } = session;
    await tab(page, 'exchanges');
    await openExchange(page, 0, 1);
    const save = async (what) => {
      await page.click('.menu > summary');
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`button[data-export="${what}"]`)]);
      return readFileSync(await download.path(), 'utf8');
    };
    const lines = (await save('exchange-json')).trim().split('\n').map((l) => JSON.parse(l));
    const exchange = lines.find((e) => e.event === 'exchange');
    assert.equal(exchange.stream_id, 1);
    assert.equal(lines.filter((e) => e.event === 'header_block').length, 3, 'request, response, trailers');
    assert.ok(lines.some((e) => e.event === 'grpc_call' && e.status.name === 'OK'));
    const one = JSON.parse(await save('exchange-har'));
    assert.equal(one.log.version, '1.2');
    assert.equal(one.log.entries.length, 1);
    assert.equal(one.log.entries[0]._stream, 1);
    const all = JSON.parse(await save('all-har'));
    assert.equal(all.log.entries.length, CALLS.length);
  });

  test('compare two requests: the values that differ in tshark’s decode are the ones marked', async (t) => {
    const { page } = session;
    await openExchange(page, 0, 1);
    await page.click('.detail[data-kind=exchange] button[data-compare=left]');
    await openExchange(page, 1, 3);
    await page.click('.detail[data-kind=exchange] button[data-compare=right]');
    await page.waitForSelector('.detail[data-kind=diff]');
    const changed = await page.$$eval(
      '.diff-section:first-of-type table[data-view=diff-wire] tr[data-change]:not([data-change=same])',
      (trs) => [...new Set(trs.map((tr) => tr.children[1].textContent || tr.children[5].textContent))],
    );
    // Oracle: names whose values differ between the two request blocks in
    // tshark's decode (-bin values excluded: tshark shows true-binary ones
    // as "", README).
    const [a, b] = tsharkBlocks.filter((x) => x.headers.some(([n]) => n === ':path')).slice(0, 2);
    const values = (blk, name) => blk.headers.filter(([n]) => n === name).map(([, v]) => v).join('\n');
    const names = [...new Set([...a.headers, ...b.headers].map(([n]) => n))].filter((n) => !n.endsWith('-bin'));
    const expected = names.filter((n) => values(a, n) !== values(b, n)).sort();
    assert.deepEqual(changed.filter((n) => !n.endsWith('-bin')).sort(), expected);
    t.diagnostic(`changed between the requests: ${expected.join(', ')}`);
    t.diagnostic(`screenshot: ${await session.screenshot('07-compare-light')}`);
  });
});

describe('two captures', () => {
  test('pairs the exchanges of two runs and compares a pair', async (t) => {
    const { page } = session;
    await openFile(page, join(corpus, 'grpc_python.pcap'));
    await tab(page, 'compare');
    await page.setInputFiles('#second-file', join(corpus, 'grpc_python_small_table.pcap'));
    await page.waitForSelector('table.pairs tbody tr', { timeout: 30_000 });
    const pairs = await page.$$eval('table.pairs tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
    // The same client run twice (README): every call pairs with its twin.
    assert.equal(pairs.length, CALLS.length);
    pairs.forEach(([left, right], i) => {
      const [stream, method] = CALLS[i];
      assert.equal(left, `${method} · 0/${stream}`);
      assert.equal(right, `${method} · 0/${stream}`);
    });
    await page.click('table.pairs tbody tr >> nth=0');
    await page.waitForSelector('.detail[data-kind=diff]');
    const changed = await page.$$eval(
      '.diff-section:first-of-type table[data-view=diff-wire] tr[data-change]:not([data-change=same])',
      (trs) => [...new Set(trs.map((tr) => tr.children[1].textContent || tr.children[5].textContent))],
    );
    // README (grpc_python_small_table): "its values equal grpc_python's
    // apart from ports, trace ids and timeouts".
    for (const name of changed) assert.ok([':authority', 'x-trace-id', 'grpc-timeout'].includes(name), name);
    assert.ok(changed.includes(':authority'), 'the server port differs');
    t.diagnostic(`request headers that differ: ${changed.join(', ')}`);
    t.diagnostic(`screenshot: ${await session.screenshot('10-compare-two-captures-light')}`);
  });
});

describe('TLS with a key log (h2_tls_curl.pcap)', () => {
  test('without keys the connections say so; with the key log the exchanges appear', async (t) => {
    const { page } = session;
    if (await page.isHidden('label[for=open-keylog]')) {
      t.skip('this build of the h2lens package has no keylog option (TLS decryption)');
      return;
    }
    await openFile(page, join(corpus, 'h2_tls_curl.pcap'));
    await tab(page, 'connections');
    const before = await rows(page, 'Connections');
    // README: three TLS connections (1.3, 1.2, 1.3), ALPN h2.
    assert.equal(before.length, 3);
    assert.ok(before.every((r) => /TLS 1\.[23].*needs a key log/.test(r.protocol)), JSON.stringify(before));
    const previous = await page.evaluate(() => document.body.dataset.session);
    await page.setInputFiles('#open-keylog', join(corpus, 'h2_tls_curl.keys.log'));
    await waitDecoded(page, 30_000, previous);
    await tab(page, 'exchanges');
    // README: 3 requests on the first connection, one on each of the others.
    assert.equal((await rows(page, EXCHANGES)).length, 5);
    await tab(page, 'connections');
    const after = await rows(page, 'Connections');
    // README: TLS 1.3, 1.2, 1.3; ALPN negotiates h2.
    assert.deepEqual(
      after.map((r) => r.protocol.split(',').slice(0, 2).join(',')),
      ['HTTP/2 over TLS 1.3 (decrypted), ALPN h2', 'HTTP/2 over TLS 1.2 (decrypted), ALPN h2', 'HTTP/2 over TLS 1.3 (decrypted), ALPN h2'],
    );
    await page.evaluate(() => document.querySelector('#open-keylog').value = '');
  });
});

describe('the mid-stream capture (grpc_python_midstream.pcap)', () => {
  test('unknown dynamic-table entries are marked', async (t) => {
    const { page } = session;
    await openFile(page, join(corpus, 'grpc_python_midstream.pcap'));
    await tab(page, 'blocks');
    const list = await rows(page, 'Header blocks');
    assert.ok(list.every((r) => r.table === 'partly unknown'), 'no block decodes with a known table');
    // A later request: the table has known entries and unknown older ones.
    const requests = list.filter((r) => r.role === 'request');
    await clickRow(page, 'Header blocks', requests[1].row);
    await page.waitForSelector('.detail[data-kind=block]');
    assert.ok((await page.$$('table[data-view=wire] tr.unknown-row')).length > 0, 'fields from unknown entries are marked');
    await page.click('button:has-text("Dynamic table before this block")');
    await page.waitForSelector('.detail[data-kind=table]');
    assert.ok(await page.$('.dyn-table tr[data-mark=unknown]'), 'the table view marks unknown older entries');
    assert.match(await page.textContent('.detail[data-kind=table] .warn-note'), /unknown/);
    t.diagnostic(`screenshot: ${await session.screenshot('08-midstream-table-light')}`);
  });
});

describe('a reader worker that does not answer in time', () => {
  // A start timeout of 0 ms: the reader worker cannot answer before it
  // passes (its script is still being fetched), as when headless Firefox
  // never started it. Decoding must fall back to the session worker and
  // give the same calls, not wait forever.
  test('decoding falls back to the session worker, with the same result', async () => {
    const { page } = session;
    await page.evaluate(() => localStorage.setItem('h2lens.readerStartTimeoutMs', '0'));
    try {
      await openFile(page, join(corpus, 'grpc_python.pcap'));
      await tab(page, 'exchanges');
      assertCallRows(await rows(page, EXCHANGES));
      const fallen = await page.evaluate(() => globalThis.h2lensInspector.timings.profile);
      assert.equal(fallen?.pipeline, false, 'decoding ran in the session worker');
    } finally {
      await page.evaluate(() => localStorage.removeItem('h2lens.readerStartTimeoutMs'));
    }
    await openFile(page, join(corpus, 'grpc_python.pcap'));
    const normal = await page.evaluate(() => globalThis.h2lensInspector.timings.profile);
    assert.equal(normal?.pipeline, true, 'with the default timeout, decoding runs in the reader worker');
  });
});

describe('privacy', () => {
  test('every request was a GET of one of the site’s own files, and nothing failed', () => {
    assert.ok(session.requests.some((u) => u.endsWith('.wasm')), 'the worker fetched the wasm module');
    assert.deepEqual(requestProblems(session), []);
    assert.deepEqual(session.consoleErrors, []);
  });
});

describe('static hosting', () => {
  test('the built site works from a sub-folder of a static host', async () => {
    const root = mkdtempSync(join(tmpdir(), 'h2lens-site-'));
    cpSync(dist, join(root, 'tools', 'h2lens'), { recursive: true });
    const sub = await openServedPage(root, 'tools/h2lens/');
    try {
      await ready(sub.page);
      await sub.page.click('button[data-action=sample]');
      await waitDecoded(sub.page, 60_000, null);
      assert.equal((await rows(sub.page, EXCHANGES)).length, 11);
      assert.ok(sub.requests.every((u) => new URL(u).pathname.startsWith('/tools/h2lens/')), sub.requests.join('\n'));
      assert.deepEqual(sub.consoleErrors, []);
    } finally {
      await sub.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('dark theme', () => {
  test('follows the system and keeps the main views readable', async (t) => {
    const dark = await openServedPage(dist, '', { colorScheme: 'dark' });
    try {
      const { page } = dark;
      await ready(page);
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.notEqual(bg, 'rgb(255, 255, 255)');
      await page.click('button[data-action=sample]');
      await waitDecoded(page, 60_000, null);
      assert.equal((await rows(page, EXCHANGES)).length, 11);
      await clickRow(page, EXCHANGES, 0);
      await page.waitForSelector('.detail[data-kind=exchange]');
      t.diagnostic(`screenshot: ${await dark.screenshot('11-exchange-wire-dark')}`);
      await page.click('button[data-mode=grouped]');
      t.diagnostic(`screenshot: ${await dark.screenshot('12-exchange-grouped-dark')}`);
      await page.click('section[data-role=request] button:has-text("Dynamic table")');
      await page.waitForSelector('.detail[data-kind=table]');
      t.diagnostic(`screenshot: ${await dark.screenshot('13-dynamic-table-dark')}`);
      assert.deepEqual(requestProblems(dark), []);
      assert.deepEqual(dark.consoleErrors, []);
    } finally {
      await dark.close();
    }
  });
});
