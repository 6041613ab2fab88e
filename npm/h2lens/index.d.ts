// Type declarations of the `h2lens` npm package (hand-written).
//
// Every result is plain JSON data in the schema of the CLI's `h2lens … --json`
// (snake_case keys, as the Rust types serialize). tests/node/types.test.mjs
// keeps these declarations honest: `tsc --noEmit` on a usage file, the Config
// interfaces against `defaultConfig()`, and every event, summary, exchange
// and HAR of every fixture validated key by key against the types below.

// ---------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------
// Decoding a capture, a tap stream or raw HTTP/2
// ---------------------------------------------------------------------------

/** How to decode; every field is optional. */
export interface DecodeOptions {
  /** Skip format detection. */
  format?: InputFormat;
  /**
   * Summarise gRPC calls (`grpc_call` events) and decode their messages.
   * Default `true`.
   */
  grpc?: boolean;
  /** Decode gRPC messages without a schema, like `protoc --decode_raw`. Default `true`. */
  decodeRaw?: boolean;
  /** A `FileDescriptorSet` (`protoc -o x.protoset --include_imports`) to decode messages by type. */
  protoset?: Uint8Array;
  /** A TLS key log (`SSLKEYLOGFILE` text as bytes) to decrypt TLS connections in captures. */
  keylog?: Uint8Array;
  /** Limits and output knobs, merged over `defaultConfig()`. */
  config?: ConfigOverrides;
  /** Keep every exchange's header lists for `exchanges` (memory grows with the input). */
  collect?: boolean;
  /** Also build a HAR 1.2 log (implies `collect`). */
  har?: boolean;
  /**
   * Which events cross to JS. Filtered before conversion, so dropping
   * (for example) `frame` events makes decoding cheaper; the summary still
   * counts everything.
   */
  events?: { include?: EventType[]; exclude?: EventType[] };
  /**
   * Decode only the connections numbered `index` modulo `count` (shard 0
   * also reports what lies outside connections), for running one decoder
   * per shard in parallel; merge their `drainKeyed()` events by key.
   * Default `{ index: 0, count: 1 }`: everything.
   */
  shard?: { index: number; count: number };
}

/** What `Decoder.drainKeyed()` returns. */
export interface KeyedBatch {
  events: Event[];
  /** Each event's position in the input (never decreasing). */
  keys: Float64Array;
  /** No event still to come has a lower key. */
  position: number;
}

/** What `decode()` and `decodeStream()` return. */
export interface Report {
  /** Every event in order, the final `summary` event last (empty when `onEvents` took them). */
  events: Event[];
  summary: Summary;
  /** With `collect: true` or `har: true`. */
  exchanges?: CollectedExchange[];
  /** With `har: true`. */
  har?: Har;
}

/**
 * Decodes a whole input in memory: a pcap or pcapng capture, a Linkerd or
 * Envoy tap stream, or raw HTTP/2 bytes (detected, or `options.format`).
 * Malformed input never throws: it becomes diagnostics among the events.
 * Throws an `Error` only for a wrong argument.
 */
export function decode(bytes: Uint8Array, options?: DecodeOptions): Report;

/**
 * Streaming decoder: `push` chunks in any sizes, `drain` events as they
 * come, `finish` at the end. The events do not depend on the chunking.
 * Call `free()` when done; otherwise the memory is released only when the
 * object is garbage-collected.
 */
export class Decoder {
  constructor(options?: DecodeOptions);
  /** Feeds the next bytes. Throws after `finish()`, or unless given a `Uint8Array`. */
  push(chunk: Uint8Array): void;
  /** Ends the input: flushes partial frames and connections and queues the `summary` event. Idempotent. */
  finish(): void;
  readonly finished: boolean;
  /** Pending events in order (at most `max`), as one array. */
  drain(max?: number): Event[];
  /**
   * Pending events as JSON Lines text (one event per line, each line ending
   * in `\n`): byte for byte what `h2lens … --json` prints. Cheaper than
   * `drain()` when events are forwarded rather than inspected. A JS string
   * holds at most about 2^29 characters: drain after each `push` (or pass
   * `max`) rather than once at the end of a large input.
   */
  drainJson(max?: number): string;
  /**
   * `drainJson()` as UTF-8 bytes, for writing to a file or socket or
   * transferring out of a worker without building a string.
   */
  drainJsonBytes(max?: number): Uint8Array;
  /**
   * Like `drain()`, with each event's position in the input: sorting the
   * events of decoders that each decode one `shard` of the same input by
   * key (ties: the lower shard), each shard's in its own order, gives the
   * events of one decoder.
   */
  drainKeyed(max?: number): KeyedBatch;
  /**
   * The same events as a binary batch: header blocks, frames and exchanges
   * of the common shapes as rows of numbers (strings interned), the rest
   * as JSON lines. Internal to h2lens (the inspector reads it); the format
   * may change with any version.
   */
  drainColumns(max?: number): Uint8Array;
  /** Totals so far (complete after `finish()`). */
  summary(): Summary;
  /** Completed exchanges (needs `collect` or `har`; throws otherwise). */
  exchanges(): CollectedExchange[];
  /** The exchanges as HAR 1.2 (needs `collect` or `har`; throws otherwise). */
  har(): Har;
  free(): void;
}

/** Options of `decodeStream()`: decoding options plus streaming callbacks. */
export interface DecodeStreamOptions extends DecodeOptions {
  /** After each chunk: bytes read so far, and the total for a `Blob`. */
  onProgress?: (bytesRead: number, total: number | undefined) => void;
  /** Each batch of events as it is decoded; the report's `events` then stays empty. */
  onEvents?: (events: Event[]) => void;
  /** Aborting rejects the promise with the signal's reason and releases the decoder. */
  signal?: AbortSignal;
  /** Bytes pushed at a time (default 1 MiB). */
  chunkSize?: number;
}

