#!/usr/bin/env node
// The npm package `h2lens` in Node against the native CLI, on the big
// capture. See docs/BENCHMARKS.md.
//
//   node scripts/bench-node.mjs [FILE] [--rounds N]
//        (default FILE: ../shared/corpus/big/h2load_200k.pcap)
//
// Every run is one whole process under /usr/bin/time -f '%M' (peak RSS;
// the wall time from this script's clock), output to /dev/null, runs
// rotated each round:
//
//   native summary        target/release/h2lens summary FILE (one thread per core)
//   native summary, 1 thread   … summary --threads 1 FILE
//   native headers        target/release/h2lens headers --json FILE
//   node pipeline         decodeFile(FILE, { events: { include: [] } }):
//                         everything decoded, nothing crosses to JS (the work
//                         of `summary`: no event is asked for, so header
//                         fields are counted, not listed)
//   node pipeline, threads  the same with { threads: <cores> }: one worker
//                         thread per shard of the connections, as the CLI's
//                         summary runs one inspector per core
//   node pipeline, 2nd    the pipeline run twice in one process, the second
//                         timed: V8 has optimised the hot code by then (the
//                         first run spends part of its time at baseline
//                         speed while V8 compiles), as in a long-lived process
//   node pipeline, threads, 2nd   the same with { threads: <cores> }
//   node pipeline (Blob)  the same through decodeStream(fs.openAsBlob(FILE))
//   node headers-json     Decoder + drainJsonBytes(), header blocks only, written
//                         to /dev/null: the same bytes `headers --json` writes
//   node headers-objects  decodeFile with onEvents, header blocks only, as JS
//                         objects (counted, not kept)
//   node all-objects      decodeFile with onEvents, every event as JS objects
//   node pipeline 1/4     the Blob pipeline on the first quarter of FILE (memory bound)
//   … ×K                  native summary (both), node pipeline and node pipeline,
//                         threads on K copies of FILE (--scale K, default 4;
//                         built with scripts/scale-capture.py in a temporary
//                         folder, deleted at the end; --scale 1 leaves them
//                         out): throughput once the fixed costs of a run
//                         (Node's start, the import, worker threads' start,
//                         V8 optimising the hot code) are spread over more
//                         input. FILE is decoded by the CLI in under 0.1 s,
//                         less than those fixed costs together.
//
// Node runs use `grpc: false`, as the CLI's listing commands do. The file is
// read in 1 MiB chunks; nothing keeps the events. Before a run counts, its
// summary must give the counts of the CLI's `summary --json` on the same
// file (packets, connections, streams, exchanges, header blocks and fields,
// frames): the same verified work. Writes target/bench/node.md and
// target/bench/node.json. Says so and exits 0 when FILE is absent.

import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openAsBlob, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = join(root, 'npm', 'h2lens');

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4], Number(process.argv[5] ?? 1));
  process.exit(0);
}

// --- parent ------------------------------------------------------------------

const args = process.argv.slice(2);
let rounds = 3;
let scale = 4;
const positional = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--rounds') rounds = Number(args[++i]);
  else if (args[i] === '--scale') scale = Number(args[++i]);
  else positional.push(args[i]);
}
if (!Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(scale) || scale < 1) {
  console.error('usage: node scripts/bench-node.mjs [FILE] [--rounds N] [--scale K]');
  process.exit(2);
}
const file = resolve(positional[0] ?? join(root, '..', 'shared', 'corpus', 'big', 'h2load_200k.pcap'));
if (!existsSync(file)) {
  console.log(`bench-node: ${file} is absent; nothing to measure.`);
  console.log('bench-node: pass another capture as the first argument (docs/BENCHMARKS.md says how to record one).');
  process.exit(0);
}
if (!existsSync('/usr/bin/time')) {
  console.error('bench-node: /usr/bin/time is missing (apt-get install time)');
  process.exit(2);
}

