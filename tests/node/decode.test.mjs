// decode() and Decoder through the installed npm package, against the CLI
// and against independent oracles: hpack-py's decode of the same blocks
// (corpus `raw_hex`), the gRPC client's own log of what it received, and
// the tap fixtures' JSON read by JS's own JSON.parse.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fixtureInputs, fixturesDir, importInstalled, installPackedPackage, repoRoot } from './support/package.mjs';

let project;
let h2lens;
let cli;

before(async () => {
  project = installPackedPackage('h2lens-decode-');
  h2lens = await importInstalled(project.dir);
  // The CLI is the reference for the JSON schema. `npm test` has built it
  // already (cargo test); this is a no-op then.
  execFileSync('cargo', ['build', '--quiet', '--locked', '-p', 'h2lens-cli'], { cwd: repoRoot, stdio: 'inherit' });
  const targetDir = process.env.CARGO_TARGET_DIR ?? join(repoRoot, 'target');
  cli = join(targetDir, 'debug', 'h2lens');
});

after(() => project?.cleanup());

const read = (rel) => readFileSync(join(fixturesDir, rel));

function cliJson(args) {
  const run = spawnSync(cli, args, { maxBuffer: 1 << 30, encoding: 'utf8' });
  // Exit status 1 means a damaged input (a truncated capture): the CLI
  // still prints everything it could read.
  assert.ok(run.status === 0 || run.status === 1, `h2lens ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
}

test('header blocks are the same as `h2lens headers --json` for every fixture, text and objects', () => {
  // `headers` lists header blocks, and for a tap input (which has no HPACK
  // blocks) the tap's exchanges with their headers.
  const listed = ['header_block', 'tap_exchange'];
  let compared = 0;
  for (const rel of fixtureInputs()) {
    const expected = cliJson(['headers', '--json', '--explain', join(fixturesDir, rel)]);
    // Text: byte for byte, streaming.
    const d = new h2lens.Decoder({ events: { include: listed } });
    d.push(read(rel));
    d.finish();
    const text = d.drainJson();
    d.free();
    assert.equal(text, expected, `${rel}: drainJson() differs from the CLI`);
    // Objects: decode() with its defaults (gRPC on, unlike the CLI's
    // `headers`), filtered here in JS, event by event.
    const blocks = h2lens.decode(read(rel)).events.filter((e) => listed.includes(e.event));
    const lines = expected.split('\n').filter(Boolean);
    assert.equal(blocks.length, lines.length, `${rel}: block count`);
    blocks.forEach((b, i) => assert.deepEqual(b, JSON.parse(lines[i]), `${rel}: block ${i}`));
    compared += lines.length;
  }
  assert.ok(compared > 300, `only ${compared} blocks compared`);
});

test('frames, exchanges and the summary match the CLI too (grpc_python, h2c_push_padding)', () => {
  for (const rel of ['corpus/grpc_python.pcap', 'corpus/h2c_push_padding.pcap']) {
    const report = h2lens.decode(read(rel), { grpc: false });
    const pick = (tag) => report.events.filter((e) => e.event === tag);
    const lines = (args) => cliJson([...args, join(fixturesDir, rel)]).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.deepEqual(pick('frame'), lines(['frames', '--json']), `${rel}: frames`);
    assert.deepEqual(pick('exchange'), lines(['exchanges', '--json']), `${rel}: exchanges`);
    assert.deepEqual(report.summary, lines(['summary', '--json'])[0], `${rel}: summary`);
    const { event, ...last } = report.events.at(-1);
    assert.equal(event, 'summary');
    assert.deepEqual(last, report.summary, 'the last event is the summary');
  }
});

test('header names and values equal hpack-py’s decode of the same blocks (corpus raw_hex)', () => {
  const hex = (o) => (typeof o === 'string' ? Buffer.from(o, 'utf8').toString('hex') : o.hex);
  let checked = 0;
  for (const name of ['h2c_nghttp_lo', 'h2c_push_padding', 'h2c_continuation', 'grpc_python', 'grpc_python_small_table']) {
    const oracle = read(`corpus/${name}.headers.jsonl`).toString().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const blocks = h2lens.decode(read(`corpus/${name}.pcap`)).events.filter((e) => e.event === 'header_block');
    assert.equal(blocks.length, oracle.length, `${name}: block count`);
    oracle.forEach((o, i) => {
      if (o.hpack_py_error || !o.raw_hex) return;
      assert.equal(blocks[i].packet, o.frame, `${name} block ${i}: packet`);
      assert.equal(blocks[i].stream_id, o.stream_id, `${name} block ${i}: stream`);
      assert.deepEqual(
        blocks[i].fields.map((f) => [hex(f.name), hex(f.value)]),
        o.raw_hex,
        `${name} block ${i} (packet ${o.frame})`,
      );
      checked++;
    });
  }
  assert.ok(checked > 90, `only ${checked} blocks checked`);
});

// --- gRPC: grpc_python against the client's own log -------------------------

/** Python's repr of a str or bytes, to bytes. */
function pyLiteral(text) {
  const bytes = text.startsWith('b');
  const body = text.slice(bytes ? 2 : 1, -1);
  const out = [];
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') {
      out.push(...Buffer.from(c, 'utf8'));
      continue;
    }
    const n = body[++i];
    if (n === 'x') {
      out.push(parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      out.push({ n: 10, t: 9, r: 13, '\\': 92, "'": 39, '"': 34 }[n] ?? n.charCodeAt(0));
    }
  }
  return Buffer.from(out);
}

const METADATUM = /_Metadatum\(key='([^']*)', value=(b?'(?:[^'\\]|\\.)*')\)/g;
const metadataOf = (tuple) => [...tuple.matchAll(METADATUM)].map((m) => [m[1], pyLiteral(m[2]).toString('hex')]);
const TUPLE = /\((?:_Metadatum\([^)]*\)(?:, )?)*\)/g;

/** The calls in the client log, in call (= stream) order. */
function clientLog() {
  const calls = [];
  for (const line of read('grpc/grpc_python_client.log').toString().split('\n')) {
    if (!line || line.startsWith('  ')) continue;
    if (line.startsWith('cancel:')) {
      // The client cancelled: it sent RST_STREAM CANCEL, which gRPC HTTP2
      // ("Errors") maps to CANCELLED. No metadata was received.
      calls.push({ name: 'cancel', status: 'CANCELLED' });
      continue;
    }
    const [name, result] = line.split(' ', 2);
    const call = { name, status: result === 'OK' ? 'OK' : line.match(/StatusCode\.(\w+)/)[1] };
    const message = line.match(/StatusCode\.\w+ ('(?:[^'\\]|\\.)*')/);
    if (message) call.message = pyLiteral(message[1]).toString('utf8');
    const tuples = line.match(TUPLE) ?? [];
    if (line.includes('initial=')) {
      call.initial = metadataOf(tuples[0]);
      call.trailing = metadataOf(tuples[1]);
    } else if (line.includes('trailing=')) {
      call.trailing = metadataOf(tuples[0]);
    } else if (tuples.length === 2) {
      [call.initial, call.trailing] = tuples.map(metadataOf);
    } else if (tuples.length === 1) {
      call.trailing = metadataOf(tuples[0]);
    }
    calls.push(call);
  }
  return calls;
}

const hexOf = (o) => (typeof o === 'string' ? Buffer.from(o, 'utf8').toString('hex') : o.hex);
/** Custom metadata as the application sees it: names, decoded values. */
const appView = (md) => md.wire.flatMap((e) => (e.decoded ?? [e.value]).map((v) => [e.name, hexOf(v)]));

test('grpc_python: 11 calls with the statuses, messages and metadata the client received', () => {
  const log = clientLog();
  assert.equal(log.length, 11);
  const calls = h2lens.grpcCalls(h2lens.decode(read('corpus/grpc_python.pcap'))).sort((a, b) => a.stream_id - b.stream_id);
  assert.deepEqual(calls.map((c) => c.stream_id), [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21]);
  assert.deepEqual(calls.map((c) => c.status?.name), log.map((c) => c.status));
  calls.forEach((call, i) => {
    const expect = log[i];
    if (expect.message) assert.equal(call.message.display, expect.message, `${expect.name}: grpc-message`);
    if (expect.initial) assert.deepEqual(appView(call.response_metadata), expect.initial, `${expect.name}: initial metadata`);
    if (expect.trailing) assert.deepEqual(appView(call.trailers_metadata), expect.trailing, `${expect.name}: trailing metadata`);
  });
  assert.equal(calls[4].trailers_only, true, 'denied is Trailers-Only (corpus README)');
  assert.equal(calls[8].cancelled_by_client, true, 'cancel: RST_STREAM CANCEL from the client');
});

test('grpc_python: repeated request metadata grouped as gRPC means it (groupMetadata and grpc_call agree)', () => {
  const report = h2lens.decode(read('corpus/grpc_python.pcap'));
  const requests = report.events.filter((e) => e.event === 'header_block' && e.role === 'request');
  assert.equal(requests.length, 11);
  const trueBinary = report.events.some(
    (e) => e.event === 'settings' && e.settings.some((s) => s.id === 'GRPC_ALLOW_TRUE_BINARY_METADATA' && s.value === 1),
  );
  assert.equal(trueBinary, true, 'both C-core peers announce true-binary metadata (corpus README)');
  const calls = h2lens.grpcCalls(report).sort((a, b) => a.stream_id - b.stream_id);
  requests.forEach((block, i) => {
    const md = h2lens.groupMetadata(block.fields, { trueBinary: true });
    assert.deepEqual(md, calls[i].request_metadata, `stream ${block.stream_id}: same as the call's`);
    const group = (name) => md.grouped.find((g) => g.name === name)?.values;
    // Order and values from the corpus README; the server's echo headers
    // in the client log ('api,actor1,actor2', 'payments-admin,payments-admin')
    // confirm them.
    assert.deepEqual(group('actorscopes'), ['api', 'actor1', 'actor2']);
    assert.deepEqual(group('roles'), ['payments-admin', 'payments-admin']);
    assert.equal(group('originatorscopes').length, 4);
    assert.deepEqual(
      md.wire.map((e) => e.name).slice(0, 9),
      ['actorscopes', 'actorscopes', 'actorscopes', 'roles', 'roles', ...Array(4).fill('originatorscopes')],
    );
    const bin = md.wire.find((e) => e.name === 'x-actor-context-bin');
    assert.deepEqual(bin.encoding, { form: 'true_binary' });
  });
  const unary = calls[0];
  assert.deepEqual(
    unary.trailers_metadata.grouped.find((g) => g.name === 'x-audit').values,
    ['checked-actorscopes', 'checked-roles', 'checked-originatorscopes'],
  );
  // The same list without true-binary negotiated: still read as true-binary
  // (leading 0x00), with a warning that it was not negotiated.
  const plain = h2lens.groupMetadata(requests[0].fields);
  const bin = plain.wire.find((e) => e.name === 'x-actor-context-bin');
  assert.deepEqual(bin.encoding, { form: 'true_binary' });
  assert.deepEqual(bin.diagnostics.map((d) => d.code), ['grpc.true_binary_not_negotiated']);
});