/**
 * Decodes a `Blob` (a `File`) or a `ReadableStream<Uint8Array>` chunk by
 * chunk, so a large capture is never in memory at once (pass `onEvents` so
 * events are not accumulated either).
 */
export function decodeStream(
  source: Blob | ReadableStream<Uint8Array>,
  options?: DecodeStreamOptions,
): Promise<Report>;

export interface DecodeFileOptions extends DecodeStreamOptions {
  /**
   * Threads, each decoding one shard of a capture's connections (as the
   * CLI's `--threads`): the calling thread and `threads - 1` worker
   * threads. The report is exactly that of one thread, and `onProgress`
   * follows shard 0's reading (the calling thread's). Default 1; at most 64. Not
   * combined with `shard`; with `collect` or `har` one thread decodes.
   */
  threads?: number;
}

/**
 * Node only: decodes the file at `path` chunk by chunk, like
 * `decodeStream(blob)` with the same options and result, reading through a
 * file handle (the next chunk while the current one decodes), which in Node
 * is much cheaper than reading a Blob from `fs.openAsBlob`. In a browser it
 * rejects: pass the `File` to `decodeStream`.
 */
export function decodeFile(path: string | URL | Uint8Array, options?: DecodeFileOptions): Promise<Report>;

/** The `grpc_call` events of a report (or of an event array). */
export function grpcCalls(report: Report | Event[]): GrpcCallEvent[];

/** Every `event` tag, for `DecodeOptions.events`. */
export function eventTypes(): EventType[];

// ---------------------------------------------------------------------------
// HPACK
// ---------------------------------------------------------------------------

export interface HpackDecoderOptions {
  /** SETTINGS_HEADER_TABLE_SIZE in force before the first block (default 4096). */
  tableSize?: number;
  limits?: Partial<HpackLimits>;
  /** List inserted/evicted entries in `table_events` (default `true`; size updates are always listed). */
  tableEvents?: boolean;
}

/**
 * Decodes one header block (bytes, or hex text) with a fresh decoder, or
 * with `options.decoder` (sharing its table). A malformed block does not
 * throw: `error` says what and at which byte.
 */
export function hpackDecode(
  block: Uint8Array | string,
  options?: HpackDecoderOptions | { decoder: HpackDecoder },
): HeaderBlock;

/** An HPACK decoder whose dynamic table lasts across blocks (one direction of a connection). */
export class HpackDecoder {
  constructor(options?: HpackDecoderOptions);
  decode(block: Uint8Array | string): HeaderBlock;
  /** The dynamic table now, newest entry first. */
  table(): TableSnapshot;
  /** An acknowledged SETTINGS_HEADER_TABLE_SIZE; a diagnostic when it is above the configured maximum. */
  setSettingsTableSize(size: number): Diagnostic | null;
  readonly blocksDecoded: number;
  free(): void;
}

export interface HpackEncoderOptions {
  /** When to Huffman-code literals (default `'shorter'`). */
  huffman?: 'always' | 'never' | 'shorter';
  /** Literal representation for fields not fully in a table (default `'incremental'`). */
  indexing?: 'incremental' | 'without' | 'never';
  /** Dynamic table size the peer's decoder uses (default 4096). */
  tableSize?: number;
  /** Names always sent never-indexed (default `['authorization', 'proxy-authorization']`). */
  sensitive?: string[];
  /** `cookie` values shorter than this are sent never-indexed (default 20; 0 turns it off). */
  shortCookieNeverIndexed?: number;
}

/** Bytes as input: text (encoded as UTF-8) or the exact bytes in hex. */
export type OctetsInput = string | { hex: string; text?: string };

/** A header to encode: `[name, value]`, or an object (`sensitive`: send never-indexed). */
export type HeaderInput =
  | [OctetsInput, OctetsInput]
  | { name: OctetsInput; value: OctetsInput; sensitive?: boolean };

/** Encodes a header list as one block with a fresh encoder. */
export function hpackEncode(headers: HeaderInput[], options?: HpackEncoderOptions): Uint8Array;

/** An HPACK encoder whose dynamic table lasts across blocks. */
export class HpackEncoder {
  constructor(options?: HpackEncoderOptions);
  encode(headers: HeaderInput[]): Uint8Array;
  /** A new maximum table size from the next block on (which starts with the size updates RFC 7541 §4.2 requires). */
  setTableSize(size: number): void;
  free(): void;
}

// ---------------------------------------------------------------------------
// Other tools
// ---------------------------------------------------------------------------

/** A header as input to the tools below; decoded `Field`s and `Header`s qualify. */
export interface HeaderLike {
  name: OctetsInput;
  value: OctetsInput;
}

/**
 * gRPC's view of a header list: reserved headers, user metadata in wire
 * order, and user metadata grouped by name with values in wire order;
 * `-bin` values decoded. `trueBinary`: both peers sent SETTINGS 0xfe03 = 1.
 */
export function groupMetadata(fields: HeaderLike[], options?: { trueBinary?: boolean }): Metadata;

/** Parses a whole tap input (Linkerd JSON or WebSocket frames, Envoy JSON or length-delimited protobuf). */
export function parseTap(input: Uint8Array | string, options?: { limits?: Partial<GrpcLimits> }): TapParse;

/** Compares two header lists: wire-order changes and the grouped view. */
export function diffHeaders(left: HeaderLike[], right: HeaderLike[]): HeaderDiff;

/**
 * Pairs the exchanges of two captures: by a trace/request-id header both
 * carry, else by path and order. From a `CollectedExchange` `x`, a key is
 * `{ path: x.exchange.path, request_headers: x.request_headers }`.
 */
export function pairExchanges(left: PairKeyInput[], right: PairKeyInput[]): ExchangePair[];

/**
 * Bytes as h2lens reports them: a string when they are valid UTF-8,
 * otherwise `{ text, hex }`. Throws an `Error` unless given a `Uint8Array`.
 */
export function octets(bytes: Uint8Array): Octets;

/** Hex text (`HexBytes`, `Octets.hex`) to bytes; whitespace is ignored. */
export function hexToBytes(hex: string): Uint8Array;

