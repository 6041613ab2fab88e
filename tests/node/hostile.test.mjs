// Garbage, truncated and hostile inputs through the installed npm package:
// decode() and the streaming Decoder return diagnostics, never throw, never
// trap (a trap would surface as a WebAssembly.RuntimeError and poison the
// instance), and the module keeps working afterwards.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fixturesDir, importInstalled, installPackedPackage } from './support/package.mjs';

let project;
let h2lens;

before(async () => {
  project = installPackedPackage('h2lens-hostile-');
  h2lens = await importInstalled(project.dir);
});

after(() => project?.cleanup());

const read = (rel) => new Uint8Array(readFileSync(join(fixturesDir, rel)));

function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const randomBytes = (next, n) => Uint8Array.from({ length: n }, () => Math.floor(next() * 256));

/** An HTTP/2 frame (RFC 9113 §4.1). */
function frame(type, flags, stream, payload) {
  const out = new Uint8Array(9 + payload.length);
  const len = payload.length;
  out.set([len >> 16, (len >> 8) & 0xff, len & 0xff, type, flags, stream >>> 24, (stream >> 16) & 0xff, (stream >> 8) & 0xff, stream & 0xff]);
  out.set(payload, 9);
  return out;
}

const concat = (parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

const PREFACE = new TextEncoder().encode('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const SETTINGS = frame(0x4, 0, 0, []);

/** decode() and a small-chunk Decoder: neither throws, and they agree. */
function decodeBoth(bytes, options) {
  const report = h2lens.decode(bytes, options);
  assert.equal(report.events.at(-1).event, 'summary');
  const d = new h2lens.Decoder(options);
  for (let i = 0; i < bytes.length; i += 1 + (i % 13)) d.push(bytes.subarray(i, i + 1 + (i % 13)));
  d.finish();
  assert.deepEqual(d.drain(), report.events, 'streaming agrees with decode(), event for event');
  d.free();
  return report;
}

const codes = (report) =>
  report.events.filter((e) => e.event === 'notice' || e.event === 'diagnostic').map((e) => e.code);

test('random bytes: an unknown-format notice (or diagnostics), never a throw', () => {
  const next = random(2024);
  for (const n of [0, 1, 3, 4, 23, 24, 64, 1000, 70000]) {
    const report = decodeBoth(randomBytes(next, n));
    if (n > 0) assert.ok(codes(report).length > 0, `${n} random bytes gave no diagnostic`);
  }
  // Random bytes forced through each format.
  for (const format of ['pcap', 'pcapng', 'http2', 'linkerd_json', 'linkerd_websocket', 'envoy_json', 'envoy_proto_length_delimited']) {
    const report = decodeBoth(randomBytes(next, 5000), { format });
    // Reported as anomalies, or (raw HTTP/2 looking for a frame boundary) as skipped bytes.
    const { diagnostics, bytes } = report.summary;
    const skipped = Object.values(bytes.skipped).reduce((a, b) => a + b, 0);
    assert.ok(diagnostics.errors + diagnostics.warnings > 0 || skipped === 5000, format);
  }
  // Random bytes behind a valid pcap / pcapng / preface header.
  for (const head of [read('corpus/grpc_python.pcap').subarray(0, 24), read('corpus/grpc_python.pcapng').subarray(0, 200), PREFACE]) {
    decodeBoth(concat([head, randomBytes(next, 20000)]));
  }
});

test('a truncated pcapng: everything before the cut, and a diagnostic for the cut', () => {
  const full = read('corpus/grpc_python.pcapng');
  const whole = h2lens.decode(full).events.filter((e) => e.event === 'header_block');
  for (const cut of [1, 7, 28, 100, 2000, 9999, full.length - 1]) {
    const report = decodeBoth(full.subarray(0, cut));
    const blocks = report.events.filter((e) => e.event === 'header_block');
    assert.ok(blocks.length <= whole.length);
    // Blocks completed before the cut are the same as in the whole file.
    blocks
      .filter((b) => b.end_headers && !b.error)
      .forEach((b) => assert.deepEqual(b.fields, whole.find((w) => w.packet === b.packet && w.id === b.id).fields));
    assert.ok((report.summary.capture?.undecodable_bytes ?? 0) > 0 || codes(report).length > 0, `cut at ${cut}: nothing reported`);
  }
});

test('bytes flipped in a real capture: decodes, reports, never throws', () => {
  const next = random(7);
  const original = read('corpus/grpc_python.pcap');
  for (let round = 0; round < 40; round++) {
    const bytes = original.slice();
    for (let k = 0; k < 1 + round; k++) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
    decodeBoth(bytes);
  }
});

test('a header block with an index past the table: an HPACK error on the block, decoding goes on', () => {
  // HEADERS with END_STREAM|END_HEADERS: :method GET, index 62 (empty table), :path /.
  const bytes = concat([PREFACE, SETTINGS, frame(0x1, 0x5, 1, [0x82, 0xbe, 0x84]), frame(0x1, 0x5, 3, [0x82, 0x84, 0x86])]);
  const report = decodeBoth(bytes);
  const [bad, next] = report.events.filter((e) => e.event === 'header_block');
  assert.deepEqual(bad.fields.map((f) => f.name), [':method']);
  assert.equal(bad.error.kind, 'index_beyond_table');
  assert.equal(bad.error.offset, 1);
  assert.ok(codes(report).includes('hpack.index_beyond_table'));
  // The next block is decoded, flagged as decoded after an error.
  assert.deepEqual(next.fields.map((f) => f.name), [':method', ':path', ':scheme']);
  assert.equal(next.table_state.state, 'desynchronised');
});

test('a CONTINUATION flood is cut at the configured limit and reported', () => {
  const parts = [PREFACE, SETTINGS, frame(0x1, 0, 1, [0x82])];
  for (let i = 0; i < 3000; i++) parts.push(frame(0x9, 0, 1, [0x84]));
  parts.push(frame(0x9, 0x4, 1, [0x86]));
  const bytes = concat(parts);
  const report = decodeBoth(bytes);
  assert.ok(codes(report).includes('frame.header_block_limit'));
  const [block] = report.events.filter((e) => e.event === 'header_block');
  assert.ok(block.continuation_frames >= 1024);
  // A lower limit cuts sooner.
  const strict = h2lens.decode(bytes, { config: { frame: { max_continuation_frames: 10 } } });
  assert.match(
    strict.events.find((e) => e.code === 'frame.header_block_limit').message,
    /more than 10 CONTINUATION frames/,
  );
  assert.equal(report.summary.bytes.stream_bytes, bytes.length);
});

test(
  'a CONTINUATION flood: decoded + skipped stream bytes = stream bytes (Summary.bytes invariant)',
  () => {
    const parts = [PREFACE, SETTINGS, frame(0x1, 0, 1, [0x82])];
    for (let i = 0; i < 1100; i++) parts.push(frame(0x9, 0, 1, [0x84]));
    parts.push(frame(0x9, 0x4, 1, [0x86]));
    const b = h2lens.decode(concat(parts)).summary.bytes;
    assert.equal(b.decoded + Object.values(b.skipped).reduce((x, y) => x + y, 0), b.stream_bytes);
  },
);

test('an HPACK bomb stops at the header list limit (RFC 9113 §6.5.2 accounting), with how to raise it', () => {
  // One 4000-byte entry (literal, incremental indexing, new name "x-bomb"),
  // then 16,000 references to it (index 62): 6 + 4000 + 32 = 4038 octets
  // each, so 16 MiB admits floor(16777216 / 4038) = 4154 fields.
  const first = concat([[0x82, 0x84, 0x86, 0x40, 0x06], new TextEncoder().encode('x-bomb'), [0x7f, 0xa1, 0x1e], new Uint8Array(4000).fill(0x61)]);
  const bytes = concat([
    PREFACE,
    SETTINGS,
    frame(0x1, 0x5, 1, first),
    frame(0x1, 0x5, 3, new Uint8Array(16000).fill(0xbe)),
  ]);
  const report = decodeBoth(bytes);
  const [, bomb] = report.events.filter((e) => e.event === 'header_block');
  assert.equal(bomb.fields.length, Math.floor(16777216 / 4038));
  const d = report.events.find((e) => e.code === 'hpack.header_list_too_large');
  assert.match(d.message, /--limit hpack\.max_header_list_size=N/);
  assert.match(d.message, /config\.hpack\.max_header_list_size/);
  // Raised as the message says, the whole block decodes.
  const raised = h2lens.decode(bytes, { config: { hpack: { max_header_list_size: 100 << 20, max_fields_per_block: 20000 } } });
  assert.equal(raised.events.filter((e) => e.event === 'header_block')[1].fields.length, 16000);
});

test('the 2019 flood family and rapid reset are named, with their thresholds', () => {
  const pings = [PREFACE, SETTINGS];
  for (let i = 0; i < 1000; i++) pings.push(frame(0x6, 0, 0, new Uint8Array(8)));
  assert.ok(codes(decodeBoth(concat(pings))).includes('frame.ping_flood'));
  const rapid = [PREFACE, SETTINGS];
  for (let i = 0; i < 1000; i++) {
    rapid.push(frame(0x1, 0x5, 1 + 2 * i, [0x82, 0x84, 0x86]), frame(0x3, 0, 1 + 2 * i, [0, 0, 0, 8]));
  }
  const report = decodeBoth(concat(rapid));
  assert.match(report.events.find((e) => e.code === 'stream.rapid_reset').message, /CVE-2023-44487/);
  // A threshold set from JavaScript.
  const few = concat([PREFACE, SETTINGS, ...Array.from({ length: 5 }, () => frame(0x4, 0, 0, []))]);
  assert.ok(!codes(h2lens.decode(few)).includes('frame.settings_flood'));
  assert.ok(codes(h2lens.decode(few, { config: { flood: { settings: 5 } } })).includes('frame.settings_flood'));
});

test('hostile side inputs: a junk protoset, junk taps, junk HPACK blocks', () => {
  const next = random(99);
  const report = h2lens.decode(read('corpus/grpc_python.pcap'), { protoset: randomBytes(next, 300) });
  assert.ok(codes(report).includes('protobuf.bad_protoset'));
  assert.equal(h2lens.grpcCalls(report).length, 11, 'calls still summarised');
  for (let i = 0; i < 50; i++) {
    const junk = randomBytes(next, 1 + Math.floor(next() * 400));
    const block = h2lens.hpackDecode(junk);
    assert.ok(block.error || block.fields.length >= 0);
    const tap = h2lens.parseTap(junk);
    assert.ok(Array.isArray(tap.diagnostics));
  }
  // A cut Linkerd object and a truncated protobuf length prefix.
  assert.ok(h2lens.parseTap('{"source": {"ip": "10.0.0.1"').diagnostics.length > 0);
  assert.ok(h2lens.parseTap(read('tap/envoy_http_streamed.pb').subarray(0, 500)).diagnostics.length > 0);
  // Tiny limits everywhere: results shrink, nothing breaks.
  const tiny = {};
  for (const [section, fields] of Object.entries(h2lens.defaultConfig())) {
    tiny[section] = Object.fromEntries(Object.entries(fields).filter(([, v]) => typeof v === 'number').map(([k]) => [k, 1]));
  }
  for (const rel of ['corpus/grpc_python.pcap', 'corpus/h2c_continuation.pcapng', 'tap/linkerd_tap.json', 'tap/envoy_socket_streamed.pb']) {
    decodeBoth(read(rel), { config: tiny });
  }
  assert.equal(typeof h2lens.version(), 'string');
});

test(
  'skipped bytes are reported the same way whatever the chunking',
  () => {
    const bytes = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) & 0xff);
    const whole = h2lens.decode(bytes, { format: 'http2', events: { include: ['skipped'] } }).events;
    const d = new h2lens.Decoder({ format: 'http2', events: { include: ['skipped'] } });
    for (let i = 0; i < bytes.length; i += 100) d.push(bytes.subarray(i, i + 100));
    d.finish();
    assert.deepEqual(d.drain(), whole);
  },
);
