// The hand-written TypeScript declarations (npm/h2lens/index.d.ts): they
// compile for a user, and they describe what the module really returns.
//
// Drift guard: every result of every fixture (and of hostile and synthetic
// inputs that reach the rarer shapes) is checked key by key against the
// declared types, through the TypeScript compiler's own reading of
// index.d.ts (support/schema.mjs): an undeclared key, a missing required
// key or a value of another type fails, and so does a declared event tag
// that no input produces.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fixtureInputs, fixturesDir, importInstalled, installPackedPackage, pkgDir, repoRoot } from './support/package.mjs';
import { loadSchema } from './support/schema.mjs';

let project;
let h2lens;
let schema;

before(async () => {
  project = installPackedPackage('h2lens-types-');
  h2lens = await importInstalled(project.dir);
  schema = loadSchema(join(pkgDir, 'index.d.ts'));
});

after(() => project?.cleanup());

const read = (rel) => new Uint8Array(readFileSync(join(fixturesDir, rel)));

test('tsc --noEmit accepts tests/node/types-usage.ts and its expected errors', () => {
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const out = spawnSync(process.execPath, [tsc, '--noEmit', '-p', join(repoRoot, 'tests/node/tsconfig.json')], {
    encoding: 'utf8',
  });
  assert.equal(out.status, 0, `tsc failed:\n${out.stdout}${out.stderr}`);
});

/** An HTTP/2 frame (RFC 9113 §4.1). */
function frame(type, flags, stream, payload) {
  const p = Uint8Array.from(payload);
  const out = new Uint8Array(9 + p.length);
  out.set([p.length >> 16, (p.length >> 8) & 0xff, p.length & 0xff, type, flags, stream >>> 24, (stream >> 16) & 0xff, (stream >> 8) & 0xff, stream & 0xff]);
  out.set(p, 9);
  return out;
}

