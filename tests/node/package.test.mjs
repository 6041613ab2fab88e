// The npm package as a user installs it: packed, installed from the tarball
// into a temp project, imported by name from there.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { builtWasm, installPackedPackage, pkgDir, runModule } from './support/package.mjs';

const manifest = JSON.parse(readFileSync(`${pkgDir}/package.json`, 'utf8'));
let project;
let probe;

// One fresh process does the import (so its timing is a cold load) and every
// call; each test below checks one part of what it saw.
const PROBE = `
const t0 = performance.now();
const h2lens = await import('h2lens');
const loadMs = performance.now() - t0;

function attempt(fn) {
  try {
    return { returned: fn() };
  } catch (err) {
    return { threw: { isError: err instanceof Error, name: err?.name, message: String(err?.message ?? err) } };
  }
}

const bytes = (...b) => new Uint8Array(b);
const out = {
  loadMs,
  exports: Object.keys(h2lens).sort(),
  version: h2lens.version(),
  defaultConfig: h2lens.defaultConfig(),
  configDefaultJson: JSON.stringify(h2lens.config()),
  configMerged: h2lens.config({ hpack: { max_table_size: 4096 }, output: { table_events: false } }),
  octetsUtf8: h2lens.octets(new TextEncoder().encode('caf\\u00e9 /grpc.health.v1.Health/Check')),
  octetsEmpty: h2lens.octets(bytes()),
  octetsBinary: h2lens.octets(bytes(0x00, 0x61, 0xff, 0x5c, 0xc3)),
  misuse: {
    octetsString: attempt(() => h2lens.octets('abc')),
    octetsNumber: attempt(() => h2lens.octets(42)),
    octetsArray: attempt(() => h2lens.octets([1, 2, 3])),
    octetsMissing: attempt(() => h2lens.octets()),
    octetsBuffer: attempt(() => h2lens.octets(new ArrayBuffer(4))),
    configString: attempt(() => h2lens.config('hpack')),
    configArray: attempt(() => h2lens.config([])),
    configFieldType: attempt(() => h2lens.config({ hpack: { max_table_size: 'big' } })),
    configNegative: attempt(() => h2lens.config({ hpack: { max_table_size: -1 } })),
  },
  // Node Buffers are Uint8Arrays and must be accepted.
  octetsNodeBuffer: h2lens.octets(Buffer.from('ok')),
  afterMisuse: h2lens.version(),
};
console.log(JSON.stringify(out));
`;

before(() => {
  project = installPackedPackage();
  probe = runModule(project.dir, PROBE);
});

after(() => project?.cleanup());

test('the tarball holds the entry points, types, glue and wasm, and nothing else', () => {
  assert.deepEqual(project.files, [
    'README.md',
    'core.js',
    'index.d.ts',
    'index.js',
    'node.js',
    'package.json',
    'pkg/h2lens.js',
    'pkg/h2lens_bg.node.wasm',
    'pkg/h2lens_bg.wasm',
    'pool.js',
    'shard.js',
    'worker.js',
  ]);
});

test('loads by name in Node and reports the package version', (t) => {
  t.diagnostic(`cold import of 'h2lens' (read + compile + instantiate): ${probe.loadMs.toFixed(1)} ms`);
  assert.deepEqual(probe.exports, [
    'Decoder',
    'HpackDecoder',
    'HpackEncoder',
    'bytesToHex',
    'config',
    'decode',
    'decodeFile',
    'decodeStream',
    'default',
    'defaultConfig',
    'diffHeaders',
    'eventTypes',
    'groupMetadata',
    'grpcCalls',
    'hexToBytes',
    'hpackDecode',
    'hpackEncode',
    'initSync',
    'octets',
    'octetsToBytes',
    'pairExchanges',
    'parseTap',
    'version',
  ]);
  assert.equal(probe.version, manifest.version);
});

test('defaultConfig() crosses as a plain JSON-compatible object of limits', () => {
  const cfg = probe.defaultConfig;
  assert.deepEqual(Object.keys(cfg).sort(), ['capture', 'flood', 'frame', 'grpc', 'hpack', 'output', 'tcp']);
  for (const [section, fields] of Object.entries(cfg)) {
    assert.equal(typeof fields, 'object', section);
    assert.ok(Object.keys(fields).length > 0, section);
    for (const [name, value] of Object.entries(fields)) {
      if (section === 'output' && ['data_payloads', 'header_fields'].includes(name)) continue; // choices, checked below
      const ok = typeof value === 'boolean' || (Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff);
      assert.ok(ok, `${section}.${name} = ${value} is not a u32 or bool`);
    }
  }
  assert.equal(cfg.output.data_payloads, 'none');
  assert.equal(cfg.output.header_fields, 'explained');
  // config() with no overrides is the same object.
  assert.equal(probe.configDefaultJson, JSON.stringify(cfg));
});

test('config(overrides) merges a partial object over the defaults', () => {
  const expected = structuredClone(probe.defaultConfig);
  expected.hpack.max_table_size = 4096;
  expected.output.table_events = false;
  assert.deepEqual(probe.configMerged, expected);
});

