// `decodeFile(path, { threads })` in Node: `threads` decoders, one per shard
// of the capture's connections, as the CLI's `--threads` runs one inspector
// per core. The calling thread decodes shard 0 itself and a worker thread
// each other shard: a worker takes 25-40 ms to start, and on two cores the
// calling thread decoding instead of waiting made the big capture's decode
// about 8 % faster than two workers (docs/BENCHMARKS.md). Every decoder
// reads the whole file; shard `i` of `n` decodes the connections whose
// number is `i` modulo `n` (shard 0 also everything outside connections).
// The events are merged here by their position in the input, each shard's
// in its own order, which gives exactly the events of one decoder
// (`Decoder.drainKeyed`), and the summaries are added up.
import { Worker } from 'node:worker_threads';
import { Decoder } from './core.js';
import { shardBatches } from './shard.js';

/** Batches of events a shard may hold before the merge has passed them on. */
const CREDITS = 8;

/**
 * Decodes the file at `path` (a string or bytes) on `threads` threads: this
 * one and `threads - 1` workers. `stream` is what `streamOptions` returns;
 * `module` the compiled WebAssembly module; `total` the file's size.
 */
export function decodeSharded(path, total, threads, stream, module) {
  const { onProgress, onEvents, signal, chunkSize, decoderOptions } = stream;
  signal?.throwIfAborted();
  // Shard 0's decoder, made first: bad options throw before any worker
  // starts.
  const decoder = new Decoder({ ...decoderOptions, shard: { index: 0, count: threads } });
  // The workers' credits (see worker.js); shard 0, decoded here, counts its
  // batches held instead.
  const credits = new Int32Array(new SharedArrayBuffer(4 * threads)).fill(CREDITS);
  const lanes = [];
  const workers = [];
  const events = [];
  return new Promise((resolve, reject) => {
    let settled = false;
    // Wakes shard 0 when it waits for the merge to take its batches.
    let wake = () => {};
    const stop = (err) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      // No worker stays blocked on a credit while it is terminated.
      for (let i = 0; i < threads; i++) Atomics.store(credits, i, CREDITS);
      for (let i = 0; i < threads; i++) Atomics.notify(credits, i);
      for (const w of workers) w.terminate();
      wake();
      if (err === undefined) resolve({ events, summary: merged(lanes) });
      else reject(err);
    };
    const onAbort = () => stop(signal.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    /** Takes a shard's batch (its events and how far it has read) and
     * passes on every event that can go next. */
    const take = (lane, batch) => {
      lane.through = Math.max(lane.through, batch.position);
      if (batch.summary !== undefined) {
        lane.summary = batch.summary;
        lane.done = true;
      }
      if (batch.events.length > 0) lane.batches.push(batch);
      if (lane.index === 0 && batch.summary === undefined) onProgress?.(batch.read, total);
      const out = merge(lanes, credits);
      if (out.length > 0) {
        if (onEvents) onEvents(out);
        else for (const e of out) events.push(e);
      }
      if (lanes.every((l) => l.done && l.batches.length === 0)) stop();
    };
    for (let index = 0; index < threads; index++) {
      lanes.push({ index, batches: [], next: 0, through: -1, done: false, summary: undefined, merged: undefined });
    }
    const startWorker = (index) => {
      const lane = lanes[index];
      const worker = new Worker(new URL('./worker.js', import.meta.url), {
        workerData: {
          module,
          path,
          options: decoderOptions,
          shard: { index, count: threads },
          chunkSize,
          credits,
        },
      });
      workers.push(worker);
      worker.on('message', (batch) => {
        if (settled) return;
        try {
          take(lane, batch);
          wake();
        } catch (err) {
          stop(err);
        }
      });
      worker.on('error', stop);
      worker.on('exit', (code) => {
        if (!lane.done) stop(new Error(`decodeFile: a decoding thread stopped (exit code ${code})`));
      });
    };
    try {
      for (let index = 1; index < threads; index++) startWorker(index);
    } catch (err) {
      stop(err);
    }
    // Shard 0, here, after the workers have been started. A chunk is read
    // and decoded at once (as in a worker: an asynchronous read measured
    // slower), then the event loop runs, which passes on the workers'
    // batches.
    const own = lanes[0];
    const decodeOwnShard = async () => {
      try {
        if (settled) return;
        for (const batch of shardBatches(decoder, path, chunkSize)) {
          take(own, batch);
          if (batch.summary !== undefined) return;
          await new Promise((r) => setImmediate(r));
          // As a worker waits for a credit: the merge has not passed on
          // CREDITS of this shard's batches yet.
          while (!settled && own.batches.length >= CREDITS) await new Promise((r) => (wake = r));
          if (settled) return;
        }
      } finally {
        decoder.free();
      }
    };
    decodeOwnShard().catch(stop);
  });
}