/** Bytes to lower-case hex. */
export function bytesToHex(bytes: Uint8Array): string;

/** The exact bytes of an `Octets` value (a string as UTF-8, `{hex}` from hex). */
export function octetsToBytes(value: Octets | { hex: string }): Uint8Array;

/** The default limits of every decoding layer. */
export function defaultConfig(): Config;

/**
 * A complete config: `overrides` merged over the defaults. Throws an `Error`
 * when `overrides` is not an object or a field has the wrong type.
 */
export function config(overrides?: ConfigOverrides): Config;

// ---------------------------------------------------------------------------
// Shared value types
// ---------------------------------------------------------------------------

/**
 * Raw bytes from the wire: a string when the bytes are valid UTF-8, else an
 * escaped display form (`\xNN` for each invalid byte, `\\` for a backslash)
 * plus the exact bytes in hex (`hexToBytes(o.hex)`).
 */
export type Octets = string | { text: string; hex: string };

/** Exact bytes as lower-case hex (frame and block bytes, PING data). */
export type HexBytes = string;

/**
 * A 64-bit integer that input can push past 2^53 - 1: a number within
 * ±(2^53 - 1), otherwise its decimal digits as a string (exact; use
 * `BigInt(x)`).
 */
export type SafeInt = number | string;

/** Seconds since the Unix epoch (capture time), as a float. */
export type Timestamp = number;

/** Byte range `[start, end)` in the stream the item belongs to. */
export interface Span {
  start: number;
  end: number;
}

export type Direction = 'client_to_server' | 'server_to_client';

export type Severity = 'info' | 'warning' | 'error';

export type Layer =
  | 'capture'
  | 'link'
  | 'ip'
  | 'tcp'
  | 'tls'
  | 'http1'
  | 'frame'
  | 'hpack'
  | 'stream'
  | 'flow_control'
  | 'grpc'
  | 'protobuf'
  | 'tap';

/** An anomaly or undecodable input, in plain words. */
export interface Diagnostic {
  severity: Severity;
  layer: Layer;
  /** Stable identifier, e.g. `hpack.index_beyond_table`. */
  code: string;
  message: string;
  /** Byte offset in the item it is about. */
  offset?: number;
  /** RFC section of the rule. */
  rfc?: string;
}

export type InputFormat =
  | 'pcap'
  | 'pcapng'
  | 'http2'
  | 'linkerd_json'
  | 'linkerd_websocket'
  | 'envoy_json'
  | 'envoy_proto_length_delimited';

// ---------------------------------------------------------------------------
// Events (Rust: h2lens::inspect::Event)
// ---------------------------------------------------------------------------

export type Event =
  | InputEvent
  | ConnectionEvent
  | ConnectionEndEvent
  | NoticeEvent
  | GrpcCallEvent
  | TapExchangeEvent
  | SummaryEvent
  | ProtocolEvent
  | FrameEvent
  | HeaderBlockEvent
  | Http1Event
  | SettingsEvent
  | ExchangeEvent
  | PingRttEvent
  | StalledEvent
  | SkippedEvent
  | DiagnosticEvent;

/** The `event` tag of each event kind. */
export type EventType = Event['event'];

/** Where something was: the packet (1-based, as tshark counts; 0 without packets) and its time. */
export interface Origin {
  packet: number;
  ts: Timestamp;
}

/** The input's format, first. */
export interface InputEvent {
  event: 'input';
  format: InputFormat;
  /** `wire`: every HPACK detail; `decoded_headers`: HTTP-level taps. */
  carries: 'wire' | 'decoded_headers';
  /** For tap inputs: what they can and cannot tell. */
  fidelity?: Fidelity;
}

/** A connection appeared (numbered from 0 like tshark's `tcp.stream`). */
export interface ConnectionEvent extends Origin {
  conn: number;
  event: 'connection';
  client?: string;
  server?: string;
  /** The SYN is in the input. */
  from_start: boolean;
  /** Which side is the client was guessed. */
  roles_guessed?: boolean;
}

/** A connection ended (or the input did): its totals. */
export interface ConnectionEndEvent {
  conn: number;
  event: 'connection_end';
  protocol?: Protocol;
  stats: ConnStats;
}

/** A problem outside any connection. */
export interface NoticeEvent extends Diagnostic {
  conn?: number;
  event: 'notice';
  packet?: number;
}

/** How a connection's bytes were recognised. */
export type Protocol =
  | { protocol: 'h2_prior_knowledge' }
  | { protocol: 'h2c_upgrade' }
  | { protocol: 'h2_midstream' }
  | { protocol: 'http1' }
  | {
      protocol: 'tls';
      sni?: Octets;
      /** Offered by the client (ALPN). */
      alpn?: Octets[];
      /** Chosen by the server, when visible (TLS 1.2; TLS 1.3 encrypts it unless decrypted). */
      selected_alpn?: Octets;
      version?: string;
      /** The cipher suite the server chose: its number and, when known, its name. */
      cipher_suite?: { value: number; name: string | null };
      /** Records were decrypted with a key log (`keylog` option or a pcapng Decryption Secrets Block). */
      decrypted?: boolean;
      /** What the decrypted application data is (for example HTTP/2). */
      inner?: Protocol;
    }
  | { protocol: 'unknown' };

export type ProtocolEvent = Protocol &
  Origin & {
    conn: number;
    event: 'protocol';
    /** The direction whose bytes decided it. */
    dir: Direction;
  };

export type FrameTypeName =
  | 'DATA'
  | 'HEADERS'
  | 'PRIORITY'
  | 'RST_STREAM'
  | 'SETTINGS'
  | 'PUSH_PROMISE'
  | 'PING'
  | 'GOAWAY'
  | 'WINDOW_UPDATE'
  | 'CONTINUATION'
  | 'ALTSVC'
  | 'ORIGIN'
  | 'PRIORITY_UPDATE';

