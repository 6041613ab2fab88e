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

const { BlockStore, FrameStore, Strings } = await importWww('worker/testing.ts');

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
