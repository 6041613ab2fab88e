// The decoding API in a real browser: a page built with Vite from the
// installed npm package (as a user's app would be) runs in headless
// Chromium, decodes a capture (whole, and streamed from a File-like Blob),
// does an HPACK round trip, and hands its results back; Node's decode() of
// the same bytes is the reference. Prints the browser's init() time.

import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { build } from 'vite';
import { importInstalled, installPackedPackage } from '../node/support/package.mjs';
import { openServedPage, repoRoot } from './support/browser.mjs';

const FIXTURE = join(repoRoot, 'tests', 'fixtures', 'corpus', 'grpc_python.pcapng');

let project;
let session;
let results;

const MAIN = `
import init, { decode, decodeStream, hpackDecode, hpackEncode, grpcCalls, version } from 'h2lens';
const out = {};
try {
  const t0 = performance.now();
  await init();
  out.initMs = performance.now() - t0;
  out.version = version();
  const bytes = new Uint8Array(await (await fetch('./capture.pcapng')).arrayBuffer());
  const t1 = performance.now();
  out.report = decode(bytes, { har: true });
  out.decodeMs = performance.now() - t1;
  const batches = [];
  const file = new File([bytes], 'capture.pcapng');
  out.streamed = await decodeStream(file, { chunkSize: 1500, onEvents: (b) => batches.push(b.length) });
  out.batches = batches;
  out.statuses = grpcCalls(out.report).map((c) => c.status?.name);
  out.roundTrip = hpackDecode(hpackEncode([[':path', '/x'], ['x-bin', { hex: '00ff' }]])).fields.map((f) => [f.name, f.value]);
  out.misuse = (() => { try { decode('nope'); return 'no throw'; } catch (e) { return e instanceof Error ? e.message : 'not an Error'; } })();
  document.body.dataset.h2lens = 'done';
} catch (err) {
  out.error = String(err?.stack ?? err);
  document.body.dataset.h2lens = 'error';
}
globalThis.results = out;
`;

before(async () => {
  project = installPackedPackage('h2lens-browser-api-');
  const { dir } = project;
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self'; img-src 'self' data:">
<link rel="icon" href="data:,"><title>h2lens API in the browser</title>
<script type="module" src="./main.js"></script>\n`,
  );
  writeFileSync(join(dir, 'main.js'), MAIN);
  await build({
    root: dir,
    configFile: false,
    logLevel: 'warn',
    build: { target: 'es2022', outDir: join(dir, 'dist'), emptyOutDir: true },
  });
  mkdirSync(join(dir, 'dist'), { recursive: true });
  copyFileSync(FIXTURE, join(dir, 'dist', 'capture.pcapng'));
  session = await openServedPage(join(dir, 'dist'));
  await session.page.waitForSelector('body[data-h2lens="done"], body[data-h2lens="error"]', { state: 'attached', timeout: 30_000 });
  results = await session.page.evaluate(() => globalThis.results);
});

after(async () => {
  await session?.close();
  project?.cleanup();
});

test('decode() in Chromium gives what decode() gives in Node, streamed or whole', async (t) => {
  assert.equal(results.error, undefined, results.error);
  t.diagnostic(`init() in Chromium (fetch + compile + instantiate, Vite build): ${results.initMs.toFixed(1)} ms`);
  t.diagnostic(`decode() of grpc_python.pcapng (22 kB) in Chromium: ${results.decodeMs.toFixed(1)} ms`);
  const h2lens = await importInstalled(project.dir);
  const { readFileSync } = await import('node:fs');
  const expected = h2lens.decode(new Uint8Array(readFileSync(FIXTURE)), { har: true });
  assert.deepEqual(results.report, expected);
  assert.deepEqual(results.streamed.summary, expected.summary);
  assert.equal(results.batches.reduce((a, b) => a + b, 0), expected.events.length);
  assert.ok(results.batches.length > 5);
  assert.equal(results.statuses.length, 11);
  assert.deepEqual(results.roundTrip, [[':path', '/x'], ['x-bin', { text: '\u0000\\xff', hex: '00ff' }]]);
  assert.equal(results.misuse, 'decode: bytes must be a Uint8Array, got string');
});

test('no console errors, and no request leaves the page origin', () => {
  assert.deepEqual(session.consoleErrors, []);
  const foreign = session.requests.filter((u) => !u.startsWith('data:') && new URL(u).origin !== session.origin);
  assert.deepEqual(foreign, []);
});