export type ErrorCodeName =
  | 'NO_ERROR'
  | 'PROTOCOL_ERROR'
  | 'INTERNAL_ERROR'
  | 'FLOW_CONTROL_ERROR'
  | 'SETTINGS_TIMEOUT'
  | 'STREAM_CLOSED'
  | 'FRAME_SIZE_ERROR'
  | 'REFUSED_STREAM'
  | 'CANCEL'
  | 'COMPRESSION_ERROR'
  | 'CONNECT_ERROR'
  | 'ENHANCE_YOUR_CALM'
  | 'INADEQUATE_SECURITY'
  | 'HTTP_1_1_REQUIRED';

/** An HTTP/2 error code: its name, or the number when unknown. */
export type ErrorCode = ErrorCodeName | number;

export type SettingName =
  | 'SETTINGS_HEADER_TABLE_SIZE'
  | 'SETTINGS_ENABLE_PUSH'
  | 'SETTINGS_MAX_CONCURRENT_STREAMS'
  | 'SETTINGS_INITIAL_WINDOW_SIZE'
  | 'SETTINGS_MAX_FRAME_SIZE'
  | 'SETTINGS_MAX_HEADER_LIST_SIZE'
  | 'SETTINGS_ENABLE_CONNECT_PROTOCOL'
  | 'SETTINGS_NO_RFC7540_PRIORITIES'
  | 'GRPC_ALLOW_TRUE_BINARY_METADATA';

export interface Setting {
  /** The setting's name, or the number when unknown. */
  id: SettingName | number;
  value: number;
}

export interface PrioritySpec {
  exclusive: boolean;
  dependency: number;
  weight: number;
}

/** A frame's parsed payload (spans are within the payload). */
export type Frame =
  | { type: 'DATA'; pad_length?: number; data: Span }
  | { type: 'HEADERS'; pad_length?: number; priority?: PrioritySpec; fragment: Span }
  | ({ type: 'PRIORITY' } & PrioritySpec)
  | { type: 'RST_STREAM'; error_code: ErrorCode }
  | { type: 'SETTINGS'; ack: boolean; settings?: Setting[] }
  | { type: 'PUSH_PROMISE'; pad_length?: number; promised_stream_id: number; fragment: Span }
  | { type: 'PING'; ack: boolean; opaque_data: HexBytes }
  | { type: 'GOAWAY'; last_stream_id: number; error_code: ErrorCode; debug_data?: Octets }
  | { type: 'WINDOW_UPDATE'; increment: number }
  | { type: 'CONTINUATION'; fragment: Span }
  | { type: 'ALTSVC'; origin?: Octets; field_value: Octets }
  | { type: 'ORIGIN'; origins: Octets[] }
  | { type: 'PRIORITY_UPDATE'; prioritized_stream_id: number; field_value: Octets }
  | { type: 'UNKNOWN'; type_byte: number; payload: Octets };

/** One HTTP/2 frame. */
export interface FrameEvent {
  conn: number;
  event: 'frame';
  dir: Direction;
  /** Frame number in this direction (0-based). */
  index: number;
  length: number;
  /** The frame type's name, or the number when unknown. */
  type: FrameTypeName | number;
  flags: number;
  stream_id: number;
  reserved_bit?: boolean;
  /** Absent when the payload broke a frame rule (a diagnostic follows) or was too large to keep. */
  frame?: Frame;
  /** The whole frame in the direction's byte stream. */
  span: Span;
  /** Packet of the frame's last byte (where tshark shows it). */
  packet: number;
  first_packet: number;
  ts: Timestamp;
  /** The frame's bytes (`config.output.frame_bytes`). */
  bytes?: HexBytes;
  /** DATA payload without padding (gRPC streams when `grpc` is on, or `config.output.data_payloads`). */
  data?: Octets;
}

/** How a field was represented (RFC 7541 §6). */
export type Representation = 'indexed' | 'incremental_indexing' | 'without_indexing' | 'never_indexed';

/** An index as sent, and what it resolved to. */
export interface IndexRef {
  /** As on the wire (1-based; 62 is the newest dynamic entry). */
  index: number;
  table: 'static' | 'dynamic';
  /** Dynamic: the entry's insertion number (1 = first ever inserted). */
  entry?: number;
  /** Dynamic: the block whose field inserted the entry. */
  inserted_in_block?: number;
}

/** One decoded header field and how it was encoded. */
export interface Field {
  name: Octets;
  value: Octets;
  repr: Representation;
  /** Index of the field (indexed) or of its name; absent for a new name. */
  index?: IndexRef;
  /** Absent when the name came from a table. */
  name_huffman?: boolean;
  /** Absent when the value came from a table. */
  value_huffman?: boolean;
  /** Bytes of this representation within the block. */
  span: Span;
  /** Referred to an entry inserted before decoding could follow (name/value empty). */
  unknown?: boolean;
}

/** A change to the dynamic table, in order. */
export type TableEvent =
  | { kind: 'size_update'; max_size: number; span: Span }
  | { kind: 'inserted'; entry: number; field: number; size: number }
  | {
      kind: 'evicted';
      entry?: number;
      name: Octets;
      value: Octets;
      size: number;
      inserted_in_block?: number;
    };

/** An evicted entry an index pointed at. */
export interface EvictedEntry {
  entry: number;
  name: Octets;
  value: Octets;
  inserted_in_block: number;
  evicted_in_block: number;
  evicted_blocks_ago: number;
}

/** The error that stopped a block (`offset` within the block). */
export type HpackError = { offset: number } & (
  | { kind: 'integer_overflow' }
  | { kind: 'truncated'; needed: number; available: number }
  | { kind: 'huffman_eos' }
  | { kind: 'huffman_padding_too_long' }
  | { kind: 'huffman_padding_not_ones' }
  | { kind: 'index_zero' }
  | { kind: 'index_beyond_table'; index: number; table_len: number; was?: EvictedEntry }
  | { kind: 'size_update_after_field'; size: number }
  | { kind: 'size_update_above_limit'; size: number; limit: number }
  | { kind: 'missing_size_update'; limit: number }
  | { kind: 'string_too_long'; len: number; limit: number }
  | { kind: 'header_list_too_large'; limit: number }
);

