// Bundler compatibility: a user's Vite project that imports the installed
// package builds, with the .wasm emitted as an asset and referenced by URL.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { build } from 'vite';
import { builtWasm, installPackedPackage } from './support/package.mjs';

let project;
before(() => {
  project = installPackedPackage('h2lens-vite-');
});
after(() => project?.cleanup());

test('vite build of a page that imports h2lens emits the wasm and the browser entry', async () => {
  const { dir } = project;
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><title>t</title><link rel="icon" href="data:,"><script type="module" src="./main.js"></script>\n',
  );
  writeFileSync(
    join(dir, 'main.js'),
    "import init, { version } from 'h2lens';\nawait init();\ndocument.title = version();\n",
  );
  await build({
    root: dir,
    configFile: false,
    logLevel: 'warn',
    build: { target: 'es2022', outDir: join(dir, 'dist'), emptyOutDir: true },
  });

  const assets = readdirSync(join(dir, 'dist', 'assets'));
  const wasm = assets.filter((f) => f.endsWith('.wasm'));
  const js = assets.filter((f) => f.endsWith('.js'));
  assert.equal(wasm.length, 1, `one .wasm asset expected, got ${assets.join(', ')}`);
  assert.ok(readFileSync(join(dir, 'dist', 'assets', wasm[0])).equals(readFileSync(builtWasm)), 'wasm copied unchanged');
  const bundle = js.map((f) => readFileSync(join(dir, 'dist', 'assets', f), 'utf8')).join('\n');
  assert.ok(bundle.includes(wasm[0]), 'the bundle references the emitted .wasm');
  assert.ok(!bundle.includes('node:fs'), 'the browser entry was chosen, not the Node one');
});
