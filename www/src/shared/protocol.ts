// Messages between the page and the decoding worker.
//
// The worker keeps every decoded detail; the page keeps compact rows for
// the lists (numbers in typed arrays, a few strings) and asks the worker
// for details by row index.

import type {
  AnyEvent,
  Diagnostic,
  Direction,
  FrameEvent,
  GrpcCallEvent,
  HeaderBlockEvent,
  HeaderDiff,
  Metadata,
  Octets,
  SummaryEvent,
  TableState,
} from '../engine/schema';

export type SessionId = string;

/** What to decode. */
export type Source =
  | { kind: 'blob'; blob: Blob; name: string }
  | { kind: 'bytes'; bytes: Uint8Array; name: string; format?: string };

export interface OpenOptions {
  /** A FileDescriptorSet to decode gRPC messages with. */
  protoset?: Uint8Array;
  /** An NSS key log (SSLKEYLOGFILE) to decrypt TLS with. */
  keylog?: Uint8Array;
  /** Decode in the session worker itself, not in a reader worker (for measuring). */
  noPipeline?: boolean;
  /** How long the reader worker may take to answer before decoding falls
   * back to the session worker (default 10 s; tests set it low). */
  readerStartTimeoutMs?: number;
}

// ---- Rows ---------------------------------------------------------------

export interface ConnectionRow {
  conn: number;
  client?: string;
  server?: string;
  fromStart: boolean;
  rolesGuessed: boolean;
  /** The connection decoder's description, e.g. "HTTP/2 (prior knowledge)". */
  protocol: string;
  /** TLS facts, when the connection is TLS. */
  tls?: {
    version?: string;
    sni?: string;
    alpn?: string[];
    selectedAlpn?: string;
    cipherSuite?: string;
    decrypted?: boolean;
  };
  frames: number;
  streams: number;
  exchanges: number;
  anomalies: number;
  bytes: number;
  firstPacket: number;
  ts: number;
  ended: boolean;
}

export interface ExchangeRow {
  /** Index in the session's exchange list. */
  i: number;
  conn: number | null;
  stream: number | null;
  method: string;
  path: string;
  authority: string;
  /** HTTP status, or -1. */
  status: number;
  /** gRPC status code, or -1. */
  grpcCode: number;
  grpcName: string;
  isGrpc: boolean;
  reqBytes: number;
  respBytes: number;
  /** Start time (seconds since the epoch), or -1. */
  start: number;
  /** Milliseconds, or -1. */
  duration: number;
  anomalies: number;
  state: string;
  tap: boolean;
}

/** Columns of a batch of header-block rows (row i = store index base+i). */
export interface BlockColumns {
  base: number;
  conn: Int32Array;
  id: Int32Array;
  dir: Int32Array;
  stream: Int32Array;
  role: Int32Array;
  fields: Int32Array;
  size: Int32Array;
  problem: Int32Array;
  tableUnknown: Int32Array;
  packet: Float64Array;
  ts: Float64Array;
  label: string[];
}

export interface FrameColumns {
  base: number;
  conn: Int32Array;
  dir: Int32Array;
  index: Float64Array;
  type: Int32Array;
  flags: Int32Array;
  stream: Int32Array;
  length: Int32Array;
  broken: Int32Array;
  packet: Float64Array;
  ts: Float64Array;
}

export interface AnomalyRow {
  i: number;
  severity: Diagnostic['severity'];
  layer: string;
  code: string;
  message: string;
  rfc?: string;
  conn: number | null;
  dir: Direction | null;
  stream: number | null;
  packet: number | null;
  /** Link targets (session indices), when known. */
  exchange: number | null;
  block: number | null;
  frame: number | null;
}

export const BLOCK_ROLES = [
  'request',
  'informational',
  'response',
  'request_trailers',
  'response_trailers',
  'push_request',
  'unknown',
] as const;

// ---- Page → worker -------------------------------------------------------

export type ListName = 'exchanges' | 'blocks' | 'frames' | 'anomalies';

export interface Filter {
  text?: string;
  /** exchanges: 'ok' | 'error' | '2xx' | '3xx' | '4xx' | '5xx' | 'none'. */
  status?: string;
  anomaly?: boolean;
  conn?: number;
  /** frames: a type name. */
  type?: string;
  /** frames/blocks: a stream id. */
  stream?: number;
}

export interface Sort {
  key: string;
  desc: boolean;
}

export type Request =
  | { op: 'open'; session: SessionId; source: Source; options: OpenOptions }
  | { op: 'cancel'; session: SessionId }
  | { op: 'close'; session: SessionId }
  | { op: 'query'; session: SessionId; list: ListName; filter: Filter; sort: Sort | null }
  | { op: 'exchange'; session: SessionId; index: number }
  | { op: 'block'; session: SessionId; index: number }
  | { op: 'frame'; session: SessionId; index: number }
  | { op: 'locate'; session: SessionId; index: number }
  | { op: 'table'; session: SessionId; block: number; dir: number }
  | { op: 'hpack'; hex: string }
  | { op: 'diff'; left: DiffSide; right: DiffSide }
  | { op: 'pair'; left: SessionId; right: SessionId }
  | { op: 'export'; session: SessionId; what: ExportWhat; exchange?: number }
  | { op: 'version' };

