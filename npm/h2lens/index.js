// Browser (and bundler) entry point: instantiate with `await init()`.
import initWasm, { initSync as initWasmSync } from './pkg/h2lens.js';
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

let pending;

/** Node only (it reads a path from disk): in a browser, pass the `File` to
 * `decodeStream`. Here it rejects saying so, so that both entries export the
 * same names. */
export async function decodeFile() {
  throw new Error('decodeFile: reading a file by path needs Node; in a browser, use decodeStream(file)');
}

/**
 * Instantiates the WebAssembly module. `input` is where the .wasm comes from:
 * a URL or string, a `Response` (or a promise of one), the bytes
 * (`ArrayBuffer`/`Uint8Array`) or a compiled `WebAssembly.Module`. By default
 * it is fetched from beside this file, which bundlers (Vite, webpack 5,
 * esbuild with a file loader) understand. Calling it again is harmless.
 */
export default function init(input) {
  pending ??= initWasm({
    module_or_path: input ?? new URL('./pkg/h2lens_bg.wasm', import.meta.url),
  }).then(
    () => markReady(),
    (err) => {
      pending = undefined; // let a later call retry (e.g. after a network error)
      throw err;
    },
  );
  return pending;
}

/** Synchronous instantiation from bytes or a compiled `WebAssembly.Module`. */
export function initSync(module) {
  initWasmSync({ module });
  markReady();
}
