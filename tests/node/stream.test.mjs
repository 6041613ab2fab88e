// Streaming through the installed npm package: the Decoder gives the same
// events whatever the chunking; decodeStream reads Blobs and
// ReadableStreams; the event filter; misuse.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fixturesDir, importInstalled, installPackedPackage } from './support/package.mjs';

let project;
let h2lens;

before(async () => {
  project = installPackedPackage('h2lens-stream-');
  h2lens = await importInstalled(project.dir);
});

after(() => project?.cleanup());

const read = (rel) => new Uint8Array(readFileSync(join(fixturesDir, rel)));

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
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

/** Events of `bytes` pushed in pieces of `sizes()` bytes, drained as they come. */
function chunked(bytes, sizes, options) {
  const d = new h2lens.Decoder(options);
  let text = '';
  for (let at = 0; at < bytes.length; ) {
    const n = Math.max(1, sizes());
    d.push(bytes.subarray(at, at + n));
    at += n;
    if (at % 7 === 0) text += d.drainJson();
  }
  d.finish();
  text += d.drainJson();
  d.free();
  return text;
}

// One of each kind: pcap, pcapng, CONTINUATIONs, push promises, h2c upgrade,
// TCP gaps, mid-connection start, TLS, Envoy socket taps (JSON and protobuf),
// Linkerd JSON.
const INPUTS = [
  'corpus/grpc_python.pcap',
  'corpus/grpc_python.pcapng',
  'corpus/h2c_continuation.pcap',
  'corpus/h2c_push_padding.pcapng',
  'corpus/grpc_python_midstream.pcap',
  'corpus/h2_tls_curl.pcap',
  'extra/h2c_upgrade.pcap',
  'extra/grpc_python_gap.pcap',
  'net/tcp_out_of_order.pcap',
  'tap/envoy_socket_streamed.json',
  'tap/envoy_socket_streamed.pb',
  'tap/linkerd_tap.json',
];

test('the same events whole, in 1-byte chunks and in random chunks', () => {
  for (const rel of INPUTS) {
    const bytes = read(rel);
    const whole = chunked(bytes, () => bytes.length);
    assert.ok(whole.length > 0, rel);
    assert.equal(chunked(bytes, () => 1), whole, `${rel}: 1-byte chunks`);
    for (const seed of [1, 2, 3]) {
      const next = random(seed * 7919 + bytes.length);
      assert.equal(chunked(bytes, () => Math.floor(next() ** 3 * 4000)), whole, `${rel}: random chunks, seed ${seed}`);
    }
    // drain() objects are the same events as decode().
    const report = h2lens.decode(bytes);
    assert.deepEqual(
      whole.split('\n').filter(Boolean).map((l) => JSON.parse(l)),
      report.events,
      `${rel}: drainJson() lines = decode() events`,
    );
  }
});

test('drain(max) hands out the same sequence in batches; drain() after the end is empty', () => {
  const bytes = read('corpus/h2c_nghttp_lo.pcap');
  const all = h2lens.decode(bytes).events;
  const d = new h2lens.Decoder();
  d.push(bytes);
  d.finish();
  assert.equal(d.finished, true);
  const got = [];
  for (;;) {
    const batch = d.drain(5);
    assert.ok(batch.length <= 5);
    if (batch.length === 0) break;
    got.push(...batch);
  }
  assert.deepEqual(got, all);
  assert.deepEqual(d.drain(), []);
  assert.equal(d.drainJson(), '');
  d.finish(); // idempotent
  assert.deepEqual(d.drain(), [], 'no second summary');
  assert.deepEqual(d.summary(), h2lens.decode(bytes).summary);
  d.free();
  // drainJsonBytes(): the same JSON Lines as bytes.
  const b = new h2lens.Decoder();
  b.push(bytes);
  b.finish();
  const first = b.drainJsonBytes(3);
  assert.ok(first instanceof Uint8Array);
  const text = new TextDecoder().decode(first) + new TextDecoder().decode(b.drainJsonBytes());
  assert.deepEqual(text.split('\n').filter(Boolean).map((l) => JSON.parse(l)), all);
  assert.equal(first.filter((c) => c === 0x0a).length, 3);
  b.free();
});

