// Type declarations of the `h2lens` npm package (hand-written; kept in step
// with the Rust types by tests/node/types.test.mjs, which compares these
// interfaces with what the module returns at run time).

/** Where the WebAssembly module comes from, for `init()`. */
export type InitInput =
  | RequestInfo
  | URL
  | Response
  | BufferSource
  | WebAssembly.Module;

/**
 * Instantiates the WebAssembly module (browsers and bundlers). By default the
 * `.wasm` file is fetched from beside the package's entry file. In Node the
 * module is ready on import and this resolves at once. Calling it again is
 * harmless.
 */
export default function init(input?: InitInput | Promise<InitInput>): Promise<void>;

/** Synchronous instantiation from the `.wasm` bytes or a compiled module. */
export function initSync(module: BufferSource | WebAssembly.Module): void;

/** The h2lens version the module was built from, e.g. `"0.1.0"`. */
export function version(): string;

/** The default limits of every decoding layer. */
export function defaultConfig(): Config;

/**
 * A complete config: `overrides` merged over the defaults. Throws an `Error`
 * when `overrides` is not an object or a field has the wrong type.
 */
export function config(overrides?: ConfigOverrides): Config;

/**
 * Bytes as h2lens reports them: a string when they are valid UTF-8,
 * otherwise `{ text, hex }` (an escaped display form and lower-case hex).
 * Throws an `Error` unless given a `Uint8Array`.
 */
export function octets(bytes: Uint8Array): Octets;

/**
 * Raw bytes from the wire, as every h2lens result carries them: a string
 * when the bytes are valid UTF-8, else an escaped display form (`\xNN` for
 * each invalid byte, `\\` for a backslash) plus the exact bytes in hex.
 */
export type Octets = string | { text: string; hex: string };

/** Every limit of every layer (Rust: `h2lens::Config`). */
export interface Config {
  hpack: HpackLimits;
  frame: FrameLimits;
  tcp: TcpLimits;
  capture: CaptureLimits;
  grpc: GrpcLimits;
  output: OutputOptions;
}

/** `Config` with every field optional, at every level. */
export type ConfigOverrides = {
  [K in keyof Config]?: Partial<Config[K]>;
};

export interface HpackLimits {
  /** Largest SETTINGS_HEADER_TABLE_SIZE honoured (RFC 7541 §4.2). */
  max_table_size: number;
  /** Largest decoded header list (RFC 9113 §6.5.2 accounting). */
  max_header_list_size: number;
  /** Largest single string literal after Huffman decoding. */
  max_string_len: number;
  /** Evicted entries remembered, to explain an index past the table. */
  eviction_history: number;
}

export interface FrameLimits {
  /** Largest frame payload buffered (RFC 9113 §4.2). */
  max_frame_size: number;
  /** CONTINUATION frames allowed in one header block. */
  max_continuation_frames: number;
  /** Largest header block (HEADERS/PUSH_PROMISE + CONTINUATION bytes). */
  max_header_block_size: number;
  /** Streams tracked per connection. */
  max_streams_per_connection: number;
}

export interface TcpLimits {
  max_out_of_order_bytes: number;
  max_out_of_order_segments: number;
  max_connections: number;
  max_fragment_bytes: number;
}

export interface CaptureLimits {
  /** Largest pcap record / pcapng block accepted. */
  max_record_size: number;
}

export interface GrpcLimits {
  max_message_size: number;
  max_decompressed_size: number;
  max_protobuf_depth: number;
}

export interface OutputOptions {
  /** Bytes of each frame attached to its event (0: none). */
  frame_bytes: number;
  /** Attach each header block's bytes to its event. */
  header_block_bytes: boolean;
  /** Emit dynamic-table events (inserted / evicted). */
  table_events: boolean;
}
