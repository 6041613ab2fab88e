// The one module that talks to the `h2lens` npm package (the WebAssembly
// build of the core). Everything else in the inspector goes through these
// few functions, so a change in the binding's API is a change here only.
//
// It runs inside the decoding worker: the page itself never loads the
// WebAssembly module.

import init, {
  Decoder,
  diffHeaders as coreDiffHeaders,
  groupMetadata as coreGroupMetadata,
  hpackDecode as coreHpackDecode,
  pairExchanges as corePairExchanges,
  version,
  type DecodeOptions as CoreDecodeOptions,
} from 'h2lens';
import type { AnyEvent, ExchangePair, Header, HeaderDiff, Metadata, PairKey } from './schema';

/**
 * Decode options, as the binding takes them (`DecodeOptions` of the
 * package: `grpc` and `decodeRaw` default to true there; set here anyway).
 */
export interface DecodeOptions {
  /** Skip format detection (`'http2'` for raw frames). */
  format?: string;
  /** Summarise gRPC calls. */
  grpc?: boolean;
  /** Decode gRPC messages without a schema (protobuf field tree). */
  decodeRaw?: boolean;
  /** A FileDescriptorSet to decode gRPC messages by their types. */
  protoset?: Uint8Array;
  /** Keep every exchange's headers (needed for HAR export). */
  collect?: boolean;
  /** An NSS key log (SSLKEYLOGFILE text) to decrypt TLS with. */
  keylog?: Uint8Array;
  /** Which event types cross to JS (filtered before conversion). */
  events?: { include?: string[]; exclude?: string[] };
  config?: {
    output?: { frame_bytes?: number; header_block_bytes?: boolean; table_events?: boolean };
  };
}

/** The streaming decoder of the binding. */
export interface StreamDecoder {
  push(bytes: Uint8Array): void;
  /** Every event decoded since the last call, in order. */
  drain(): AnyEvent[];
  /**
   * The same as JSON Lines text (what `h2lens … --json` prints): cheaper
   * when the events are handed to another worker before being read.
   */
  drainText(): string;
  /**
   * The same as a column batch (blocks, frames and exchanges as numbers, the rest as
   * JSON lines; read by worker/columns.ts): far less to write and parse.
   */
  drainColumns(): Uint8Array;
  finish(): void;
  /** HAR 1.2 of the exchanges kept with `collect: true`. */
  har(): unknown;
  free(): void;
}

let ready: Promise<void> | undefined;

/** Instantiates the WebAssembly module (once). */
export function initEngine(): Promise<void> {
  ready ??= init().then(() => undefined);
  return ready;
}

export function engineVersion(): string {
  return version();
}

export function newDecoder(options: DecodeOptions): StreamDecoder {
  // The schema types of this module are looser than the package's own
  // (events are read as plain JSON objects), hence the casts.
  const inner = new Decoder(options as CoreDecodeOptions);
  return {
    push: (bytes) => inner.push(bytes),
    drain: () => inner.drain() as unknown as AnyEvent[],
    drainText: () => inner.drainJson(),
    drainColumns: () => inner.drainColumns(),
    finish: () => inner.finish(),
    har: () => inner.har(),
    free: () => inner.free(),
  };
}

/** Decodes one HPACK header block with a fresh decoder. */
export function hpackDecode(bytes: Uint8Array): unknown {
  return coreHpackDecode(bytes);
}

/** gRPC's view of a header list: reserved headers, metadata, grouped. */
export function groupMetadata(headers: Header[]): Metadata {
  return coreGroupMetadata(headers) as unknown as Metadata;
}

export function diffHeaders(left: Header[], right: Header[]): HeaderDiff {
  return coreDiffHeaders(left, right) as unknown as HeaderDiff;
}

export function pairExchanges(left: PairKey[], right: PairKey[]): ExchangePair[] {
  return corePairExchanges(left, right) as unknown as ExchangePair[];
}

/**
 * Whether this build of the package decrypts TLS with a key log: the core
 * reports a loaded key log as a `tls.keylog_loaded` notice, and a binding
 * without the option refuses it (or ignores it, giving no notice).
 */
export function supportsKeylog(): boolean {
  try {
    const d = newDecoder({ keylog: new TextEncoder().encode('# h2lens probe\n') });
    try {
      d.finish();
      return d.drain().some((e) => (e as { code?: unknown }).code === 'tls.keylog_loaded');
    } finally {
      d.free();
    }
  } catch {
    return false;
  }
}
