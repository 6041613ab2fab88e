// The decoding loop of one shard of `decodeFile(path, { threads })` (Node
// only), shared by the calling thread (pool.js) and the workers (worker.js).
import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Reads the file at `path` in chunks of `chunkSize` bytes into `decoder`
 * (set to its shard) and yields, after each chunk, its events with their
 * positions (`drainKeyed`) and the bytes read so far; after the last, the
 * same with the shard's `summary`. The file is closed when the loop ends,
 * also when its consumer stops early.
 */
export function* shardBatches(decoder, path, chunkSize) {
  const fd = openSync(path, 'r');
  try {
    const chunk = new Uint8Array(chunkSize);
    let read = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      read += n;
      decoder.push(chunk.subarray(0, n));
      yield { ...decoder.drainKeyed(), read };
    }
    decoder.finish();
    yield { ...decoder.drainKeyed(), read, summary: decoder.summary() };
  } finally {
    closeSync(fd);
  }
}