/** How far the table can be trusted. */
export type TableState =
  | { state: 'synced' }
  | { state: 'partly_unknown'; cause: 'capture_start' | 'gap' }
  | { state: 'desynchronised'; since_block: number };

export interface TableSummary {
  entries: number;
  size: number;
  max_size: number;
  settings_limit: number;
}

/** Everything decoding one header block yields (Rust: `hpack::HeaderBlock`). */
export interface HeaderBlock {
  /** Block number in this decoder (0-based). */
  block: number;
  /** Fields in wire order; repeats stay as they came. */
  fields: Field[];
  /** Fields decoded but not listed (`config.output.header_fields: 'count'`). */
  fields_not_listed?: number;
  table_events?: TableEvent[];
  /** What stopped the block; the fields before it are kept. */
  error?: HpackError;
  diagnostics?: Diagnostic[];
  /** Table trust when the block started. */
  table_state: TableState;
  /** The table after the block. */
  table: TableSummary;
}

export interface TableEntry {
  /** Its index now (62 = newest). */
  index: number;
  entry: number;
  name: Octets;
  value: Octets;
  size: number;
  inserted_in_block: number;
  name_unknown?: boolean;
}

export interface TableSnapshot {
  /** Newest first. */
  entries: TableEntry[];
  unknown_entries_possible: boolean;
  summary: TableSummary;
}

export type BlockRole =
  | 'request'
  | 'informational'
  | 'response'
  | 'request_trailers'
  | 'response_trailers'
  | 'push_request'
  | 'unknown';

/** One header block (HEADERS or PUSH_PROMISE plus CONTINUATIONs), decoded. */
export interface HeaderBlockEvent extends HeaderBlock {
  conn: number;
  event: 'header_block';
  /** Block number in this connection (both directions, 0-based). */
  id: number;
  dir: Direction;
  stream_id: number;
  type: 'HEADERS' | 'PUSH_PROMISE';
  promised_stream_id?: number;
  role: BlockRole;
  /** Packet of the block's first frame (tshark's `frame`). */
  packet: number;
  packets: number[];
  /** Frame numbers (per direction) of the block's frames. */
  frames: number[];
  /** Where each fragment lies; field spans index their concatenation. */
  fragments: Span[];
  end_stream: boolean;
  end_headers: boolean;
  padded: boolean;
  priority?: PrioritySpec;
  continuation_frames: number;
  ts: Timestamp;
  /** The block's bytes (`config.output.header_block_bytes`). */
  bytes?: HexBytes;
}

/** An HTTP/1.x message head (h2c upgrade, or a plain HTTP/1 connection). */
export interface Http1Event extends Origin {
  conn: number;
  event: 'http1';
  dir: Direction;
  start_line: Octets;
  headers: [Octets, Octets][];
  span: Span;
}

/** SETTINGS that took effect (acknowledged by the peer). */
export interface SettingsEvent extends Origin {
  conn: number;
  event: 'settings';
  sender: Direction;
  settings: Setting[];
  /** Acknowledged implicitly (h2c `HTTP2-Settings`). */
  implicit?: boolean;
}

export interface MessageHead extends Origin {
  /** The header block's `id` (absent for an h2c upgrade request). */
  block?: number;
  status?: number;
}

export type ExchangeState = 'complete' | 'reset' | 'refused' | 'incomplete';

export interface StreamReset extends Origin {
  error_code: ErrorCode;
  by: Direction;
}

/** One request/response exchange on a stream, summarised. */
export interface Exchange {
  stream_id: number;
  state: ExchangeState;
  began_before_capture?: boolean;
  promised_on?: number;
  method?: Octets;
  scheme?: Octets;
  authority?: Octets;
  path?: Octets;
  status?: number;
  content_type?: Octets;
  grpc_status?: Octets;
  request?: MessageHead;
  informational?: MessageHead[];
  response?: MessageHead;
  request_trailers?: MessageHead;
  response_trailers?: MessageHead;
  request_bytes: number;
  response_bytes: number;
  request_data_frames: number;
  response_data_frames: number;
  start?: Timestamp;
  request_end?: Timestamp;
  response_end?: Timestamp;
  end?: Timestamp;
  reset?: StreamReset;
  /** Diagnostics raised on this stream. */
  anomalies: number;
}

export interface ExchangeEvent extends Exchange {
  conn: number;
  event: 'exchange';
}

/** A PING and its ACK. */
export interface PingRttEvent extends Origin {
  conn: number;
  event: 'ping_rtt';
  /** Who sent the PING. */
  dir: Direction;
  rtt_nanos: SafeInt;
  ping_packet: number;
}

/** A flow-control window reached zero. */
export interface StalledEvent extends Origin {
  conn: number;
  event: 'stalled';
  dir: Direction;
  /** 0 for the connection window. */
  stream_id: number;
}

export type StreamSkipReason =
  | 'before_frame_boundary'
  | 'truncated_frame'
  | 'frame_too_large'
  | 'http1'
  | 'tls'
  | 'tls_not_decrypted'
  | 'unknown_protocol';

/** Bytes not decoded, and why. */
export interface SkippedEvent extends Origin {
  conn: number;
  event: 'skipped';
  dir: Direction;
  span: Span;
  reason: StreamSkipReason;
}

/** A diagnostic raised by a connection. */
export interface DiagnosticEvent extends Diagnostic, Origin {
  conn: number;
  event: 'diagnostic';
  dir?: Direction;
  stream_id?: number;
  /** Frame number (per direction) it is about. */
  frame?: number;
  /** Header block id it is about. */
  block?: number;
}