// --- Taps --------------------------------------------------------------------

/** Concatenated JSON objects (tap files) split with JS's own parser. */
function jsonObjects(text) {
  const out = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
  }
  return out;
}

const pairs = (list) => list.map(([n, v]) => [hexOf(n), hexOf(v)]);
// Envoy writes a header's value as `value` (text) or `raw_value` (base64 bytes).
const envoyPairs = (list) =>
  list.map((h) => [
    Buffer.from(h.key).toString('hex'),
    (h.value !== undefined ? Buffer.from(h.value) : Buffer.from(h.raw_value, 'base64')).toString('hex'),
  ]);

test('parseTap: Envoy HTTP traces give the headers the trace holds, in order (JSON and protobuf twins)', () => {
  const traces = jsonObjects(read('tap/envoy_http_buffered.json').toString()).map((o) => o.http_buffered_trace);
  const parsed = h2lens.parseTap(read('tap/envoy_http_buffered.json'));
  assert.equal(parsed.format, 'envoy_json');
  assert.equal(parsed.exchanges.length, traces.length);
  parsed.exchanges.forEach((x, i) => {
    assert.deepEqual(pairs(x.request_headers), envoyPairs(traces[i].request.headers), `exchange ${i} request`);
    assert.deepEqual(pairs(x.response_headers), envoyPairs(traces[i].response.headers), `exchange ${i} response`);
    assert.deepEqual(pairs(x.response_trailers ?? []), envoyPairs(traces[i].response.trailers ?? []), `exchange ${i} trailers`);
  });
  // Streams 1 (OK) and 9 (PERMISSION_DENIED, Trailers-Only): the generator's docstring.
  assert.deepEqual(parsed.exchanges.map((x) => x.grpc_status), [0, 7]);
  // The protobuf twin of the streamed JSON decodes to the same exchanges.
  const json = h2lens.parseTap(read('tap/envoy_http_streamed.json'));
  const pb = h2lens.parseTap(read('tap/envoy_http_streamed.pb'));
  assert.equal(pb.format, 'envoy_proto_length_delimited');
  assert.deepEqual(
    pb.exchanges.map((x) => [x.request_headers, x.response_headers, x.response_trailers, x.grpc_status]),
    json.exchanges.map((x) => [x.request_headers, x.response_headers, x.response_trailers, x.grpc_status]),
  );
  // A string input is read as its UTF-8 bytes.
  assert.deepEqual(h2lens.parseTap(read('tap/envoy_http_buffered.json').toString()), parsed);
});