/**
 * Takes out every event that can go next: the lowest position among the
 * lanes' first events (ties: the lower shard), once no lane still to
 * report could bring a lower one. A shard's own summary event is replaced
 * by the merged one (shard 0's) or dropped (the others').
 */
function merge(lanes, credits) {
  const out = [];
  for (;;) {
    let best;
    for (const lane of lanes) {
      const key = head(lane);
      if (key !== undefined && (best === undefined || key < best.key)) best = { lane, key };
    }
    const waiting = lanes.some(
      (l) =>
        head(l) === undefined &&
        !l.done &&
        (best === undefined || l.through < best.key || (l.through === best.key && l.index < best.lane.index)),
    );
    if (waiting || best === undefined) return out;
    const { lane } = best;
    const batch = lane.batches[0];
    const event = batch.events[lane.next];
    if (event.event !== 'summary') out.push(event);
    else if (lane.index === 0) {
      out.push({ event: 'summary', ...merged(lanes) });
    }
    lane.next += 1;
    if (lane.next === batch.events.length) {
      lane.batches.shift();
      lane.next = 0;
      Atomics.add(credits, lane.index, 1);
      Atomics.notify(credits, lane.index);
    }
  }
}

/** The shards' summaries added up, once all have come (shard 0 keeps it). */
function merged(lanes) {
  lanes[0].merged ??= mergeSummaries(lanes.map((l) => l.summary));
  return lanes[0].merged;
}

function head(lane) {
  const batch = lane.batches[0];
  return batch === undefined ? undefined : batch.keys[lane.next];
}

/**
 * The summary of one decoder from its shards' (the JS mirror of the core's
 * `Summary::add_shard`): what every shard saw alike (input, packets, link
 * types, capture and TCP/IP accounting) is shard 0's; the counts of each
 * shard's own connections add up. The tests compare it with one decoder's
 * on every fixture.
 */
export function mergeSummaries(summaries) {
  const [first, ...rest] = summaries;
  const out = structuredClone(first);
  const addMap = (into, from) => {
    for (const [k, v] of Object.entries(from ?? {})) into[k] = (into[k] ?? 0) + v;
    return into;
  };
  const ADDED = [
    'connections',
    'http2_connections',
    'header_blocks',
    'header_fields',
    'streams',
    'exchanges',
    'grpc_calls',
    'tap_exchanges',
  ];
  for (const s of rest) {
    for (const k of ADDED) {
      // Zero counts of some fields are left out of a summary.
      if (s[k] !== undefined) out[k] = (out[k] ?? 0) + s[k];
    }
    out.protocols = addMap(out.protocols, s.protocols);
    out.frames = addMap(out.frames, s.frames);
    for (const k of ['errors', 'warnings', 'infos']) out.diagnostics[k] += s.diagnostics[k];
    for (const k of ['stream_bytes', 'decoded', 'tls', 'lost']) {
      if (s.bytes[k] !== undefined) out.bytes[k] = (out.bytes[k] ?? 0) + s.bytes[k];
    }
    out.bytes.skipped = addMap(out.bytes.skipped, s.bytes.skipped);
    if (s.connection_list !== undefined) {
      out.connection_list = [...(out.connection_list ?? []), ...s.connection_list];
    }
  }
  out.connection_list?.sort((a, b) => a.conn - b.conn);
  return out;
}