export interface DirStats {
  bytes: number;
  frame_bytes: number;
  frames: number;
  preface_bytes: number;
  http1_bytes: number;
  skipped: { [reason in StreamSkipReason]?: number };
  lost: number;
  header_blocks: number;
  /** TLS record headers, nonces, tags, padding and handshake (decrypted TLS only). */
  tls_bytes?: number;
  tls_records?: number;
  decrypted_bytes?: number;
}

export interface ConnStats {
  client_to_server: DirStats;
  server_to_client: DirStats;
  streams: number;
  exchanges: number;
  diagnostics: number;
}

// --- gRPC -------------------------------------------------------------------

export type StatusName =
  | 'OK'
  | 'CANCELLED'
  | 'UNKNOWN'
  | 'INVALID_ARGUMENT'
  | 'DEADLINE_EXCEEDED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'PERMISSION_DENIED'
  | 'RESOURCE_EXHAUSTED'
  | 'FAILED_PRECONDITION'
  | 'ABORTED'
  | 'OUT_OF_RANGE'
  | 'UNIMPLEMENTED'
  | 'INTERNAL'
  | 'UNAVAILABLE'
  | 'DATA_LOSS'
  | 'UNAUTHENTICATED';

/** A gRPC status (name absent for codes above 16). */
export interface StatusCode {
  code: number;
  name?: StatusName;
}

export interface ContentType {
  framing: 'grpc' | 'grpc_web' | 'grpc_web_text';
  /** `proto`, `json`, … */
  codec?: string;
}

export interface GrpcTimeout {
  value: number;
  unit: 'hours' | 'minutes' | 'seconds' | 'milliseconds' | 'microseconds' | 'nanoseconds';
  nanos: SafeInt;
}

export type HeaderClass = 'pseudo' | 'call_definition' | 'grpc_reserved' | 'custom';

export type ValueEncoding =
  | { form: 'text' }
  | { form: 'base64'; padded: boolean; values: number }
  | { form: 'true_binary' }
  | { form: 'invalid' };

export interface MetadataEntry {
  /** Position in the header list (0-based, wire order). */
  position: number;
  class: HeaderClass;
  name: Octets;
  /** Exactly as on the wire. */
  value: Octets;
  encoding: ValueEncoding;
  /** `-bin`: the decoded values. */
  decoded?: Octets[];
  diagnostics?: Diagnostic[];
}

export interface MetadataGroup {
  name: Octets;
  /** Decoded values for `-bin` names, wire values otherwise, in wire order. */
  values: Octets[];
  positions: number[];
}

/** gRPC's view of one header list. */
export interface Metadata {
  /** Pseudo-headers, `te`, `content-type`, `user-agent`, `grpc-*`. */
  reserved: MetadataEntry[];
  /** User metadata in wire order. */
  wire: MetadataEntry[];
  /** User metadata grouped by name (first appearance order). */
  grouped: MetadataGroup[];
}

export interface GrpcMessage {
  index: number;
  flags: number;
  compressed: boolean;
  declared_len: number;
  span: Span;
  payload: Octets;
  payload_truncated?: boolean;
  incomplete?: boolean;
  decompressed?: Octets;
  diagnostics?: Diagnostic[];
}

export interface PackedGuess {
  varints?: SafeInt[];
  fixed32?: number[];
  fixed64?: SafeInt[];
}

/** A protobuf value seen without a schema, with its possible readings. */
export type RawValue =
  | { kind: 'varint'; value: SafeInt; int64: SafeInt; sint64: SafeInt }
  /** `double` is `null` for NaN and infinities. */
  | { kind: 'fixed64'; value: SafeInt; sfixed64: SafeInt; double: number | null }
  | { kind: 'fixed32'; value: number; sfixed32: number; float: number | null }
  | { kind: 'message'; payload: Span; message: RawMessage }
  | { kind: 'string'; payload: Span; value: string }
  | { kind: 'bytes'; payload: Span; value: Octets; packed?: PackedGuess }
  | { kind: 'group'; message: RawMessage };

export interface RawField {
  number: number;
  /** 0 VARINT, 1 I64, 2 LEN, 3 SGROUP, 4 EGROUP, 5 I32 (6, 7 invalid). */
  wire_type: number;
  span: Span;
  value: RawValue;
}

export interface RawMessage {
  fields: RawField[];
}

export interface RawDecode {
  message: RawMessage;
  error?: Diagnostic;
}

/** A message decoded by its type from the protoset. */
export interface SchemaDecode {
  type_name: string;
  /** Proto3 JSON. */
  json: unknown;
  unknown_fields?: number[];
}

export interface CallMessage extends GrpcMessage {
  time?: Timestamp;
  raw?: RawDecode;
  decoded?: SchemaDecode;
  decode_error?: Diagnostic;
}

export interface GrpcMessageText {
  raw: Octets;
  decoded: Octets;
  display: string;
  diagnostics?: Diagnostic[];
}

export interface ResetSummary {
  code: number;
  code_name?: string;
  by: Direction;
  maps_to?: StatusCode;
  meaning: string;
}

export interface DeadlineCheck {
  timeout_ns: SafeInt;
  elapsed_ns: SafeInt;
  exceeded: boolean;
}

export type StatusSource = 'trailers' | 'trailers_only' | 'web_trailers' | 'reset' | 'http_status';

/** A gRPC call, summarised when its exchange ended. */
export interface GrpcCall {
  stream_id?: number;
  path: Octets;
  service?: string;
  method?: string;
  authority?: Octets;
  content_type?: ContentType;
  response_content_type?: ContentType;
  request_encoding: string;
  response_encoding: string;
  timeout?: GrpcTimeout;
  request_metadata: Metadata;
  informational?: Metadata[];
  /** Initial metadata; absent for Trailers-Only. */
  response_metadata?: Metadata;
  trailers_metadata?: Metadata;
  request_messages: CallMessage[];
  response_messages: CallMessage[];
  http_status?: Octets;
  status?: StatusCode;
  status_source?: StatusSource;
  message?: GrpcMessageText;
  trailers_only: boolean;
  reset?: ResetSummary;
  cancelled_by_client: boolean;
  duration_ns?: SafeInt;
  deadline?: DeadlineCheck;
  diagnostics: Diagnostic[];
}

