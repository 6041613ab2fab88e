// decodeFile(path, { threads }) through the installed npm package: the
// calling thread and worker threads each decode one shard of a capture's
// connections, and the report
// must be exactly the one of a single thread, for every capture fixture,
// with every event or a filtered few, as objects or through onEvents. The
// Decoder's `shard` option and `drainKeyed()` underneath, and misuse.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fixturesDir, importInstalled, installPackedPackage } from './support/package.mjs';

let project;
let h2lens;

before(async () => {
  project = installPackedPackage('h2lens-threads-');
  h2lens = await importInstalled(project.dir);
});

after(() => project?.cleanup());

/** Every capture among the fixtures, and a tap stream (decoded by shard 0 alone). */
function inputs() {
  const found = [];
  for (const dir of ['corpus', 'extra', 'net']) {
    for (const name of readdirSync(join(fixturesDir, dir))) {
      if (/\.pcap(ng)?$/.test(name)) found.push(`${dir}/${name}`);
    }
  }
  found.push('tap/linkerd_tap.json');
  return found;
}

test('decodeFile with 2 or 3 threads gives exactly the report of one thread, for every capture', async () => {
  const files = inputs();
  assert.ok(files.length >= 30, `found only ${files.length} inputs`);
  const keylog = new Uint8Array(readFileSync(join(fixturesDir, 'corpus/h2_tls_curl.keys.log')));
  for (const name of files) {
    const path = join(fixturesDir, name);
    for (const options of [{}, { grpc: false, events: { include: ['header_block', 'grpc_call', 'summary'] } }]) {
      const withKeys = name.includes('h2_tls_curl') ? { ...options, keylog } : options;
      const one = await h2lens.decodeFile(path, withKeys);
      for (const threads of [2, 3]) {
        const many = await h2lens.decodeFile(path, { ...withKeys, threads });
        assert.deepEqual(many, one, `${name}, ${threads} threads, ${JSON.stringify(options)}`);
      }
    }
  }
});