test('parseTap: Linkerd tap JSON joins the three events per request, keeps an early-started and a cut object visible', () => {
  const events = jsonObjects(read('tap/linkerd_tap.json').toString());
  const inits = events.filter((e) => e.requestInitEvent);
  const parsed = h2lens.parseTap(read('tap/linkerd_tap.json'));
  assert.equal(parsed.format, 'linkerd_json');
  for (const init of inits) {
    const id = `${init.requestInitEvent.id.base}:${init.requestInitEvent.id.stream}`;
    const x = parsed.exchanges.find((e) => e.id === id);
    assert.ok(x, `exchange ${id}`);
    assert.deepEqual(
      x.request_headers.map(([n]) => n),
      init.requestInitEvent.headers.map((hd) => hd.name),
      `${id}: header names in the tap's order`,
    );
  }
  // The generator: one exchange began before the tap (no requestInit), and
  // the last object was cut mid-write.
  const incomplete = parsed.exchanges.filter((x) => !x.complete);
  assert.equal(incomplete.length, 1);
  assert.ok(!inits.some((e) => `${e.requestInitEvent.id.base}:${e.requestInitEvent.id.stream}` === incomplete[0].id));
  assert.ok(parsed.diagnostics.some((d) => d.code === 'tap.partial_object'));
  assert.equal(parsed.fidelity.wire_order_across_names, false);
  // The dashboard's WebSocket frames of the same calls give the same headers.
  const ws = h2lens.parseTap(read('tap/linkerd_ws_frames.jsonl'));
  for (const x of ws.exchanges) {
    const same = parsed.exchanges.find((e) => e.id === x.id);
    assert.deepEqual(x.request_headers, same.request_headers, x.id);
    assert.deepEqual(x.grpc_status, same.grpc_status, x.id);
  }
});

