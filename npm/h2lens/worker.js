// One shard of `decodeFile(path, { threads })` (Node only; see pool.js).
//
// Runs in a worker thread: instantiates the module the main thread compiled
// (the compiled code is shared, not compiled again), reads the whole file,
// decodes the connections of its shard (`options.shard`) and posts each
// batch of events with their positions. A batch of events is posted only
// while the main thread holds fewer than `credits` of the shard's batches,
// so a shard that runs ahead cannot pile up events in memory.
import { parentPort, workerData } from 'node:worker_threads';
import { Decoder, initSync } from './pkg/h2lens.js';
import { shardBatches } from './shard.js';

const { module, path, options, shard, chunkSize, credits } = workerData;
initSync({ module });

const decoder = new Decoder({ ...options, shard });
try {
  for (const batch of shardBatches(decoder, path, chunkSize)) post(batch);
} finally {
  decoder.free();
}

function post(batch) {
  if (batch.events.length > 0) {
    // A batch of events waits for a credit: the main thread gives one back
    // for every such batch it has passed on.
    while (Atomics.load(credits, shard.index) <= 0) Atomics.wait(credits, shard.index, 0);
    Atomics.sub(credits, shard.index, 1);
  }
  parentPort.postMessage(batch, [batch.keys.buffer]);
}