export interface GrpcCallEvent extends GrpcCall {
  conn?: number;
  event: 'grpc_call';
}

// --- Taps -------------------------------------------------------------------

/** A header as taps report it: `[name, value]`. */
export type HeaderPair = [Octets, Octets];

export interface TapEndpoint {
  ip?: string;
  port?: number;
  labels?: [string, string][];
}

export interface TapBody {
  bytes: Octets;
  truncated: boolean;
  from_string?: boolean;
}

export interface Fidelity {
  hpack: boolean;
  wire_order_across_names: boolean;
  statement: string;
}

/** One request/response seen by a tap. */
export interface TapExchange {
  id: string;
  tool?: 'linkerd' | 'envoy';
  first_object: number;
  source?: TapEndpoint;
  destination?: TapEndpoint;
  route_labels?: [string, string][];
  proxy_direction?: string;
  method?: Octets;
  scheme?: Octets;
  authority?: Octets;
  path?: Octets;
  request_headers: HeaderPair[];
  request_trailers?: HeaderPair[];
  request_body?: TapBody;
  status?: number;
  response_headers: HeaderPair[];
  response_trailers?: HeaderPair[];
  response_body?: TapBody;
  grpc_status?: number;
  reset_code?: number;
  response_init_ns?: SafeInt;
  response_end_ns?: SafeInt;
  since_response_init_ns?: SafeInt;
  request_headers_time?: Timestamp;
  response_headers_time?: Timestamp;
  response_bytes?: SafeInt;
  complete: boolean;
  missing?: string[];
  wire_order: boolean;
  diagnostics?: Diagnostic[];
}

export interface TapExchangeEvent extends TapExchange {
  conn?: number;
  event: 'tap_exchange';
}

export type TapFormat = 'linkerd_json' | 'linkerd_web_socket' | 'envoy_json' | 'envoy_proto_length_delimited';

export interface SocketConnection {
  local?: TapEndpoint;
  remote?: TapEndpoint;
}

export interface SocketChunk {
  trace_id: string;
  index: number;
  seq_num?: SafeInt;
  time?: Timestamp;
  kind: 'read' | 'write' | 'closed';
  data: Octets;
  truncated?: boolean;
  end_stream?: boolean;
  connection?: SocketConnection;
}

export interface SocketTrace {
  trace_id: string;
  connection?: SocketConnection;
  chunks: SocketChunk[];
  read_truncated: boolean;
  write_truncated: boolean;
  tapped_side?: 'server' | 'client';
}

/** A whole tap input, decoded (`parseTap`). */
export interface TapParse {
  format?: TapFormat;
  fidelity?: Fidelity;
  exchanges: TapExchange[];
  sockets: SocketTrace[];
  diagnostics: Diagnostic[];
}

// --- Summary ----------------------------------------------------------------

export interface ByteCount {
  count: number;
  bytes: number;
}

export type PacketSkipReason =
  | 'unsupported_link_type'
  | 'not_ip'
  | 'not_tcp'
  | 'truncated'
  | 'malformed'
  | 'fragment_overlap'
  | 'fragment_incomplete'
  | 'connection_limit'
  | 'retransmission'
  | 'overlap_conflict'
  | 'old_retransmission'
  | 'before_stream_start'
  | 'rst_payload';

export interface NetStats {
  packets: number;
  bytes: number;
  header_bytes: number;
  trailer_bytes: number;
  tcp_segments: number;
  delivered: ByteCount;
  skipped: { [reason in PacketSkipReason]?: ByteCount };
  pending_bytes: number;
  gaps: ByteCount;
  connections: number;
  fragmented_datagrams: number;
}

/** Where every byte of a capture file went. */
export interface CaptureStats {
  bytes: number;
  packets: number;
  packet_data_bytes: number;
  metadata_bytes: number;
  truncated_packets: number;
  skipped_blocks: number;
  skipped_bytes: number;
  undecodable_bytes: number;
  secrets_blocks: number;
  sections: number;
  interfaces: number;
  diagnostics: number;
}

/** Totals for the whole input. */
export interface Summary {
  format?: InputFormat;
  input_bytes: number;
  packets: number;
  first_ts?: Timestamp;
  last_ts?: Timestamp;
  /** Packets by link type name. */
  link_types?: Record<string, number>;
  connections: number;
  http2_connections: number;
  /** Connections by protocol description. */
  protocols: Record<string, number>;
  /** Frames by type name. */
  frames: Record<string, number>;
  header_blocks: number;
  header_fields: number;
  streams: number;
  exchanges: number;
  grpc_calls?: number;
  tap_exchanges?: number;
  diagnostics: { errors: number; warnings: number; infos: number };
  /** Stream bytes: `decoded` + `tls` + skipped = `stream_bytes`; `lost` never seen. */
  bytes: ByteAccounting;
  /** Each connection with its endpoints, protocol and per-direction bytes. */
  connection_list?: ConnectionSummary[];
  capture?: CaptureStats;
  net?: NetStats;
}

/** Where stream bytes went: `decoded` + `tls` + skipped = `stream_bytes`. */
export interface ByteAccounting {
  /** TCP payload (or raw stream) bytes read. */
  stream_bytes: number;
  /** Decoded as HTTP/2 frames, preface or HTTP/1.x heads. */
  decoded: number;
  /** TLS record overhead and handshake, when TLS was decrypted. */
  tls?: number;
  /** Not decoded, by reason. */
  skipped: Record<string, number>;
  /** Missing from the capture (TCP gaps). */
  lost: number;
}

/** One connection of `Summary.connection_list`. */
export interface ConnectionSummary {
  conn: number;
  client?: string;
  server?: string;
  /** What it carried, in words (e.g. "HTTP/2 (prior knowledge)"). */
  protocol?: string;
  bytes: { client_to_server: ByteAccounting; server_to_client: ByteAccounting };
}