console.error('bench-node: building the CLI (release) and the wasm package (no-ops when fresh)');
execFileSync('cargo', ['build', '--release', '--locked', '-p', 'h2lens-cli'], { cwd: root, stdio: 'inherit' });
execFileSync('bash', ['scripts/build-wasm.sh'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
const cli = join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'release', 'h2lens');
const size = statSync(file).size;

// K copies of FILE, for the throughput rows.
const tmp = mkdtempSync(join(tmpdir(), 'h2lens-bench-node-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
let scaled;
if (scale > 1) {
  scaled = join(tmp, `x${scale}.pcap`);
  console.error(`bench-node: writing ${scale} copies of the file (scripts/scale-capture.py)`);
  const made = spawnSync('python3', [join(root, 'scripts', 'scale-capture.py'), file, scaled, String(scale)], { stdio: 'inherit' });
  if (made.status !== 0) {
    console.error(`bench-node: no ${scale}x copy (scale-capture.py failed: a classic Ethernet pcap is needed); its rows are left out`);
    scaled = undefined;
  }
}
const inputs = { file, scaled };

/** What every run must count alike: the CLI's `summary --json` on the input. */
const COUNTED = ['packets', 'connections', 'streams', 'exchanges', 'header_blocks', 'header_fields', 'frames'];
const counts = (summary) => JSON.stringify(COUNTED.map((k) => summary[k]));
const expected = Object.fromEntries(
  Object.entries(inputs)
    .filter(([, path]) => path !== undefined)
    .map(([name, path]) => [name, counts(JSON.parse(execFileSync(cli, ['summary', '--json', path], { maxBuffer: 64 << 20 })))]),
);

const RUNS = [
  { name: 'native summary', cmd: [cli, 'summary', file] },
  { name: 'native summary, 1 thread', cmd: [cli, 'summary', '--threads', '1', file] },
  { name: 'native headers --json', cmd: [cli, 'headers', '--json', file] },
  { name: 'node pipeline', node: 'pipeline' },
  { name: 'node pipeline, threads', node: 'pipeline-threads' },
  { name: 'node pipeline, 2nd', node: 'pipeline-2nd' },
  { name: 'node pipeline, threads, 2nd', node: 'pipeline-threads-2nd' },
  { name: 'node pipeline (Blob)', node: 'pipeline-blob' },
  { name: 'node headers-json', node: 'headers-json' },
  { name: 'node headers-objects', node: 'headers-objects' },
  { name: 'node all-objects', node: 'all-objects' },
  { name: 'node pipeline 1/4', node: 'pipeline-blob', fraction: 0.25 },
  ...(scaled === undefined
    ? []
    : [
        { name: `native summary ×${scale}`, cmd: [cli, 'summary', scaled], input: 'scaled' },
        { name: `native summary, 1 thread ×${scale}`, cmd: [cli, 'summary', '--threads', '1', scaled], input: 'scaled' },
        { name: `node pipeline ×${scale}`, node: 'pipeline', input: 'scaled' },
        { name: `node pipeline, threads ×${scale}`, node: 'pipeline-threads', input: 'scaled' },
      ]),
];

const timeFile = join(tmpdir(), `h2lens-bench-node-${process.pid}.time`);
function measure(run) {
  const input = inputs[run.input ?? 'file'];
  const cmd = run.cmd ?? [process.execPath, fileURLToPath(import.meta.url), '--child', run.node, input, String(run.fraction ?? 1)];
  // Wall time from this clock (time's %e has 10 ms steps, a tenth of the
  // native run); time gives the peak RSS.
  const start = process.hrtime.bigint();
  const out = spawnSync('/usr/bin/time', ['-f', '%M', '-o', timeFile, ...cmd], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
    stdio: ['ignore', run.cmd ? 'ignore' : 'pipe', 'pipe'],
  });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (out.status !== 0) throw new Error(`${run.name} failed (${out.status}):\n${out.stderr}`);
  const rss = Number(readFileSync(timeFile, 'utf8').trim().split('\n').at(-1));
  const { summary, ...detail } = run.cmd ? {} : JSON.parse(out.stdout.trim().split('\n').at(-1));
  // A cut file (1/4) has no CLI run to compare with.
  if (summary !== undefined && run.fraction === undefined && counts(summary) !== expected[run.input ?? 'file']) {
    throw new Error(`${run.name} counted ${counts(summary)}, the CLI's summary --json ${expected[run.input ?? 'file']}`);
  }
  return { wall, rssMiB: rss / 1024, ...detail };
}

const results = new Map(RUNS.map((r) => [r.name, []]));
console.error(`bench-node: ${file} (${(size / 1e6).toFixed(1)} MB), ${rounds} rounds`);
for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < RUNS.length; k++) {
    const run = RUNS[(k + round) % RUNS.length];
    const r = measure(run);
    results.get(run.name).push(r);
    console.error(`  round ${round + 1}: ${run.name} ${r.wall.toFixed(2)} s, ${r.rssMiB.toFixed(0)} MiB peak`);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const summary = RUNS.map((run) => {
  const rs = results.get(run.name);
  const bytes = size * (run.input === 'scaled' ? scale : 1) * (run.fraction ?? 1);
  return {
    run: run.name,
    wall: median(rs.map((r) => r.wall)),
    rssMiB: Math.max(...rs.map((r) => r.rssMiB)),
    mbps: bytes / 1e6 / median(rs.map((r) => r.wall)),
    events: rs[0].events,
    importMs: rs[0].importMs,
    decodeMs: rs[0].decodeMs === undefined ? undefined : median(rs.map((r) => r.decodeMs)),
  };
});
const wallOf = (name) => summary.find((s) => s.run === name).wall;
const decodeOf = (name) => summary.find((s) => s.run === name).decodeMs;
const ratioTo = (ref, seconds) => (ref ? `${((wallOf(ref) / seconds) * 100).toFixed(0)}% of ${ref}` : '');
const against = {
  'node pipeline': 'native summary',
  'node pipeline, threads': 'native summary',
  'node pipeline, 2nd': 'native summary',
  'node pipeline, threads, 2nd': 'native summary',
  'node pipeline (Blob)': 'native summary',
  'node headers-json': 'native headers --json',
  'node headers-objects': 'native headers --json',
  'node all-objects': 'native summary',
  [`node pipeline ×${scale}`]: `native summary, 1 thread ×${scale}`,
  [`node pipeline, threads ×${scale}`]: `native summary ×${scale}`,
};
const lines = [
  `File: ${file}, ${size.toLocaleString('en')} bytes. Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}.`,
  `Median of ${rounds} runs per row, each a whole process (node: import + decode); peak RSS is the largest of the runs.`,
  '',
  '| run | wall s | MB/s | throughput vs native (whole processes) | peak RSS MiB | events to JS | in-process decode s | decoding vs native process |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...summary.map((s) => {
    const ref = against[s.run];
    const whole = s.run.endsWith(', 2nd') ? '' : ratioTo(ref, s.wall);
    const decode = s.decodeMs === undefined ? '' : (s.decodeMs / 1000).toFixed(3);
    const decoding = s.decodeMs === undefined ? '' : ratioTo(ref, s.decodeMs / 1000);
    return `| ${s.run} | ${s.wall.toFixed(3)} | ${s.mbps.toFixed(0)} | ${whole} | ${s.rssMiB.toFixed(0)} | ${s.events ?? ''} | ${decode} | ${decoding} |`;
  }),
  '',
  `One thread against one thread: node pipeline ${((wallOf('native summary, 1 thread') / wallOf('node pipeline')) * 100).toFixed(0)}% of native summary --threads 1 as whole processes, ${((wallOf('native summary, 1 thread') / (decodeOf('node pipeline') / 1000)) * 100).toFixed(0)}% decoding against the native process.`,
  `"Decoding" is the time from decodeFile's call to its result, without Node's start and the module's import; the native figure is its whole process (its start costs about a millisecond).`,
  ...(scaled === undefined
    ? []
    : [
        `On ${scale} copies of the file (${((size * scale) / 1e6).toFixed(0)} MB): node pipeline ${ratioTo(`native summary, 1 thread ×${scale}`, wallOf(`node pipeline ×${scale}`))}, node pipeline, threads ${ratioTo(`native summary ×${scale}`, wallOf(`node pipeline, threads ×${scale}`))}, as whole processes.`,
      ]),
  'Every node run counted what the CLI\'s summary --json counts on the same file (packets, connections, streams, exchanges, header blocks and fields, frames).',
];
mkdirSync(join(root, 'target', 'bench'), { recursive: true });
writeFileSync(join(root, 'target', 'bench', 'node.md'), `${lines.join('\n')}\n`);
writeFileSync(join(root, 'target', 'bench', 'node.json'), `${JSON.stringify({ file, size, rounds, summary, runs: Object.fromEntries(results) }, null, 2)}\n`);
console.log(lines.join('\n'));