test('octets(): UTF-8 bytes arrive as a string, other bytes as {text, hex}', () => {
  assert.equal(probe.octetsUtf8, 'caf\u00e9 /grpc.health.v1.Health/Check');
  assert.equal(probe.octetsEmpty, '');
  assert.equal(probe.octetsNodeBuffer, 'ok');
  // serde-wasm-bindgen reports is_human_readable() == true, so the core's
  // Octets choose hex (as in the CLI's JSON), not a Uint8Array.
  const raw = Buffer.from([0x00, 0x61, 0xff, 0x5c, 0xc3]);
  assert.deepEqual(probe.octetsBinary, {
    text: '\u0000a\\xff\\\\\\xc3',
    hex: raw.toString('hex'),
  });
});

test('a wrong argument type throws an Error with a plain-words message', () => {
  const m = probe.misuse;
  for (const [name, result] of Object.entries(m)) {
    assert.ok(result.threw, `${name} should throw, returned ${JSON.stringify(result.returned)}`);
    assert.equal(result.threw.isError, true, `${name} should throw an Error instance`);
  }
  assert.equal(m.octetsString.threw.message, 'octets: bytes must be a Uint8Array, got string');
  assert.equal(m.octetsArray.threw.message, 'octets: bytes must be a Uint8Array, got an array');
  assert.equal(m.octetsMissing.threw.message, 'octets: bytes must be a Uint8Array, got undefined');
  assert.equal(m.configString.threw.message, 'config: overrides must be an object, got string');
  assert.match(m.configFieldType.threw.message, /^config: invalid overrides: .*"big".*u32/);
  // The module keeps working after a throw (no trap, no poisoned state).
  assert.equal(probe.afterMisuse, manifest.version);
});

test('the wasm module imports only from its wasm-bindgen glue (no "env")', () => {
  const module = new WebAssembly.Module(readFileSync(builtWasm));
  const modules = new Set(WebAssembly.Module.imports(module).map((i) => i.module));
  assert.deepEqual([...modules], ['./h2lens_bg.js']);
});

test('the browser entry works in Node with init(bytes), and refuses calls before init', () => {
  const out = runModule(
    project.dir,
    `
    import { readFileSync } from 'node:fs';
    const entry = new URL('./node_modules/h2lens/index.js', import.meta.url);
    const h2lens = await import(entry);
    let early;
    try { h2lens.version(); } catch (err) { early = { isError: err instanceof Error, message: err.message }; }
    await h2lens.default(readFileSync(new URL('./node_modules/h2lens/pkg/h2lens_bg.wasm', import.meta.url)));
    await h2lens.default(); // a second call is harmless
    console.log(JSON.stringify({ early, version: h2lens.version() }));
    `,
  );
  assert.equal(out.early?.isError, true);
  assert.match(out.early.message, /call `await init\(\)`/);
  assert.equal(out.version, manifest.version);
});

test('the browser module (size-optimised) and the Node module (speed-optimised) decode alike', () => {
  // Both are built from the same code by scripts/build-wasm.sh with two
  // profiles; the browser entry loads one, the Node entry the other.
  const out = runModule(
    project.dir,
    `
    import { readFileSync } from 'node:fs';
    import * as node from 'h2lens';
    const browser = await import(new URL('./node_modules/h2lens/index.js', import.meta.url));
    await browser.default(readFileSync(new URL('./node_modules/h2lens/pkg/h2lens_bg.wasm', import.meta.url)));
    const dir = ${JSON.stringify(join(pkgDir, '..', '..', 'tests', 'fixtures'))};
    const same = [];
    for (const f of ['corpus/grpc_python.pcapng', 'corpus/h2c_push_padding.pcapng', 'corpus/h2_tls_curl.pcap']) {
      const bytes = readFileSync(dir + '/' + f);
      const a = JSON.stringify(node.decode(bytes));
      const b = JSON.stringify(browser.decode(bytes));
      same.push([f, a === b, a.length]);
    }
    const sizes = ['h2lens_bg.wasm', 'h2lens_bg.node.wasm'].map(
      (n) => readFileSync(new URL('./node_modules/h2lens/pkg/' + n, import.meta.url)).length,
    );
    console.log(JSON.stringify({ same, sizes }));
    `,
  );
  for (const [file, equal, length] of out.same) {
    assert.ok(equal && length > 1000, `${file}: the two modules differ`);
  }
  assert.ok(out.sizes[0] < out.sizes[1], `the browser module is the smaller one: ${out.sizes}`);
});

test('the README’s Node example runs as written (on a corpus capture)', async () => {
  const { spawnSync } = await import('node:child_process');
  const { writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const readme = readFileSync(`${pkgDir}/README.md`, 'utf8');
  const example = readme.split('## Node')[1].match(/```js\n([\s\S]*?)```/)[1];
  assert.ok(example.split('\n').filter(Boolean).length <= 10, 'a 10-line example');
  const capture = join(pkgDir, '..', '..', 'tests', 'fixtures', 'corpus', 'grpc_python.pcapng');
  const file = join(project.dir, 'readme-example.mjs');
  writeFileSync(file, example.replace("'capture.pcapng'", JSON.stringify(capture)));
  const out = spawnSync(process.execPath, [file], { cwd: project.dir, encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  const lines = out.stdout.trim().split('\n');
  assert.equal(lines.at(-1), '30 header blocks');
  assert.equal(lines.filter((l) => l.startsWith('/payments.v1.Payments/')).length, 11, 'one line per gRPC call');
});
