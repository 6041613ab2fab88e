// The parts of the h2lens event schema the inspector reads. Events are the
// JSON of `h2lens … --json` (Rust: `h2lens::inspect::Event`); only the fields
// used here are typed, and every object may carry more.

/** Raw bytes: a string when valid UTF-8, else an escaped text and the hex. */
export type Octets = string | { text: string; hex: string };

export type Direction = 'client_to_server' | 'server_to_client';

export interface Span {
  start: number;
  end: number;
}

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  severity: Severity;
  layer: string;
  code: string;
  message: string;
  offset?: number;
  rfc?: string;
}

export type Representation =
  | 'indexed'
  | 'incremental_indexing'
  | 'without_indexing'
  | 'never_indexed';

export interface IndexRef {
  index: number;
  table: 'static' | 'dynamic';
  entry?: number;
  inserted_in_block?: number;
}

export interface Field {
  name: Octets;
  value: Octets;
  repr: Representation;
  index?: IndexRef;
  name_huffman?: boolean;
  value_huffman?: boolean;
  span: Span;
  unknown?: boolean;
}

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

export type BlockRole =
  | 'request'
  | 'informational'
  | 'response'
  | 'request_trailers'
  | 'response_trailers'
  | 'push_request'
  | 'unknown';

export interface PrioritySpec {
  exclusive: boolean;
  dependency: number;
  weight: number;
}

export interface HeaderBlockEvent {
  conn: number;
  event: 'header_block';
  id: number;
  dir: Direction;
  stream_id: number;
  type: 'HEADERS' | 'PUSH_PROMISE';
  promised_stream_id?: number;
  role: BlockRole;
  packet: number;
  packets: number[];
  frames: number[];
  fragments: Span[];
  end_stream: boolean;
  end_headers: boolean;
  padded: boolean;
  priority?: PrioritySpec;
  continuation_frames: number;
  ts: number;
  block: number;
  fields: Field[];
  table_events?: TableEvent[];
  error?: Diagnostic & Record<string, unknown>;
  diagnostics?: Diagnostic[];
  table_state: TableState;
  table: TableSummary;
  bytes?: string;
}

export interface FrameEvent {
  conn: number;
  event: 'frame';
  dir: Direction;
  index: number;
  length: number;
  type: string | number;
  flags: number;
  stream_id: number;
  reserved_bit?: boolean;
  frame?: Record<string, unknown> & { type: string };
  span: Span;
  packet: number;
  first_packet: number;
  ts: number;
  bytes?: string;
  data?: Octets;
}

export interface MessageHead {
  block?: number;
  packet: number;
  ts: number;
  status?: number;
}

export interface ExchangeEvent {
  conn: number;
  event: 'exchange';
  stream_id: number;
  state: 'complete' | 'reset' | 'refused' | 'incomplete';
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
  request_bytes: number | string;
  response_bytes: number | string;
  request_data_frames: number;
  response_data_frames: number;
  start?: number;
  request_end?: number;
  response_end?: number;
  end?: number;
  reset?: { error_code: string | number; by: Direction; packet: number; ts: number };
  anomalies: number;
}

export interface TapExchangeEvent {
  conn?: number;
  event: 'tap_exchange';
  id?: string;
  tool?: string;
  method?: Octets;
  scheme?: Octets;
  authority?: Octets;
  path?: Octets;
  status?: number;
  grpc_status?: number;
  request_headers?: [Octets, Octets][];
  response_headers?: [Octets, Octets][];
  request_trailers?: [Octets, Octets][];
  response_trailers?: [Octets, Octets][];
  response_bytes?: number | string;
  request_bytes?: number | string;
  response_end_ns?: number | string;
  [key: string]: unknown;
}

export interface MetadataEntry {
  position: number;
  class: 'pseudo' | 'call_definition' | 'grpc_reserved' | 'custom';
  name: Octets;
  value: Octets;
  encoding: { form: string; padded?: boolean; values?: number };
  decoded?: Octets[];
  diagnostics?: Diagnostic[];
}

export interface MetadataGroup {
  name: Octets;
  values: Octets[];
  positions: number[];
}