// --- child: one measured run ---------------------------------------------------

async function child(mode, path, fraction) {
  const t0 = performance.now();
  const h2lens = await import(pathToFileURL(join(pkg, 'node.js')).href);
  const importMs = performance.now() - t0;
  const t1 = performance.now();
  const include = {
    pipeline: [],
    'pipeline-threads': [],
    'pipeline-2nd': [],
    'pipeline-threads-2nd': [],
    'pipeline-blob': [],
    'headers-json': ['header_block'],
    'headers-objects': ['header_block'],
  }[mode];
  const options = { grpc: false, ...(include ? { events: { include } } : {}) };
  let events = 0;
  let summary; // checked against the CLI's by the parent
  if (mode === 'headers-json') {
    const d = new h2lens.Decoder(options);
    const fd = openSync(path, 'r');
    const out = openSync('/dev/null', 'w');
    const chunk = new Uint8Array(1 << 20);
    const write = () => writeSync(out, d.drainJsonBytes());
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      d.push(chunk.subarray(0, n));
      write();
    }
    d.finish();
    write();
    summary = d.summary();
    events = summary.header_blocks; // the events written: one per line
    d.free();
    closeSync(fd);
    closeSync(out);
  } else if (mode === 'pipeline-blob') {
    let blob = await openAsBlob(path);
    if (fraction < 1) blob = blob.slice(0, Math.floor(blob.size * fraction));
    ({ summary } = await h2lens.decodeStream(blob, { ...options, onEvents: (batch) => (events += batch.length) }));
  } else if (mode === 'pipeline-2nd' || mode === 'pipeline-threads-2nd') {
    const threads = mode === 'pipeline-threads-2nd' ? availableParallelism() : 1;
    await h2lens.decodeFile(path, { ...options, threads });
    const t2 = performance.now();
    ({ summary } = await h2lens.decodeFile(path, { ...options, threads, onEvents: (batch) => (events += batch.length) }));
    const decodeMs = performance.now() - t2;
    console.log(JSON.stringify({ events, importMs, decodeMs, summary }));
    return;
  } else {
    const threads = mode === 'pipeline-threads' ? availableParallelism() : 1;
    ({ summary } = await h2lens.decodeFile(path, { ...options, threads, onEvents: (batch) => (events += batch.length) }));
  }
  // Node's own start and the import are not decoding: the time from the
  // first read to the last event is reported too.
  const decodeMs = performance.now() - t1;
  console.log(JSON.stringify({ events, importMs, decodeMs, summary }));
}
