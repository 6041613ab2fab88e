// Captures are hostile. Header names and values, paths and messages that
// are markup must show as characters and run nothing; and the page must
// never send decoded data anywhere.
//
// Inputs (tests/fixtures/ui, made by make-xss.mjs): raw HTTP/2 whose header
// block was encoded by `h2lens hpack encode`, and a linkerd tap JSON, both
// full of the strings in hostile.mjs. If any of them ran, it would set
// window.__xss, open a dialog, or add an element (img, svg, iframe, script,
// b) to the page.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { HOSTILE } from '../fixtures/ui/hostile.mjs';
import { openServedPage } from './support/browser.mjs';
import { clickRow, currentSession, dist, openFile, ready, requestProblems, rows, tab, waitDecoded } from './support/inspector.mjs';
import { fixtures, repoRoot } from './support/paths.mjs';

const ui = join(fixtures, 'ui');
let session;

/** Elements a successful injection would add; the inspector itself makes none of these. */
async function injected(page) {
  return page.evaluate(() => ({
    xss: globalThis.__xss ?? null,
    elements: [...document.querySelectorAll('img, svg, iframe, b, object, embed, script:not([src])')].map(
      (e) => e.outerHTML.slice(0, 80),
    ),
    scripts: document.querySelectorAll('script').length,
  }));
}

before(async () => {
  session = await openServedPage(dist);
  await ready(session.page);
});
after(async () => session?.close());

test('the sources never hand data to an HTML parser', () => {
  // DOM is built with createElement/textContent only (www/src/ui/dom.ts).
  const sinks = /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|createContextualFragment|DOMParser|srcdoc|\beval\(|new Function\(/;
  const offenders = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.(ts|js)$/.test(name)) {
        readFileSync(full, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            const code = line.trim();
            if (code.startsWith('//') || code.startsWith('*')) return;
            if (sinks.test(code)) offenders.push(`${full}:${i + 1}: ${code}`);
          });
      }
    }
  };
  walk(join(repoRoot, 'www', 'src'));
  assert.deepEqual(offenders, []);
});

test('the policy forbids other origins, inline script and HTML sinks (Trusted Types)', async () => {
  const { page } = session;
  const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
  for (const rule of [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "connect-src 'self'",
    "require-trusted-types-for 'script'",
  ]) {
    assert.ok(csp.includes(rule), `missing ${rule}`);
  }
  // The browser enforces it: an HTML sink throws. (In a page of its own,
  // so the refusal's console message does not count as the page's error.)
  const probe = await session.context.newPage();
  try {
    await probe.goto(session.url);
    const refused = await probe.evaluate(() => {
      try {
        document.createElement('div').innerHTML = '<b>x</b>';
        return false;
      } catch {
        return true;
      }
    });
    assert.equal(refused, true, 'innerHTML with a string is refused');
  } finally {
    await probe.close();
  }
});

test('raw HTTP/2 with hostile headers: shown as text, nothing runs', async (t) => {
  const { page } = session;
  const before = (await injected(page)).scripts;
  await openFile(page, join(ui, 'xss_request.h2'));
  // One direction of a connection: the request block is there; the
  // exchange never completes, so look at the header block.
  await tab(page, 'blocks');
  const list = await rows(page, 'Header blocks');
  assert.equal(list.length, 1);
  assert.ok(list[0].label.includes(HOSTILE.path), list[0].label);
  await clickRow(page, 'Header blocks', 0);
  await page.waitForSelector('.detail[data-kind=block]');
  const text = await page.textContent('.detail[data-kind=block]');
  for (const s of [HOSTILE.img, HOSTILE.script, HOSTILE.svg, HOSTILE.path, HOSTILE.authority, HOSTILE.name]) {
    assert.ok(text.includes(s), `shown literally: ${s}`);
  }
  // Characters that would reorder or hide text are shown as symbols.
  assert.ok(text.includes('invoice<U+202E>fdp.exe'), 'a bidi override is made visible');
  assert.ok(text.includes('a\\x00b'), 'a NUL is shown as \\x00');
  assert.ok(!text.includes('\u202E') && !text.includes('\u0000'));
  await page.click('button[data-mode=grouped]');
  await page.click('button[data-mode=wire]');
  await page.click('button:has-text("Dynamic table before this block")');
  await page.waitForSelector('.detail[data-kind=table]');
  await tab(page, 'frames');
  await clickRow(page, 'Frames', 1);
  await page.waitForSelector('.detail[data-kind=frame] .hex-dump');
  assert.ok((await page.textContent('.detail[data-kind=frame]')).includes(HOSTILE.img));
  const after = await injected(page);
  assert.deepEqual(after, { xss: null, elements: [], scripts: before });
  t.diagnostic(`screenshot: ${await session.screenshot('20-xss-frame')}`);
});