export interface Metadata {
  reserved: MetadataEntry[];
  wire: MetadataEntry[];
  grouped: MetadataGroup[];
}

export interface ProtoField {
  number: number;
  wire_type: number;
  span: Span;
  value: { kind: string; value?: unknown; message?: ProtoMessage; [key: string]: unknown };
}

export interface ProtoMessage {
  fields: ProtoField[];
  [key: string]: unknown;
}

export interface GrpcMessage {
  index: number;
  flags: number;
  compressed: boolean;
  declared_len: number;
  span: Span;
  payload?: Octets;
  time?: number;
  raw?: { message?: ProtoMessage; [key: string]: unknown };
  decoded?: { type_name: string; json: unknown };
  diagnostics?: Diagnostic[];
  [key: string]: unknown;
}

export interface GrpcCallEvent {
  conn?: number;
  event: 'grpc_call';
  stream_id?: number;
  path?: string;
  service?: string;
  method?: string;
  authority?: Octets;
  request_metadata?: Metadata;
  response_metadata?: Metadata;
  trailers_metadata?: Metadata;
  request_messages?: GrpcMessage[];
  response_messages?: GrpcMessage[];
  http_status?: string;
  status?: { code: number; name?: string };
  status_source?: string;
  message?: { raw: Octets; decoded: string; display: string };
  trailers_only?: boolean;
  cancelled_by_client?: boolean;
  duration_ns?: number | string;
  diagnostics?: Diagnostic[];
  [key: string]: unknown;
}

export interface ConnectionEvent {
  conn: number;
  event: 'connection';
  client?: string;
  server?: string;
  from_start: boolean;
  roles_guessed?: boolean;
  packet: number;
  ts: number;
}

export interface ProtocolEvent {
  conn: number;
  event: 'protocol';
  protocol: string;
  sni?: Octets;
  alpn?: Octets[];
  selected_alpn?: Octets;
  version?: string;
  dir: Direction;
  packet: number;
  ts: number;
}

export interface DirStats {
  bytes: number;
  frame_bytes: number;
  frames: number;
  lost: number;
  header_blocks: number;
  skipped: Record<string, number>;
  [key: string]: unknown;
}

export interface ConnectionEndEvent {
  conn: number;
  event: 'connection_end';
  protocol?: { protocol: string; [key: string]: unknown };
  stats: {
    client_to_server: DirStats;
    server_to_client: DirStats;
    streams: number;
    exchanges: number;
    diagnostics: number;
  };
}

export interface DiagnosticEvent extends Diagnostic {
  conn?: number;
  event: 'diagnostic' | 'notice';
  dir?: Direction;
  stream_id?: number;
  frame?: number;
  block?: number;
  packet?: number;
  ts?: number;
}

export interface SummaryEvent {
  event: 'summary';
  format?: string;
  input_bytes: number;
  packets: number;
  connections: number;
  http2_connections: number;
  header_blocks: number;
  exchanges: number;
  grpc_calls?: number;
  diagnostics: { errors: number; warnings: number; infos: number };
  first_ts?: number;
  [key: string]: unknown;
}

export interface InputEvent {
  event: 'input';
  format: string;
  carries: 'wire' | 'decoded_headers';
  fidelity?: { statement?: string; [key: string]: unknown };
}

/** Any event; `event` names its kind. */
export interface AnyEvent {
  event: string;
  conn?: number;
  [key: string]: unknown;
}

/** One header as the diff and pairing functions take it. */
export interface Header {
  name: Octets;
  value: Octets;
}

export interface PairKey {
  path?: Octets | null;
  request_headers: Header[];
}

export type HeaderChange =
  | { change: 'same' | 'moved'; name: Octets; value: Octets; left: number; right: number }
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
  changes: HeaderChange[];
  grouped: GroupChange[];
}

export interface ExchangePair {
  left?: number;
  right?: number;
  by: string;
}

/** Display text of raw bytes. */
export function octetsText(o: Octets | undefined | null): string {
  if (o === undefined || o === null) return '';
  return typeof o === 'string' ? o : o.text;
}