test('events filter: include/exclude pick exactly those events before conversion; the summary still counts all', () => {
  const bytes = read('corpus/grpc_python.pcap');
  // With gRPC calls off, a filter without header blocks or frames also
  // stops the core from building them (fields counted, not listed): the
  // events that do pass and the summary must not change.
  for (const base of [{}, { grpc: false }]) {
    const all = h2lens.decode(bytes, base).events;
    const types = h2lens.eventTypes();
    assert.equal(new Set(types).size, 17);
    for (const tag of types) {
      const only = h2lens.decode(bytes, { ...base, events: { include: [tag] } });
      assert.deepEqual(only.events, all.filter((e) => e.event === tag), `include ${tag}`);
      assert.deepEqual(only.summary, all.at(-1).event === 'summary' ? withoutTag(all.at(-1)) : undefined);
    }
    const noFrames = h2lens.decode(bytes, { ...base, events: { exclude: ['frame', 'header_block'] } });
    assert.deepEqual(noFrames.events, all.filter((e) => e.event !== 'frame' && e.event !== 'header_block'));
    const none = h2lens.decode(bytes, { ...base, events: { include: [] } });
    assert.deepEqual(none.events, []);
    assert.equal(none.summary.header_blocks, 30);
  }
});

test('events filter on the mid-stream, CONTINUATION and TLS captures: fewer events built, the same anomalies and summary', () => {
  for (const name of ['corpus/grpc_python_midstream.pcap', 'corpus/h2c_continuation.pcap', 'corpus/h2_tls_curl.pcap']) {
    const bytes = read(name);
    const all = h2lens.decode(bytes, { grpc: false }).events;
    const kept = ['diagnostic', 'exchange', 'skipped', 'notice', 'summary'];
    const some = h2lens.decode(bytes, { grpc: false, events: { include: kept } }).events;
    assert.deepEqual(some, all.filter((e) => kept.includes(e.event)), name);
  }
});

function withoutTag(summaryEvent) {
  const { event, ...rest } = summaryEvent;
  return rest;
}

test('decodeStream over a Blob: events, progress and the summary as decode() gives them', async () => {
  const bytes = read('corpus/h2c_continuation.pcap');
  const expected = h2lens.decode(bytes, { har: true });
  const progress = [];
  const report = await h2lens.decodeStream(new Blob([bytes]), {
    chunkSize: 4096,
    har: true,
    onProgress: (n, total) => progress.push([n, total]),
  });
  assert.deepEqual(report, expected);
  assert.equal(progress.length, Math.ceil(bytes.length / 4096));
  assert.deepEqual(progress.at(-1), [bytes.length, bytes.length]);
  assert.ok(progress.every(([n], i) => i === 0 || n > progress[i - 1][0]));
  // With onEvents the batches carry everything and nothing is accumulated.
  const batches = [];
  const streamed = await h2lens.decodeStream(new Blob([bytes]), { chunkSize: 1000, onEvents: (b) => batches.push(b) });
  assert.deepEqual(streamed.events, []);
  assert.ok(batches.length > 3, `${batches.length} batches`);
  assert.deepEqual(batches.flat(), expected.events);
  assert.deepEqual(streamed.summary, expected.summary);
});

test('decodeStream over a ReadableStream of odd-sized chunks', async () => {
  const bytes = read('corpus/grpc_python.pcapng');
  const next = random(42);
  const stream = new ReadableStream({
    start(controller) {
      for (let at = 0; at < bytes.length; ) {
        const n = 1 + Math.floor(next() * 3000);
        controller.enqueue(bytes.slice(at, at + n));
        at += n;
      }
      controller.close();
    },
  });
  const seen = [];
  const report = await h2lens.decodeStream(stream, { collect: true, onProgress: (n, total) => seen.push([n, total]) });
  const expected = h2lens.decode(bytes, { collect: true });
  assert.deepEqual(report, expected);
  assert.deepEqual(seen.at(-1), [bytes.length, undefined]);
});