test('a linkerd tap with hostile headers, paths and grpc-message: shown as text, nothing runs', async (t) => {
  const { page } = session;
  const before = (await injected(page)).scripts;
  await openFile(page, join(ui, 'xss_linkerd_tap.json'));
  await tab(page, 'exchanges');
  const list = await rows(page, 'Calls and exchanges');
  assert.equal(list.length, 1);
  assert.equal(list[0].path, HOSTILE.path);
  await clickRow(page, 'Calls and exchanges', 0);
  await page.waitForSelector('.detail[data-kind=exchange]');
  const text = await page.textContent('.detail[data-kind=exchange]');
  // grpc-message is percent-encoded on the wire; the detail shows it decoded.
  for (const s of [HOSTILE.img, HOSTILE.script, HOSTILE.svg, HOSTILE.path, HOSTILE.authority, HOSTILE.name]) {
    assert.ok(text.includes(s), `shown literally: ${s}`);
  }
  await page.click('button[data-mode=grouped]');
  // Filtering runs the text through the worker's search, not the DOM.
  await tab(page, 'exchanges');
  await page.fill('.filter-text', 'no such text anywhere');
  await page.waitForFunction(() => document.querySelector('.list-count')?.textContent === '0 of 1 exchanges');
  await page.fill('.filter-text', '<img src=x');
  await page.waitForFunction(() => document.querySelector('.list-count')?.textContent === '1 exchanges');
  const after = await injected(page);
  assert.deepEqual(after, { xss: null, elements: [], scripts: before });
  t.diagnostic(`screenshot: ${await session.screenshot('21-xss-tap')}`);
});

test('pasted hostile hex (an HPACK block) is decoded and shown as text', async () => {
  const { page } = session;
  // `h2lens hpack encode` wrote this block into xss_request.h2: it starts
  // after the 24-octet preface, a 9-octet SETTINGS frame and the HEADERS
  // frame's 9-octet header.
  const block = readFileSync(join(ui, 'xss_request.h2')).subarray(24 + 9 + 9);
  await page.click('button:has-text("Paste…")');
  await page.fill('.paste-text', block.toString('hex').replace(/(..)/g, '$1 '));
  await page.selectOption('.paste-dialog select', 'hpack');
  await page.click('.paste-dialog button[type=submit]');
  await page.waitForSelector('.detail[data-kind=hpack]');
  const text = await page.textContent('.detail[data-kind=hpack]');
  assert.ok(text.includes(HOSTILE.img) && text.includes(HOSTILE.script));
  assert.deepEqual((await injected(page)).elements, []);
});

test('no dialog opened, no error, and every request was one of the site’s own files', () => {
  assert.deepEqual(session.dialogs, []);
  assert.deepEqual(session.consoleErrors, []);
  assert.deepEqual(requestProblems(session), []);
});

test('a dropped capture decodes like an opened one (drag and drop)', async () => {
  const { page } = session;
  await tab(page, 'exchanges');
  await page.fill('.filter-text', '');
  const bytes = [...readFileSync(join(fixtures, 'corpus', 'grpc_python.pcap'))];
  const previous = await currentSession(page);
  await page.evaluate((data) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(data)], 'dropped.pcap'));
    for (const type of ['dragenter', 'dragover', 'drop']) {
      window.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }
  }, bytes);
  await waitDecoded(page, 60_000, previous);
  await tab(page, 'exchanges');
  // (The emptied filter applies once its input settles.)
  await page.waitForSelector('[role=grid][aria-label="Calls and exchanges"][aria-rowcount="11"]');
  assert.equal((await rows(page, 'Calls and exchanges')).length, 11);
  assert.match(await page.textContent('.status'), /dropped\.pcap/);
});
