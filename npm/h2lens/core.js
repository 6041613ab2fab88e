// The public API, shared by the browser and Node entry points.
//
// Each function is the wasm-bindgen export, guarded so that a call before the
// module is instantiated throws a plain-words Error instead of
// "Cannot read properties of undefined". Everything that decodes is in the
// WebAssembly module; this file only adds JS plumbing (streaming from a
// Blob or ReadableStream, hex helpers, a filter over a report's events).
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

export function eventTypes() {
  assertReady();
  return wasm.eventTypes();
}

export function decode(bytes, options) {
  assertReady();
  return wasm.decode(bytes, options);
}

/**
 * Makes the wasm-bindgen classes fail in plain words after `free()` (instead
 * of "null pointer passed to rust"), and `free()` itself idempotent.
 */
function guardFreed(Sub, Base, name) {
  for (const key of Object.getOwnPropertyNames(Base.prototype)) {
    if (key === 'constructor' || key === 'free' || key.startsWith('__')) continue;
    const desc = Object.getOwnPropertyDescriptor(Base.prototype, key);
    const check = (self) => {
      if (self.__wbg_ptr === 0) throw new Error(`${name}.${key}: the ${name} was freed (free() was called)`);
    };
    if (typeof desc.value === 'function') {
      const method = desc.value;
      Object.defineProperty(Sub.prototype, key, {
        ...desc,
        value(...args) {
          check(this);
          return method.apply(this, args);
        },
      });
    } else if (desc.get) {
      const get = desc.get;
      Object.defineProperty(Sub.prototype, key, {
        ...desc,
        get() {
          check(this);
          return get.call(this);
        },
      });
    }
  }
  Object.defineProperty(Sub.prototype, 'free', {
    configurable: true,
    writable: true,
    value() {
      if (this.__wbg_ptr !== 0) Base.prototype.free.call(this);
    },
  });
  if (Symbol.dispose) Sub.prototype[Symbol.dispose] = Sub.prototype.free;
}

export class Decoder extends wasm.Decoder {
  constructor(options) {
    assertReady();
    super(options);
  }
}
guardFreed(Decoder, wasm.Decoder, 'Decoder');

export function hpackDecode(block, options) {
  assertReady();
  if (options != null && typeof options === 'object' && 'decoder' in options) {
    const { decoder, ...rest } = options;
    if (!(decoder instanceof wasm.HpackDecoder)) {
      throw new Error('hpackDecode: options.decoder must be an HpackDecoder');
    }
    if (Object.keys(rest).length > 0) {
      throw new Error(
        `hpackDecode: options.decoder carries its own settings; do not combine it with ${Object.keys(rest).join(', ')}`,
      );
    }
    return decoder.decode(block);
  }
  return wasm.hpackDecode(block, options);
}

export class HpackDecoder extends wasm.HpackDecoder {
  constructor(options) {
    assertReady();
    super(options);
  }
}
guardFreed(HpackDecoder, wasm.HpackDecoder, 'HpackDecoder');

export function hpackEncode(headers, options) {
  assertReady();
  return wasm.hpackEncode(headers, options);
}

export class HpackEncoder extends wasm.HpackEncoder {
  constructor(options) {
    assertReady();
    super(options);
  }
}
guardFreed(HpackEncoder, wasm.HpackEncoder, 'HpackEncoder');

export function groupMetadata(fields, options) {
  assertReady();
  return wasm.groupMetadata(fields, options);
}

export function parseTap(input, options) {
  assertReady();
  return wasm.parseTap(input, options);
}

export function diffHeaders(left, right) {
  assertReady();
  return wasm.diffHeaders(left, right);
}

export function pairExchanges(left, right) {
  assertReady();
  return wasm.pairExchanges(left, right);
}

/** The `grpc_call` events of a report (or of an event array). */
export function grpcCalls(report) {
  const events = Array.isArray(report) ? report : report?.events;
  if (!Array.isArray(events)) {
    throw new Error('grpcCalls: expected a report from decode() or an array of events');
  }
  return events.filter((e) => e.event === 'grpc_call');
}

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

/** Hex text (as in `HexBytes` and `Octets.hex`) to bytes. */
export function hexToBytes(hex) {
  if (typeof hex !== 'string') {
    throw new Error(`hexToBytes: hex must be a string, got ${describe(hex)}`);
  }
  const clean = hex.replace(/\s+/g, '');
  if (!HEX_RE.test(clean)) {
    throw new Error('hexToBytes: not hex (an even number of 0-9a-f digits)');
  }
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) {
    out[i] = parseInt(clean.substr(i * 2, 2), 16);
  }
  return out;
}

