// One shard of `decodeFile(path, { threads })` (Node only; see pool.js).
//
// Runs in a worker thread: instantiates the module the main thread compiled
// (the compiled code is shared, not compiled again), reads the whole file,
// decodes the connections of its shard (`options.shard`) and posts each
// batch of events with their positions. A batch of events is posted only
// while the main thread holds fewer than `credits` of the shard's batches,
// so a shard that runs ahead cannot pile up events in memory.
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { Decoder, initSync } from './pkg/h2lens.js';

const { module, path, options, shard, chunkSize, credits } = workerData;
initSync({ module });

const decoder = new Decoder({ ...options, shard });
const fd = openSync(path, 'r');
try {
  const chunk = new Uint8Array(chunkSize);
  let read = 0;
  for (;;) {
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    read += n;
    decoder.push(chunk.subarray(0, n));
    post(decoder.drainKeyed(), read, undefined);
  }
  decoder.finish();
  post(decoder.drainKeyed(), read, decoder.summary());
} finally {
  closeSync(fd);
  decoder.free();
}

function post(batch, read, summary) {
  if (batch.events.length > 0) {
    // A batch of events waits for a credit: the main thread gives one back
    // for every such batch it has passed on.
    while (Atomics.load(credits, shard.index) <= 0) Atomics.wait(credits, shard.index, 0);
    Atomics.sub(credits, shard.index, 1);
  }
  parentPort.postMessage({ ...batch, read, summary }, [batch.keys.buffer]);
}