export interface SummaryEvent extends Summary {
  event: 'summary';
}

// --- Exchanges, HAR, diffs --------------------------------------------------

/** One header as decoded (name and value). */
export interface Header {
  name: Octets;
  value: Octets;
}

/** An exchange with its header lists in wire order (`collect: true`). */
export interface CollectedExchange {
  conn: number;
  exchange: Exchange;
  request_headers: Header[];
  informational?: Header[][];
  response_headers: Header[];
  request_trailers: Header[];
  response_trailers: Header[];
  /** The response HEADERS carried END_STREAM. */
  response_headers_end_stream: boolean;
  /** Both peers allowed gRPC true-binary metadata. */
  true_binary: boolean;
  /** A header value may be wrong or unknown (mid-connection, gap). */
  uncertain: boolean;
}

export interface HarNameValue {
  name: string;
  value: string;
}

export interface HarEntry {
  startedDateTime: string;
  time: number;
  request: {
    method: string;
    url: string;
    httpVersion: string;
    cookies: HarNameValue[];
    headers: HarNameValue[];
    queryString: HarNameValue[];
    postData?: { mimeType: string; text: string; _encoding?: 'base64' };
    headersSize: number;
    bodySize: number;
  };
  response: {
    status: number;
    statusText: string;
    httpVersion: string;
    cookies: HarNameValue[];
    headers: HarNameValue[];
    content: { size: number; mimeType: string; text?: string; encoding?: 'base64' };
    redirectURL: string;
    headersSize: number;
    bodySize: number;
  };
  cache: Record<string, never>;
  timings: { send: number; wait: number; receive: number };
  connection: string;
  _stream: number;
  _trailers?: HarNameValue[];
  _state: ExchangeState;
}

/** A HAR 1.2 log (opens in browser devtools). */
export interface Har {
  log: {
    version: string;
    creator: { name: string; version: string };
    entries: HarEntry[];
  };
}

export type HeaderChange =
  | { change: 'same'; name: Octets; value: Octets; left: number; right: number }
  | { change: 'moved'; name: Octets; value: Octets; left: number; right: number }
  | {
      change: 'changed';
      name: Octets;
      left_value: Octets;
      right_value: Octets;
      left: number;
      right: number;
    }
  | { change: 'added'; name: Octets; value: Octets; right: number }
  | { change: 'removed'; name: Octets; value: Octets; left: number };

export interface GroupChange {
  name: Octets;
  left: Octets[];
  right: Octets[];
  kind: 'same' | 'added' | 'removed' | 'reordered' | 'changed';
}

export interface HeaderDiff {
  /** Wire order, in the right list's order with removals where they were. */
  changes: HeaderChange[];
  /** Per name, in order of first appearance. */
  grouped: GroupChange[];
}

/** What pairing looks at in an exchange. */
export interface PairKeyInput {
  path?: OctetsInput | null;
  request_headers?: HeaderLike[];
}

export interface ExchangePair {
  left?: number;
  right?: number;
  /** A trace header's name, or `path_and_order`. */
  by: string;
}

// ---------------------------------------------------------------------------
// Config (Rust: h2lens::Config)
// ---------------------------------------------------------------------------

/** Every limit of every layer. */
export interface Config {
  hpack: HpackLimits;
  frame: FrameLimits;
  flood: FloodLimits;
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
  /** Most fields decoded in one header block. */
  max_fields_per_block: number;
  /** Largest single string literal after Huffman decoding. */
  max_string_len: number;
  /** Evicted entries remembered, to explain an index past the table. */
  eviction_history: number;
}

/**
 * Flood thresholds: frames of one kind a direction sends, with no request
 * or response between them, within `window_seconds` of capture time.
 */
export interface FloodLimits {
  /** PING frames (CVE-2019-9512). */
  pings: number;
  /** SETTINGS frames (CVE-2019-9515). */
  settings: number;
  /** RST_STREAM frames (CVE-2019-9514). */
  resets: number;
  /** PRIORITY frames (CVE-2019-9513). */
  priorities: number;
  /** Empty DATA / HEADERS / CONTINUATION frames (CVE-2019-9518). */
  empty_frames: number;
  /** Streams the client reset before any response (CVE-2023-44487). */
  rapid_resets: number;
  window_seconds: number;
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
  /** Delivered bytes remembered per direction to check retransmissions. */
  retransmit_check_bytes: number;
  /** Bytes of a stream start kept to find a TLS hello. */
  max_tls_hello_bytes: number;
}

export interface CaptureLimits {
  /** Largest pcap record / pcapng block accepted. */
  max_record_size: number;
  /** pcapng interfaces remembered per section. */
  max_interfaces: number;
}

export interface GrpcLimits {
  max_message_size: number;
  max_decompressed_size: number;
  max_protobuf_depth: number;
  max_protobuf_fields: number;
  max_tap_object_size: number;
  max_tap_open_exchanges: number;
}

export interface OutputOptions {
  /** Bytes of each frame attached to its event as hex (0: none). */
  frame_bytes: number;
  /** Attach each header block's bytes as hex. */
  header_block_bytes: boolean;
  /** Emit dynamic-table events (inserted / evicted). */
  table_events: boolean;
  /** Which DATA payloads frame events carry (`grpc` is implied by `grpc: true`). */
  data_payloads: 'none' | 'grpc' | 'all';
  /**
   * `explained`: header block events list their fields with every encoding detail;
   * `count`: fields are only counted (`fields_not_listed`), for consumers that need totals.
   * Forced to `explained` when `grpc` or `collect` is on.
   */
  header_fields: 'explained' | 'count';
  /** Emit one event per frame (off: frames are still decoded, checked and counted). */
  frame_events: boolean;
  /** Emit one event per header block (off: blocks are still decoded, checked and counted). */
  block_events: boolean;
  /** Emit one event per exchange (off: exchanges are still followed and counted). */
  exchange_events: boolean;
}
