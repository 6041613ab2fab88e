// Node entry point: the module is read from disk and instantiated on import,
// so `import { version } from 'h2lens'` is ready to use. `init()` exists for
// code shared with the browser and resolves at once.
import { readFileSync } from 'node:fs';
import { initSync as initWasmSync } from './pkg/h2lens.js';
import { markReady } from './core.js';

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

export function initSync() {}
