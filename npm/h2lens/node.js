// Node entry point: the module is read from disk and instantiated on import,
// so `import { version } from 'h2lens'` is ready to use. `init()` exists for
// code shared with the browser and resolves at once.
import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { initSync as initWasmSync } from './pkg/h2lens.js';
import { ahead, decodeChunks, isReady, markReady, streamOptions } from './core.js';

export {
  version,
  defaultConfig,
  config,
  octets,
  eventTypes,
  decode,
  decodeStream,
  Decoder,
  hpackDecode,
  HpackDecoder,
  hpackEncode,
  HpackEncoder,
  groupMetadata,
  parseTap,
  diffHeaders,
  pairExchanges,
  grpcCalls,
  hexToBytes,
  bytesToHex,
  octetsToBytes,
} from './core.js';

// The speed-optimised build of the module (scripts/build-wasm.sh): on a
// disk, a megabyte more costs nothing; browsers get the small one. Kept
// compiled for the worker threads of `decodeFile(path, { threads })`, which
// share its code instead of compiling it again.
const wasmModule = new WebAssembly.Module(readFileSync(new URL('./pkg/h2lens_bg.node.wasm', import.meta.url)));
initWasmSync({ module: wasmModule });
markReady();

export default async function init() {}

/**
 * Decodes the file at `path` (a string, Buffer or URL) chunk by chunk, as
 * `decodeStream` does for a Blob, with the same options. Node only: it reads
 * through a file handle, the next chunk while the current one decodes,
 * which in Node is several times cheaper than reading a Blob from
 * `fs.openAsBlob` (whose reads cost about as much as decoding).
 *
 * `threads: n` (default 1) decodes a capture on `n` threads (this one and
 * `n - 1` workers), each the connections of one shard, as the CLI's
 * `--threads`; the events and the summary are exactly those of one thread.
 * With `collect` or `har` the file is decoded on one thread.
 */
export async function decodeFile(path, options = {}) {
  if (!isReady()) throw new Error('h2lens: the WebAssembly module is not initialised');
  const object = options !== null && typeof options === 'object' && !Array.isArray(options);
  const { threads = 1, ...rest } = object ? options : {};
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new Error(`decodeFile: options.threads must be an integer from 1 to 64, got ${String(threads)}`);
  }
  if (threads > 1 && rest.shard !== undefined) {
    throw new Error('decodeFile: options.threads shards the input itself; do not combine it with options.shard');
  }
  const stream = streamOptions('decodeFile', object ? rest : options);
  const handle = await open(path, 'r');
  let size;
  try {
    size = (await handle.stat()).size;
    if (threads === 1 || rest.collect || rest.har) {
      return await decodeChunks(() => fileChunks(handle, stream.chunkSize), size, stream);
    }
  } finally {
    await handle.close();
  }
  const { decodeSharded } = await import('./pool.js');
  return decodeSharded(filePath(path), size, threads, stream, wasmModule);
}

/** The path as a worker thread can receive it: a URL object cannot cross,
 * bytes (a Buffer) cross as they are. */
function filePath(path) {
  return path instanceof URL ? fileURLToPath(path) : path;
}

/** The file's bytes in chunks; two buffers take turns: one is decoded while
 * the next read fills the other (`push` has copied a chunk once the next
 * one is asked for). */
async function* fileChunks(handle, chunkSize) {
  const buffers = [new Uint8Array(chunkSize), new Uint8Array(chunkSize)];
  let position = 0;
  let turn = 0;
  let next = ahead(handle.read(buffers[turn], 0, chunkSize, position));
  try {
    for (;;) {
      const { bytesRead } = await next;
      if (bytesRead === 0) {
        next = undefined;
        return;
      }
      const chunk = buffers[turn].subarray(0, bytesRead);
      position += bytesRead;
      turn ^= 1;
      next = ahead(handle.read(buffers[turn], 0, chunkSize, position));
      yield chunk;
    }
  } finally {
    // No read may still be running when the handle closes.
    await next?.catch(() => {});
  }
}

export function initSync() {}