test('parseTap: Envoy socket traces carry exactly the connection bytes tshark followed', () => {
  const follow = JSON.parse(read('tap/grpc_python.follow.json'));
  for (const rel of ['tap/envoy_socket_buffered.json', 'tap/envoy_socket_streamed.json', 'tap/envoy_socket_streamed.pb']) {
    const [trace] = h2lens.parseTap(read(rel)).sockets;
    assert.equal(trace.tapped_side, 'server', rel);
    const bytes = (kind) =>
      Buffer.concat(trace.chunks.filter((c) => c.kind === kind).map((c) => Buffer.from(h2lens.octetsToBytes(c.data)))).toString('hex');
    assert.equal(bytes('read'), follow.client_to_server_hex, `${rel}: client → server`);
    assert.equal(bytes('write'), follow.server_to_client_hex, `${rel}: server → client`);
  }
});

// --- Exchanges, pairing, diffs, HAR -------------------------------------------

test('pairExchanges and diffHeaders: the capture and the Envoy socket tap of the same connection pair up and agree', () => {
  const capture = h2lens.decode(read('corpus/grpc_python.pcap'), { collect: true }).exchanges;
  const tap = h2lens.decode(read('tap/envoy_socket_streamed.json'), { collect: true }).exchanges;
  assert.equal(capture.length, 11);
  assert.equal(tap.length, 11);
  const key = (x) => ({ path: x.exchange.path, request_headers: x.request_headers });
  const paired = h2lens.pairExchanges(capture.map(key), tap.map(key));
  assert.equal(paired.length, 11);
  for (const p of paired) {
    assert.equal(p.by, 'x-trace-id', 'every call carries x-trace-id (corpus README)');
    assert.equal(capture[p.left].exchange.stream_id, tap[p.right].exchange.stream_id);
    const diff = h2lens.diffHeaders(capture[p.left].request_headers, tap[p.right].request_headers);
    assert.ok(diff.changes.every((c) => c.change === 'same'));
  }
  // Two different calls differ in :path / x-trace-id / grpc-timeout only where they should.
  const diff = h2lens.diffHeaders(capture[0].request_headers, capture[3].request_headers);
  const changed = diff.changes.filter((c) => c.change !== 'same').map((c) => c.name);
  assert.ok(changed.includes(':path') && changed.includes('x-trace-id'), JSON.stringify(changed));
  const moved = h2lens.diffHeaders(
    [{ name: 'a', value: '1' }, { name: 'b', value: '2' }],
    [{ name: 'b', value: '2' }, { name: 'a', value: '1' }, { name: 'c', value: { hex: '00ff' } }],
  );
  assert.deepEqual(moved.changes.map((c) => c.change).sort(), ['added', 'moved', 'same']);
  assert.deepEqual(moved.changes.find((c) => c.change === 'added').value, { text: '\u0000\\xff', hex: '00ff' });
});