test('decodeFile reads a path as decodeStream reads the Blob, in any chunk size', async () => {
  for (const name of ['corpus/h2c_continuation.pcap', 'corpus/grpc_python.pcapng', 'tap/linkerd_tap.json']) {
    const path = join(fixturesDir, name);
    const bytes = read(name);
    const expected = h2lens.decode(bytes, { collect: true });
    for (const chunkSize of [1, 1000, 1 << 20]) {
      if (chunkSize === 1 && bytes.length > 100_000) continue;
      const progress = [];
      const report = await h2lens.decodeFile(path, {
        chunkSize,
        collect: true,
        onProgress: (n, total) => progress.push([n, total]),
      });
      assert.deepEqual(report, expected, `${name} in chunks of ${chunkSize}`);
      assert.deepEqual(progress.at(-1), [bytes.length, bytes.length]);
      assert.equal(progress.length, Math.ceil(bytes.length / chunkSize));
    }
    const batches = [];
    const streamed = await h2lens.decodeFile(new URL(`file://${path}`), { onEvents: (b) => batches.push(b) });
    assert.deepEqual(streamed.events, []);
    assert.deepEqual(batches.flat(), h2lens.decode(bytes).events);
  }
});

test('decodeFile: a missing file, bad options, an abort and a throwing callback reject with their reasons', async () => {
  await assert.rejects(h2lens.decodeFile(join(fixturesDir, 'no-such-file.pcap')), { code: 'ENOENT' });
  await assert.rejects(h2lens.decodeFile(join(fixturesDir, 'corpus/h2c_curl_prior.pcap'), { chunkSize: 0 }), /^Error: decodeFile: options\.chunkSize must be a positive integer/);
  await assert.rejects(h2lens.decodeFile(join(fixturesDir, 'corpus/h2c_curl_prior.pcap'), { nope: 1 }), /unknown field `nope`/);
  const controller = new AbortController();
  let chunks = 0;
  await assert.rejects(
    h2lens.decodeFile(join(fixturesDir, 'corpus/h2c_curl_prior.pcap'), {
      chunkSize: 100,
      signal: controller.signal,
      onProgress: () => {
        if (++chunks === 3) controller.abort(new Error('stop here'));
      },
    }),
    /stop here/,
  );
  assert.equal(chunks, 3);
  // A throwing callback ends the decoding with its error.
  await assert.rejects(
    h2lens.decodeFile(join(fixturesDir, 'corpus/h2c_curl_prior.pcap'), {
      onEvents: () => {
        throw new Error('callback failed');
      },
    }),
    /callback failed/,
  );
});

test('decodeStream: an abort rejects with the signal’s reason and cancels the stream', async () => {
  const bytes = read('corpus/h2c_curl_prior.pcap');
  const controller = new AbortController();
  let cancelled;
  const stream = new ReadableStream({
    pull(c) {
      c.enqueue(bytes.slice(0, 1000));
    },
    cancel(reason) {
      cancelled = reason;
    },
  });
  let chunks = 0;
  const pending = h2lens.decodeStream(stream, {
    signal: controller.signal,
    onProgress: () => {
      if (++chunks === 3) controller.abort(new Error('stop here'));
    },
  });
  await assert.rejects(pending, /stop here/);
  assert.match(String(cancelled?.message ?? cancelled), /stop here/);
  // Already aborted: rejects at once, Blob or stream.
  await assert.rejects(h2lens.decodeStream(new Blob([bytes]), { signal: AbortSignal.abort() }), { name: 'AbortError' });
});