export type ExportWhat = 'all-json' | 'all-har' | 'exchange-json' | 'exchange-har';

/** One side of a comparison: an exchange or a header block of a session. */
export interface DiffSide {
  session: SessionId;
  kind: 'exchange' | 'block';
  index: number;
}

// ---- Worker → page ---------------------------------------------------------

export interface Batch {
  session: SessionId;
  connections: ConnectionRow[];
  exchanges: ExchangeRow[];
  /** Rows changed after they were sent (a gRPC call summary arrived). */
  exchangeUpdates: ExchangeRow[];
  blocks: BlockColumns | null;
  frames: FrameColumns | null;
  anomalies: AnomalyRow[];
}

export interface Progress {
  session: SessionId;
  bytes: number;
  total: number;
  /** Milliseconds since decoding began. */
  elapsed: number;
}

export interface Done {
  session: SessionId;
  summary: SummaryEvent | null;
  cancelled: boolean;
  error?: string;
  input?: AnyEvent;
  elapsed: number;
  /** Frame bytes are attached (hex views available). */
  frameBytes: boolean;
  /** HAR export is available without decoding again. */
  collected: boolean;
  /**
   * Milliseconds spent in the decoder (push), writing its events as JSON
   * (serialize), reading them back (parse), keeping them (store), and
   * building rows for the page (post); `pipeline`: decoding ran in a worker
   * of its own, in parallel with the rest.
   */
  profile: { pushMs: number; serializeMs: number; parseMs: number; storeMs: number; postMs: number; pipeline: boolean };
}

export type Notice =
  | { ev: 'batch'; batch: Batch }
  | { ev: 'progress'; progress: Progress }
  | { ev: 'done'; done: Done };

export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

// ---- Details -----------------------------------------------------------------

/** One header list of an exchange, with both views. */
export interface HeaderSection {
  title: string;
  role: string;
  /** Session index of the header block, when the input has HPACK detail. */
  block: number | null;
  event: HeaderBlockEvent | null;
  /** Headers as name/value pairs in wire order (tap inputs have only these). */
  headers: { name: Octets; value: Octets }[];
  metadata: Metadata | null;
}

export interface ExchangeDetail {
  row: ExchangeRow;
  event: AnyEvent;
  call: GrpcCallEvent | null;
  sections: HeaderSection[];
  diagnostics: AnyEvent[];
  /** Session indices of the stream's frames. */
  frames: number[];
  carries: 'wire' | 'decoded_headers';
}

export interface BlockDetail {
  index: number;
  event: HeaderBlockEvent;
  metadata: Metadata | null;
  exchange: number | null;
  /** Session indices of the block's frames. */
  frames: number[];
  diagnostics: AnyEvent[];
}

/** A byte range of a frame to highlight, with what it is. */
export interface HexField {
  label: string;
  start: number;
  end: number;
  /** Nesting level (0: frame header/payload parts; 1: HPACK fields). */
  level: number;
}

export interface FrameDetail {
  index: number;
  event: FrameEvent;
  /** Frame bytes (header + payload, maybe cut), when kept. */
  bytes: Uint8Array | null;
  fields: HexField[];
  block: number | null;
  exchange: number | null;
  diagnostics: AnyEvent[];
}

export interface TableRow {
  /** HPACK index the entry had (62 = newest), or null for incoming. */
  index: number | null;
  entry: number | null;
  name: Octets;
  value: Octets;
  size: number;
  /** The HPACK block number (per direction) that inserted it. */
  insertedIn: number | null;
  /** Session index of that block, when known. */
  insertedBy: number | null;
  mark: 'evicted' | 'inserted' | 'inserted_evicted' | null;
}

export interface TableView {
  conn: number;
  dir: Direction;
  /** Session index of the chosen block; null: the table after the last block. */
  block: number;
  blockId: number;
  hpackBlock: number;
  rows: TableRow[];
  incoming: TableRow[];
  size: number;
  maxSize: number;
  state: TableState;
  /** Entries older than the known ones may exist (mid-stream capture, gap). */
  unknownOlder: boolean;
  /** The chosen block's position among this direction's blocks. */
  position: number;
  count: number;
  /** Session indices of the previous and next block of this direction. */
  prev: number | null;
  next: number | null;
  /** Mismatch between the replay and the decoder's own summary, if any. */
  note: string | null;
  sizeUpdates: number[];
}

export interface DiffResult {
  sections: { title: string; diff: HeaderDiff; left: number; right: number }[];
  leftLabel: string;
  rightLabel: string;
}

export interface PairRow {
  left: number | null;
  right: number | null;
  by: string;
  leftLabel: string;
  rightLabel: string;
  /** Short forms for the pairs table (last path segment, conn/stream). */
  leftShort: string;
  rightShort: string;
}
