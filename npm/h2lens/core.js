// The public API, shared by the browser and Node entry points.
//
// Each function is the wasm-bindgen export, guarded so that a call before the
// module is instantiated throws a plain-words Error instead of
// "Cannot read properties of undefined".
import * as wasm from './pkg/h2lens.js';

let ready = false;

/** @internal Called by the entry points once the module is instantiated. */
export function markReady() {
  ready = true;
}

/** @internal */
export function isReady() {
  return ready;
}

function assertReady() {
  if (!ready) {
    throw new Error(
      'h2lens: the WebAssembly module is not initialised yet; call `await init()` (or `initSync(bytes)`) first',
    );
  }
}

export function version() {
  assertReady();
  return wasm.version();
}

export function defaultConfig() {
  assertReady();
  return wasm.defaultConfig();
}

export function config(overrides) {
  assertReady();
  return wasm.config(overrides);
}

export function octets(bytes) {
  assertReady();
  return wasm.octets(bytes);
}