test('decodeFile with threads: garbage and a cut capture give one thread’s diagnostics too', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'h2lens-threads-'));
  try {
    let seed = 7;
    const garbage = Uint8Array.from({ length: 50_000 }, () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24);
    const capture = readFileSync(join(fixturesDir, 'corpus/grpc_python.pcapng'));
    const inputs = {
      'garbage.bin': garbage,
      'cut.pcapng': capture.subarray(0, Math.floor(capture.length * 0.6)),
      'pcap-magic-then-garbage.pcap': new Uint8Array([...readFileSync(join(fixturesDir, 'corpus/h2c_curl_prior.pcap')).subarray(0, 24), ...garbage]),
    };
    for (const [name, bytes] of Object.entries(inputs)) {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      const one = await h2lens.decodeFile(path);
      assert.equal(one.summary.input_bytes, bytes.length, name);
      assert.ok(one.events.some((e) => e.severity === 'error' || e.severity === 'warning'), `${name}: a diagnostic says what is wrong`);
      assert.deepEqual(await h2lens.decodeFile(path, { threads: 2 }), one, name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Chunks of 100 bytes: the calling thread's shard runs far ahead of the
// workers (which take tens of milliseconds to start) and must wait for the
// merge, as a worker does; a wait that is never woken hangs, hence the
// timeout.
test('decodeFile with threads: events through onEvents in order, progress up to the file size', { timeout: 120_000 }, async () => {
  for (const [name, chunkSize] of [
    ['corpus/h2c_continuation.pcap', 4096],
    ['corpus/grpc_python_midstream.pcapng', 4096],
    ['net/tcp_port_reuse.pcap', 4096],
    ['corpus/grpc_python.pcap', 100],
  ]) {
    const path = join(fixturesDir, name);
    const size = statSync(path).size;
    const one = await h2lens.decodeFile(path);
    const batches = [];
    const progress = [];
    const report = await h2lens.decodeFile(path, {
      threads: chunkSize === 100 ? 3 : 2,
      chunkSize,
      onEvents: (b) => batches.push(b),
      onProgress: (n, total) => progress.push([n, total]),
    });
    assert.deepEqual(report.events, []);
    assert.deepEqual(report.summary, one.summary, name);
    assert.deepEqual(batches.flat(), one.events, name);
    assert.deepEqual(progress.at(-1), [size, size], name);
    assert.equal(progress.length, Math.ceil(size / chunkSize), name);
    // The path as bytes or a file URL, as one thread takes it.
    for (const same of [Buffer.from(path), new URL(`file://${path}`)]) {
      assert.deepEqual(await h2lens.decodeFile(same, { threads: 2 }), one, `${name} as ${same.constructor.name}`);
    }
  }
});

test('Decoder shards: merged by drainKeyed keys, they give the events of one Decoder', () => {
  const bytes = new Uint8Array(readFileSync(join(fixturesDir, 'corpus/h2c_continuation.pcap')));
  const whole = h2lens.decode(bytes).events;
  const keyed = [];
  for (let index = 0; index < 3; index++) {
    const d = new h2lens.Decoder({ shard: { index, count: 3 } });
    d.push(bytes);
    d.finish();
    const { events, keys, position } = d.drainKeyed();
    assert.equal(events.length, keys.length);
    assert.ok(keys.every((k, i) => i === 0 || k >= keys[i - 1]), 'keys never decrease');
    assert.equal(position, 2 ** 64, 'after finish no event can come');
    events.forEach((event, i) => keyed.push({ key: keys[i], index, event }));
    d.free();
  }
  // Each shard has its own summary event; one decoder has one.
  const merged = keyed
    .filter((k) => k.event.event !== 'summary')
    .sort((a, b) => a.key - b.key || a.index - b.index)
    .map((k) => k.event);
  assert.deepEqual(merged, whole.filter((e) => e.event !== 'summary'));
  assert.ok(new Set(keyed.filter((k) => k.event.event === 'connection').map((k) => k.index)).size > 1, 'the connections spread over the shards');
});

test('decodeFile threads: bad values, a shard of its own, a missing file, an abort and a throwing callback', async () => {
  const path = join(fixturesDir, 'corpus/h2c_continuation.pcap');
  for (const threads of [0, 1.5, '2', 65, null]) {
    await assert.rejects(h2lens.decodeFile(path, { threads }), /^Error: decodeFile: options\.threads must be an integer from 1 to 64/);
  }
  await assert.rejects(h2lens.decodeFile(path, { threads: 2, shard: { index: 0, count: 2 } }), /do not combine it with options\.shard/);
  await assert.rejects(h2lens.decodeFile(path, { threads: 2, nope: 1 }), /unknown field `nope`/);
  await assert.rejects(h2lens.decodeFile(join(fixturesDir, 'no-such-file.pcap'), { threads: 2 }), { code: 'ENOENT' });
  assert.throws(() => new h2lens.Decoder({ shard: { index: 2, count: 2 } }), /^Error: new Decoder: options\.shard must have 0 <= index < count, got index 2 and count 2$/);
  assert.throws(() => new h2lens.Decoder({ shard: { index: 0, count: 0 } }), /options\.shard must have 0 <= index < count/);
  const controller = new AbortController();
  let chunks = 0;
  await assert.rejects(
    h2lens.decodeFile(path, {
      threads: 2,
      chunkSize: 100,
      signal: controller.signal,
      onProgress: () => {
        if (++chunks === 3) controller.abort(new Error('stop here'));
      },
    }),
    /stop here/,
  );
  await assert.rejects(h2lens.decodeFile(path, { threads: 2, signal: AbortSignal.abort() }), { name: 'AbortError' });
  await assert.rejects(
    h2lens.decodeFile(path, {
      threads: 2,
      onEvents: () => {
        throw new Error('callback failed');
      },
    }),
    /callback failed/,
  );
  // Still working afterwards, with threads.
  assert.equal((await h2lens.decodeFile(path, { threads: 2 })).summary.header_blocks, h2lens.decode(readFileSync(path)).summary.header_blocks);
});