test('HAR: one entry per exchange, with the URL and status from the oracle’s headers (h2c_nghttp_lo)', () => {
  const report = h2lens.decode(read('corpus/h2c_nghttp_lo.pcap'), { har: true });
  const oracle = read('corpus/h2c_nghttp_lo.headers.jsonl').toString().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const requests = oracle.filter((b) => b.headers.some(([n]) => n === ':method'));
  const { entries } = report.har.log;
  assert.equal(report.har.log.version, '1.2');
  assert.equal(entries.length, report.exchanges.length);
  assert.equal(entries.length, requests.length);
  const urls = requests.map((b) => {
    const get = (n) => b.headers.find(([k]) => k === n)[1];
    return `${get(':scheme')}://${get(':authority')}${get(':path')}`;
  });
  assert.deepEqual(entries.map((e) => e.request.url).sort(), urls.sort());
  const statuses = oracle.flatMap((b) => b.headers.filter(([n]) => n === ':status').map(([, v]) => Number(v)));
  assert.deepEqual(entries.map((e) => e.response.status).sort(), statuses.sort());
  // Streaming gives the same log.
  const d = new h2lens.Decoder({ har: true });
  d.push(read('corpus/h2c_nghttp_lo.pcap'));
  d.finish();
  assert.deepEqual(d.har(), report.har);
  assert.deepEqual(d.exchanges(), report.exchanges);
  d.free();
});

