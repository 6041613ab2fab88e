// Node entry point: the module is read from disk and instantiated on import,
// so `import { version } from 'h2lens'` is ready to use. `init()` exists for
// code shared with the browser and resolves at once.
import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
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
// disk, a megabyte more costs nothing; browsers get the small one.
initWasmSync({ module: readFileSync(new URL('./pkg/h2lens_bg.node.wasm', import.meta.url)) });
markReady();

export default async function init() {}

/**
 * Decodes the file at `path` (a string, Buffer or URL) chunk by chunk, as
 * `decodeStream` does for a Blob, with the same options. Node only: it reads
 * through a file handle, the next chunk while the current one decodes,
 * which in Node is several times cheaper than reading a Blob from
 * `fs.openAsBlob` (whose reads cost about as much as decoding).
 */
export async function decodeFile(path, options = {}) {
  if (!isReady()) throw new Error('h2lens: the WebAssembly module is not initialised');
  const stream = streamOptions('decodeFile', options);
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    return await decodeChunks(() => fileChunks(handle, stream.chunkSize), size, stream);
  } finally {
    await handle.close();
  }
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
