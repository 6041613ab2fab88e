// The worker keeps decoded events in compact columns (www/src/worker/
// blocks.ts, frames.ts). Rebuilding an event must give back exactly what
// the decoder produced: every fixture capture is decoded with the npm
// package, every header block and frame goes through the stores, and the
// rebuilt JSON must equal the original JSON text (same keys, same order).

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Decoder } from 'h2lens';
import { importWww } from './support/bundle.mjs';
import { fixtures } from './support/paths.mjs';

const { BlockStore, FrameStore, Strings, ColumnIngest, readColumns, BLOCK_WIDTH, FRAME_WIDTH, EXCHANGE_WIDTH } =
  await importWww('worker/testing.ts');

const inputs = [
  ...readdirSync(join(fixtures, 'corpus'))
    .filter((f) => /\.pcapng?$/.test(f))
    .map((f) => join(fixtures, 'corpus', f)),
  ...readdirSync(join(fixtures, 'extra'))
    .filter((f) => f.endsWith('.pcap'))
    .map((f) => join(fixtures, 'extra', f)),
];

function decode(file, output) {
  const d = new Decoder({ grpc: true, decodeRaw: true, config: { output } });
  d.push(new Uint8Array(readFileSync(file)));
  d.finish();
  return d.drain();
}

for (const output of [{}, { frame_bytes: 4096, header_block_bytes: true }]) {
  test(`compact stores give back every event (${JSON.stringify(output)})`, () => {
    let blocks = 0;
    let frames = 0;
    for (const file of inputs) {
      const strings = new Strings();
      const bs = new BlockStore(strings);
      const fs = new FrameStore();
      const kept = [];
      for (const ev of decode(file, output)) {
        if (ev.event === 'header_block') kept.push(['b', bs.add(ev), JSON.stringify(ev)]);
        if (ev.event === 'frame') kept.push(['f', fs.add(ev), JSON.stringify(ev)]);
      }
      for (const [kind, i, json] of kept) {
        const back = kind === 'b' ? bs.get(i) : fs.get(i);
        assert.equal(JSON.stringify(back), json, `${file}: ${kind === 'b' ? 'block' : 'frame'} ${i}`);
      }
      const compactBlocks = kept.filter(([k, i]) => k === 'b' && !bs.isRaw(i)).length;
      blocks += kept.filter(([k]) => k === 'b').length;
      frames += kept.filter(([k]) => k === 'f').length;
      // The compact form is the norm, not the fallback.
      assert.equal(compactBlocks, kept.filter(([k]) => k === 'b').length, `${file}: blocks kept raw`);
    }
    assert.ok(blocks >= 200 && frames >= 700, `${blocks} blocks, ${frames} frames checked`);
  });
}

/** The shapes crates/h2lens-wasm/src/columns.rs sends as rows, read from the JSON event. */
function blockFitsRow(b) {
  const one = (list) => Array.isArray(list) && list.length === 1;
  return (
    b.promised_stream_id === undefined && b.priority === undefined && b.bytes === undefined &&
    b.error === undefined && b.diagnostics === undefined && b.fields_not_listed === undefined &&
    b.table_state.state === 'synced' && one(b.packets) && b.packets[0] === b.packet &&
    one(b.frames) && one(b.fragments)
  );
}

function frameFitsRow(f) {
  if (f.bytes !== undefined || f.data !== undefined) return false;
  const p = f.frame;
  return (
    p === undefined ||
    p.type === 'DATA' || p.type === 'CONTINUATION' || p.type === 'WINDOW_UPDATE' ||
    (p.type === 'HEADERS' && p.priority === undefined)
  );
}

function exchangeFitsRow(x) {
  return (
    x.reset === undefined && x.informational === undefined && x.promised_on === undefined &&
    x.began_before_capture === undefined
  );
}

/**
 * `bytes` through `Decoder.drainColumns` in `chunk`-byte pushes and the
 * stores, as the inspector's worker does: every event back as JSON text, in
 * order, and the rows each batch carried.
 */
function viaColumns(bytes, output, chunk) {
  const strings = new Strings();
  const bs = new BlockStore(strings);
  const fs = new FrameStore();
  const ingest = new ColumnIngest(strings, bs, fs);
  const events = [];
  const rows = { blocks: 0, frames: 0, exchanges: 0 };
  const sink = {
    event: (ev) => events.push(JSON.stringify(ev)),
    block: (i) => events.push(JSON.stringify(bs.get(i))),
    frame: (i) => events.push(JSON.stringify(fs.get(i))),
  };
  const feed = (batch) => {
    const c = readColumns(batch);
    rows.blocks += c.blocks.length / BLOCK_WIDTH;
    rows.frames += c.frames.length / FRAME_WIDTH;
    rows.exchanges += c.exchanges.length / EXCHANGE_WIDTH;
    ingest.ingest(c, sink);
  };
  const d = new Decoder({ grpc: true, decodeRaw: true, config: { output } });
  for (let at = 0; at < bytes.length; at += chunk) {
    d.push(bytes.subarray(at, at + chunk));
    feed(d.drainColumns());
  }
  d.finish();
  feed(d.drainColumns());
  d.free();
  return { events, rows };
}