test('raw frame and header block bytes come as hex when asked for, and hexToBytes gives the bytes', () => {
  const rel = 'corpus/h2c_nghttp_lo.pcap';
  const report = h2lens.decode(read(rel), { config: { output: { frame_bytes: 16384, header_block_bytes: true } } });
  const oracle = read('corpus/h2c_nghttp_lo.headers.jsonl').toString().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const blocks = report.events.filter((e) => e.event === 'header_block');
  blocks.forEach((b, i) => {
    assert.match(b.bytes, /^([0-9a-f]{2})+$/);
    // The block's bytes decode, on their own decoder, to the oracle's first block only when the
    // table is empty; instead check the length: the fragments' total.
    const len = b.fragments.reduce((n, s) => n + s.end - s.start, 0);
    assert.equal(h2lens.hexToBytes(b.bytes).length, len, `block ${i}`);
  });
  // The first request block on a fresh table decodes, standalone, to the oracle's headers.
  const first = blocks.find((b) => b.dir === 'client_to_server');
  const standalone = h2lens.hpackDecode(h2lens.hexToBytes(first.bytes));
  const o = oracle.find((b) => b.frame === first.packet && b.stream_id === first.stream_id);
  assert.deepEqual(standalone.fields.map((f) => [f.name, f.value]), o.headers);
  const frame = report.events.find((e) => e.event === 'frame' && e.type === 'HEADERS');
  assert.equal(h2lens.hexToBytes(frame.bytes).length, 9 + frame.length, 'frame header + payload');
  assert.equal(h2lens.bytesToHex(h2lens.hexToBytes(frame.bytes)), frame.bytes);
});

test('a protoset decodes gRPC messages by type (payments.v1)', () => {
  const report = h2lens.decode(read('corpus/grpc_python.pcap'), { protoset: read('grpc/payments.protoset') });
  const [first] = h2lens.grpcCalls(report).sort((a, b) => a.stream_id - b.stream_id);
  assert.equal(first.request_messages[0].decoded.type_name, 'payments.v1.GetPaymentRequest');
  // The raw decode is still there (decodeRaw defaults to true) and agrees.
  const raw = first.request_messages[0].raw.message.fields[0];
  assert.equal(raw.value.value, Object.values(first.request_messages[0].decoded.json)[0]);
  const noRaw = h2lens.decode(read('corpus/grpc_python.pcap'), { decodeRaw: false });
  assert.equal(h2lens.grpcCalls(noRaw)[0].request_messages[0].raw, undefined);
});

test('`h2lens limits --json` and defaultConfig() are the same config; a limit set either way has the same effect', () => {
  assert.deepEqual(JSON.parse(cliJson(['limits', '--json'])), h2lens.defaultConfig());
  // --limit on the CLI and config in JavaScript: the same anomalies.
  const file = join(fixturesDir, 'corpus/grpc_python.pcap');
  const fromCli = cliJson(['anomalies', '--json', '--limit', 'hpack.max_fields_per_block=5', file])
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).code);
  const report = h2lens.decode(read('corpus/grpc_python.pcap'), { config: { hpack: { max_fields_per_block: 5 } } });
  const fromJs = report.events.filter((e) => e.event === 'diagnostic' || e.event === 'notice').map((e) => e.code);
  assert.deepEqual(fromCli, fromJs);
  assert.ok(fromJs.includes('hpack.too_many_fields'));
});