/** Bytes to lower-case hex. */
export function bytesToHex(bytes) {
  if (!(bytes instanceof Uint8Array)) {
    throw new Error(`bytesToHex: bytes must be a Uint8Array, got ${describe(bytes)}`);
  }
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

const utf8 = new TextEncoder();

/** The exact bytes of an `Octets` value (a string is UTF-8; `{hex}` is hex). */
export function octetsToBytes(value) {
  if (typeof value === 'string') return utf8.encode(value);
  if (value !== null && typeof value === 'object' && typeof value.hex === 'string') {
    return hexToBytes(value.hex);
  }
  throw new Error(`octetsToBytes: expected a string or { text, hex }, got ${describe(value)}`);
}

function describe(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

const STREAM_KEYS = new Set(['onProgress', 'onEvents', 'signal', 'chunkSize']);
const DEFAULT_CHUNK = 1 << 20;

/**
 * Decodes a Blob (a File) or a ReadableStream chunk by chunk, so a large
 * capture is never in memory at once. `onEvents(batch)` receives events as
 * they are decoded (then the report's `events` stays empty); `onProgress(bytesRead,
 * total)` follows the input; `signal` aborts. Resolves to `{ events,
 * summary, exchanges?, har? }`.
 */
export async function decodeStream(source, options = {}) {
  assertReady();
  const isBlob = typeof Blob !== 'undefined' && source instanceof Blob;
  const isStream = typeof ReadableStream !== 'undefined' && source instanceof ReadableStream;
  const stream = streamOptions('decodeStream', options);
  if (!isBlob && !isStream) {
    throw new Error(`decodeStream: source must be a Blob or a ReadableStream, got ${describe(source)}`);
  }
  const open = isBlob ? () => blobChunks(source, stream.chunkSize) : () => streamChunks(source);
  return decodeChunks(open, isBlob ? source.size : undefined, stream);
}

/** Checks `decodeStream`-style options; splits off the decoder's. */
export function streamOptions(fn, options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new Error(`${fn}: options must be an object, got ${describe(options)}`);
  }
  const { onProgress, onEvents, signal, chunkSize = DEFAULT_CHUNK } = options;
  for (const [name, f] of [['onProgress', onProgress], ['onEvents', onEvents]]) {
    if (f !== undefined && typeof f !== 'function') {
      throw new Error(`${fn}: options.${name} must be a function, got ${describe(f)}`);
    }
  }
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new Error(`${fn}: options.chunkSize must be a positive integer, got ${String(chunkSize)}`);
  }
  const decoderOptions = {};
  for (const [k, v] of Object.entries(options)) {
    if (!STREAM_KEYS.has(k)) decoderOptions[k] = v;
  }
  return { onProgress, onEvents, signal, chunkSize, decoderOptions };
}

/**
 * The loop every streaming entry shares: `open()` gives an async iterator of
 * Uint8Array chunks (each may be reused by the source once pushed, as
 * `push` copies it), `total` is the input size when known. The source is
 * opened only once the options have passed (`new Decoder` checks them), so
 * a misspelt option leaves a stream unlocked and unread.
 */
export async function decodeChunks(open, total, { onProgress, onEvents, signal, chunkSize, decoderOptions }) {
  signal?.throwIfAborted();
  const decoder = new Decoder(decoderOptions);
  let chunks;
  try {
    chunks = open();
  } catch (err) {
    decoder.free();
    throw err;
  }
  const events = [];
  const deliver = (batch) => {
    if (batch.length === 0) return;
    if (onEvents) onEvents(batch);
    else for (const e of batch) events.push(e);
  };
  let bytesRead = 0;
  try {
    for (;;) {
      signal?.throwIfAborted();
      const { done, value } = await chunks.next();
      if (done) break;
      signal?.throwIfAborted();
      if (!(value instanceof Uint8Array)) {
        throw new Error(`decodeStream: the stream gave ${describe(value)}, not a Uint8Array chunk`);
      }
      // A large chunk is pushed in pieces so events flow out steadily.
      for (let at = 0; at < value.length; at += chunkSize) {
        decoder.push(value.subarray(at, Math.min(value.length, at + chunkSize)));
        deliver(decoder.drain());
      }
      bytesRead += value.length;
      onProgress?.(bytesRead, total);
    }
    decoder.finish();
    deliver(decoder.drain());
    const report = { events, summary: decoder.summary() };
    if (decoderOptions.collect || decoderOptions.har) report.exchanges = decoder.exchanges();
    if (decoderOptions.har) report.har = decoder.har();
    return report;
  } catch (err) {
    await chunks.throw?.(err).catch(() => {});
    throw err;
  } finally {
    decoder.free();
  }
}

/** A read started ahead of its use: if it fails after the decoding has
 * stopped for another reason (an abort, a throwing callback), nobody awaits
 * it, and that must not become an unhandled rejection. Awaiting the
 * returned promise still sees the failure. */
export function ahead(promise) {
  promise.catch(() => {});
  return promise;
}

/** A Blob's bytes in slices of `chunkSize`, the next one read while the
 * current one decodes (reading a File waits on I/O). */
async function* blobChunks(blob, chunkSize) {
  const total = blob.size;
  const read = (from) => ahead(blob.slice(from, Math.min(total, from + chunkSize)).arrayBuffer());
  let next = total > 0 ? read(0) : undefined;
  for (let at = 0; at < total; ) {
    const chunk = new Uint8Array(await next);
    at += chunk.length;
    next = at < total ? read(at) : undefined;
    yield chunk;
  }
}

/** A ReadableStream's chunks, the next one requested while the current one
 * decodes. Decoding errors cancel the stream with their reason. */
function streamChunks(stream) {
  const reader = stream.getReader();
  let next = ahead(reader.read());
  let ended = false;
  const release = () => {
    ended = true;
    reader.releaseLock?.();
  };
  return {
    async next() {
      const result = await next;
      if (result.done) release();
      else next = ahead(reader.read());
      return result;
    },
    async throw(err) {
      if (!ended) {
        reader.cancel(err).catch(() => {});
        release();
      }
      return { done: true, value: undefined };
    },
  };
}