// The inspector takes events from the binding as column batches
// (Decoder.drainColumns, www/src/worker/columns.ts): blocks and frames as
// rows of numbers, everything else as JSON lines. Through the stores, that
// must give back every event exactly as the JSON path gives it, in order.
for (const output of [{}, { frame_bytes: 4096, header_block_bytes: true }]) {
  test(`column batches give back every event, in order (${JSON.stringify(output)})`, () => {
    const totals = { events: 0, blocks: 0, frames: 0, exchanges: 0, blockRows: 0, frameRows: 0, exchangeRows: 0, blockFits: 0, frameFits: 0, exchangeFits: 0 };
    for (const file of inputs) {
      const expected = decode(file, output).map((ev) => JSON.stringify(ev));
      // Several batches, so strings interned in one are used in the next.
      const { events: got, rows } = viaColumns(new Uint8Array(readFileSync(file)), output, 1500);
      totals.blockRows += rows.blocks;
      totals.frameRows += rows.frames;
      totals.exchangeRows += rows.exchanges;
      assert.equal(got.length, expected.length, `${file}: event count`);
      got.forEach((g, k) => assert.equal(g, expected[k], `${file}: event ${k}`));
      totals.events += expected.length;
      for (const ev of expected.map((e) => JSON.parse(e))) {
        if (ev.event === 'header_block') {
          totals.blocks++;
          totals.blockFits += blockFitsRow(ev) ? 1 : 0;
        }
        if (ev.event === 'frame') {
          totals.frames++;
          totals.frameFits += frameFitsRow(ev) ? 1 : 0;
        }
        if (ev.event === 'exchange') {
          totals.exchanges++;
          totals.exchangeFits += exchangeFitsRow(ev) ? 1 : 0;
        }
      }
    }
    assert.ok(totals.blocks >= 200 && totals.frames >= 700, JSON.stringify(totals));
    // Every block and frame of a common shape went as a row (the fast path
    // is used whenever it can be), and the fixtures have plenty of them
    // except when bytes are kept (those are JSON's job).
    assert.equal(totals.blockRows, totals.blockFits, JSON.stringify(totals));
    assert.equal(totals.frameRows, totals.frameFits, JSON.stringify(totals));
    assert.equal(totals.exchangeRows, totals.exchangeFits, JSON.stringify(totals));
    assert.ok(totals.exchangeRows >= 0.5 * totals.exchanges, JSON.stringify(totals));
    if (output.frame_bytes === undefined) {
      assert.ok(totals.blockRows >= 0.6 * totals.blocks && totals.frameRows >= 0.5 * totals.frames, JSON.stringify(totals));
    } else {
      assert.equal(totals.blockRows + totals.frameRows, 0, JSON.stringify(totals));
    }
  });
}

test('column batches of damaged input give back the same events as JSON', () => {
  // Flipped bytes in a real capture and plain random bytes: whatever the
  // decoder makes of them (diagnostics, unsynced tables, odd shapes), the
  // column path must carry exactly the same events.
  let seed = 20261127;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const base = new Uint8Array(readFileSync(join(fixtures, 'corpus', 'grpc_python.pcap')));
  const inputs = [Uint8Array.from({ length: 20000 }, () => Math.floor(rand() * 256))];
  for (let round = 0; round < 12; round++) {
    const damaged = base.slice();
    for (let k = 0; k < 40; k++) damaged[40 + Math.floor(rand() * (damaged.length - 40))] ^= 1 << Math.floor(rand() * 8);
    inputs.push(damaged);
  }
  let events = 0;
  for (const bytes of inputs) {
    const json = new Decoder({ grpc: true, decodeRaw: true });
    json.push(bytes);
    json.finish();
    const expected = json.drain().map((ev) => JSON.stringify(ev));
    json.free();
    const got = viaColumns(bytes, {}, 4096).events;
    assert.deepEqual(got, expected);
    events += got.length;
  }
  assert.ok(events > 1000, `${events} events`);
});

test('a block of an unknown shape is kept as it came', () => {
  const strings = new Strings();
  const bs = new BlockStore(strings);
  const [ev] = decode(join(fixtures, 'corpus', 'grpc_python.pcap'), {}).filter(
    (e) => e.event === 'header_block',
  );
  const future = { ...ev, fields: ev.fields.map((f, k) => (k === 1 ? { ...f, note: 'new key' } : f)) };
  const i = bs.add(future);
  assert.equal(bs.isRaw(i), true);
  assert.equal(JSON.stringify(bs.get(i)), JSON.stringify(future));
  // The store stays consistent for the next block.
  const j = bs.add(ev);
  assert.equal(JSON.stringify(bs.get(j)), JSON.stringify(ev));
});