test('misuse throws Errors with plain words, and the module keeps working', async () => {
  const throws = (fn, re) => assert.throws(fn, (e) => e instanceof Error && re.test(e.message), re.source);
  const d = new h2lens.Decoder();
  throws(() => d.push('abc'), /^Decoder\.push: chunk must be a Uint8Array, got string$/);
  throws(() => d.push([1, 2]), /^Decoder\.push: chunk must be a Uint8Array, got an array$/);
  throws(() => d.push(new ArrayBuffer(2)), /^Decoder\.push: chunk must be a Uint8Array, got an ArrayBuffer$/);
  throws(() => d.drain('all'), /^Decoder\.drain: max must be an integer from 0 to 4294967295, got "all"$/);
  throws(() => d.drain(-1), /^Decoder\.drain: max must be an integer/);
  throws(() => d.exchanges(), /^Decoder\.exchanges: exchanges are kept only when the Decoder is created with `collect: true`/);
  throws(() => d.har(), /^Decoder\.har: /);
  d.finish();
  throws(() => d.push(new Uint8Array(1)), /^Decoder\.push: the decoder is finished/);
  d.free();
  d.free(); // idempotent
  throws(() => d.drain(), /^Decoder\.drain: the Decoder was freed/);
  throws(() => d.finished, /^Decoder\.finished: the Decoder was freed/);
  const hd = new h2lens.HpackDecoder();
  hd.free();
  throws(() => hd.decode('82'), /^HpackDecoder\.decode: the HpackDecoder was freed/);
  throws(() => new h2lens.Decoder('pcap'), /^new Decoder: options must be an object, got string$/);
  throws(() => new h2lens.Decoder({ fromat: 'pcap' }), /^new Decoder: invalid options: unknown field `fromat`/);
  throws(() => new h2lens.Decoder({ format: 'pcapx' }), /^new Decoder: invalid options: unknown variant `pcapx`/);
  throws(() => new h2lens.Decoder({ grpc: 'yes' }), /^new Decoder: invalid options: invalid type: string "yes", expected a boolean/);
  throws(() => new h2lens.Decoder({ protoset: 'x' }), /^new Decoder: options\.protoset must be a Uint8Array, got string$/);
  throws(() => new h2lens.Decoder({ events: { include: ['frames'] } }), /^new Decoder: unknown event type "frames" in options\.events \(known: input, /);
  throws(() => new h2lens.Decoder({ config: { frame: { max_frame_size: 1n } } }), /^new Decoder: invalid options: .*BigInt/);
  throws(() => h2lens.decode(undefined), /^decode: bytes must be a Uint8Array, got undefined$/);
  throws(() => h2lens.decode(new Uint8Array(0), []), /^decode: options must be an object, got an array$/);
  throws(() => h2lens.grpcCalls({}), /^grpcCalls: expected a report/);
  throws(() => h2lens.hexToBytes('abc'), /^hexToBytes: not hex/);
  throws(() => h2lens.groupMetadata('x'), /^groupMetadata: fields must be an array, got string$/);
  throws(() => h2lens.diffHeaders([], {}), /^diffHeaders: right must be an array, got object$/);
  throws(() => h2lens.pairExchanges([{ path: 1 }], []), /^pairExchanges: invalid left: /);
  throws(() => h2lens.parseTap(5), /^parseTap: input must be a Uint8Array or a string, got number$/);
  await assert.rejects(h2lens.decodeStream('x'), /^Error: decodeStream: source must be a Blob or a ReadableStream, got string$/);
  await assert.rejects(h2lens.decodeStream(new Blob([]), { chunkSize: 0 }), /chunkSize must be a positive integer/);
  await assert.rejects(h2lens.decodeStream(new Blob([]), { onEvents: 1 }), /onEvents must be a function/);
  await assert.rejects(h2lens.decodeStream(new Blob([]), { nope: 1 }), /unknown field `nope`/);
  // Refused options: the stream is neither locked nor read from.
  let pulls = 0;
  const untouched = new ReadableStream({ pull: (c) => void (pulls++, c.enqueue(new Uint8Array(1))) }, { highWaterMark: 0 });
  await assert.rejects(h2lens.decodeStream(untouched, { nope: 1 }), /unknown field `nope`/);
  assert.equal(untouched.locked, false);
  assert.equal(pulls, 0);
  // Still working.
  assert.equal(h2lens.decode(read('corpus/h2c_curl_prior.pcap')).summary.header_blocks, 8);
});

test('results larger than one conversion batch (8192 events) arrive whole and in order', () => {
  // Raw HTTP/2: the preface, SETTINGS, then 20,000 PINGs with distinct data.
  const frames = [new TextEncoder().encode('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Uint8Array.of(0, 0, 0, 4, 0, 0, 0, 0, 0)];
  for (let i = 0; i < 20000; i++) {
    frames.push(Uint8Array.of(0, 0, 8, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, i >>> 24, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff));
  }
  const bytes = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  frames.reduce((at, f) => (bytes.set(f, at), at + f.length), 0);
  const report = h2lens.decode(bytes, { events: { include: ['frame'] } });
  assert.equal(report.events.length, 20001);
  report.events.slice(1).forEach((e, i) => assert.equal(e.frame.opaque_data, i.toString(16).padStart(16, '0')));
  const d = new h2lens.Decoder({ events: { include: ['frame'] } });
  d.push(bytes);
  d.finish();
  assert.deepEqual(d.drain(), report.events);
  d.free();
});