const concat = (parts) => Uint8Array.from(parts.flatMap((p) => [...p]));
const ascii = (s) => [...new TextEncoder().encode(s)];
const PREFACE = new TextEncoder().encode('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/**
 * A client stream with the rarer frames (ALTSVC, ORIGIN, PRIORITY_UPDATE,
 * an unknown type, GOAWAY with debug data, a malformed WINDOW_UPDATE) and a
 * gRPC call whose numbers pass 2^53: a 99999999H timeout and a protobuf
 * varint of 2^64 - 1 (serialized as strings, `SafeInt`).
 */
function synthetic() {
  const headers = h2lens.hpackEncode([
    [':method', 'POST'],
    [':scheme', 'http'],
    [':path', '/big.v1.Numbers/Get'],
    [':authority', 'example'],
    ['content-type', 'application/grpc'],
    ['te', 'trailers'],
    ['grpc-timeout', '99999999H'],
    ['x-bin', { hex: '00ff' }],
  ]);
  const message = [0x08, ...Array(9).fill(0xff), 0x01, 0x11, ...Array(8).fill(0xff), 0x1d, 0, 0, 0xc0, 0x7f];
  const grpc = [0, 0, 0, 0, message.length, ...message];
  return concat([
    PREFACE,
    frame(0x4, 0, 0, []),
    frame(0xa, 0, 0, [0, 3, ...ascii('a.b'), ...ascii('h2=":443"')]),
    frame(0xc, 0, 0, [0, 9, ...ascii('https://x')]),
    frame(0x10, 0, 0, [0, 0, 0, 1, ...ascii('u=1')]),
    frame(0xfe, 0, 0, [1, 2, 3]),
    frame(0x8, 0, 0, [0, 0]),
    frame(0x1, 0x4, 1, [...headers]),
    frame(0x0, 0x1, 1, grpc),
    frame(0x7, 0, 0, [0, 0, 0, 1, 0, 0, 0, 0, ...ascii('bye')]),
  ]);
}

test('every event, report, exchange and HAR of every fixture matches index.d.ts (drift guard)', () => {
  const problems = new Map();
  const note = (list) => {
    for (const p of list) {
      const key = p.replace(/\[\d+\]/g, '[]');
      problems.set(key, (problems.get(key) ?? 0) + 1);
    }
  };
  const tags = new Set();
  const frameTypes = new Set();
  const protoset = read('grpc/payments.protoset');
  const options = {
    har: true,
    config: { output: { frame_bytes: 64, header_block_bytes: true, data_payloads: 'all' } },
  };
  const inputs = fixtureInputs().map((rel) => [rel, read(rel)]);
  inputs.push(['synthetic raw HTTP/2', synthetic()]);
  inputs.push(['random bytes', Uint8Array.from({ length: 3000 }, (_, i) => (i * 7919 + 13) & 0xff)]);
  for (const [name, bytes] of inputs) {
    const report = h2lens.decode(bytes, { ...options, protoset: name.includes('grpc') ? protoset : undefined });
    note(schema.check('Report', report, name));
    for (const e of report.events) {
      tags.add(e.event);
      if (e.event === 'frame') frameTypes.add(e.frame?.type);
    }
    const streamed = new h2lens.Decoder({ collect: true, events: { include: [] } });
    streamed.push(bytes);
    streamed.finish();
    note(schema.check('Summary', streamed.summary(), `${name} summary()`));
    note(schema.check('Har', streamed.har(), `${name} har()`));
    for (const x of streamed.exchanges()) note(schema.check('CollectedExchange', x, `${name} exchanges()`));
    streamed.free();
  }
  // Tap parses, HPACK, metadata, diffs, pairing, config.
  for (const rel of fixtureInputs().filter((r) => r.startsWith('tap/'))) {
    note(schema.check('TapParse', h2lens.parseTap(read(rel)), rel));
  }
  note(schema.check('TapParse', h2lens.parseTap('{"http_buffered_trace": {'), 'cut tap'));
  const decoder = new h2lens.HpackDecoder({ tableSize: 64 });
  for (const block of ['828684410f7777772e6578616d706c652e636f6d', '4003782d61036f6e65', '4003782d62036f6e65', 'bf', 'be', '3fe11f', 'ff']) {
    note(schema.check('HeaderBlock', decoder.decode(block), `hpack ${block}`));
  }
  note(schema.check('TableSnapshot', decoder.table(), 'table()'));
  note(schema.check('Diagnostic', new h2lens.HpackDecoder({ limits: { max_table_size: 8 } }).setSettingsTableSize(9), 'setSettingsTableSize'));
  const grpc = h2lens.decode(read('corpus/grpc_python.pcap'), { collect: true });
  const fields = grpc.events.find((e) => e.event === 'header_block').fields;
  note(schema.check('Metadata', h2lens.groupMetadata(fields, { trueBinary: true }), 'groupMetadata'));
  note(schema.check('Metadata', h2lens.groupMetadata([{ name: 'a-bin', value: 'YWJj,!!' }, { name: 'B', value: { hex: '00' } }]), 'groupMetadata bad'));
  const [a, b] = grpc.exchanges;
  note(schema.check('HeaderDiff', h2lens.diffHeaders(a.request_headers, b.request_headers), 'diffHeaders'));
  note(schema.check('HeaderDiff', h2lens.diffHeaders([{ name: 'x', value: '1' }, { name: 'y', value: '2' }], [{ name: 'y', value: '2' }, { name: 'x', value: '3' }, { name: 'z', value: '' }]), 'diffHeaders 2'));
  const keys = grpc.exchanges.map((x) => ({ path: x.exchange.path, request_headers: x.request_headers }));
  for (const pair of h2lens.pairExchanges(keys, [...keys.slice(2), { path: '/other' }])) note(schema.check('ExchangePair', pair, 'pairExchanges'));
  note(schema.check('Config', h2lens.defaultConfig(), 'defaultConfig()'));
  note(schema.check('Octets', h2lens.octets(new Uint8Array([0xff])), 'octets()'));

  const report = [...problems].map(([p, n]) => `${n}× ${p}`).join('\n');
  assert.equal(report, '', `index.d.ts is out of step with what the module returns:\n${report}`);

  // Every declared event tag occurs, and the module's list is the declared one.
  const declared = schema.literals('EventType').sort();
  assert.deepEqual([...tags].sort(), declared, 'every declared event tag is produced by some input');
  assert.deepEqual(h2lens.eventTypes().slice().sort(), declared);
  for (const t of ['DATA', 'HEADERS', 'PRIORITY', 'RST_STREAM', 'SETTINGS', 'PUSH_PROMISE', 'PING', 'GOAWAY', 'WINDOW_UPDATE', 'CONTINUATION', 'ALTSVC', 'ORIGIN', 'PRIORITY_UPDATE', 'UNKNOWN']) {
    assert.ok(frameTypes.has(t), `no ${t} frame among the inputs`);
  }
});

test('numbers beyond 2^53 - 1 arrive as exact decimal strings (SafeInt), smaller ones as numbers', () => {
  const [call] = h2lens.grpcCalls(h2lens.decode(synthetic()));
  assert.equal(call.timeout.nanos, '18446744073709551615', '99999999H saturates at 2^64 - 1 ns');
  const [varint, fixed64, fixed32] = call.request_messages[0].raw.message.fields.map((f) => f.value);
  assert.deepEqual(varint, { kind: 'varint', value: '18446744073709551615', int64: -1, sint64: '-9223372036854775808' });
  assert.equal(fixed64.value, '18446744073709551615');
  assert.equal(fixed64.sfixed64, -1);
  assert.equal(fixed64.double, null, 'NaN is null, as in JSON');
  assert.deepEqual([fixed32.value, fixed32.float], [0x7fc00000, null], 'a NaN float is null too');
  assert.equal(BigInt(varint.value), 2n ** 64n - 1n);
});
