// One decoded input: the decoding loop, everything it produced, and the
// answers to the page's questions about it.

import { groupMetadata, newDecoder, type DecodeOptions } from '../engine/h2lens';
import {
  octetsText,
  type AnyEvent,
  type ConnectionEndEvent,
  type ConnectionEvent,
  type DiagnosticEvent,
  type ExchangeEvent,
  type FrameEvent,
  type GrpcCallEvent,
  type Header,
  type HeaderBlockEvent,
  type Metadata,
  type Octets,
  type ProtocolEvent,
  type SummaryEvent,
  type TapExchangeEvent,
} from '../engine/schema';
import { GrowI32 } from '../shared/grow';
import {
  BLOCK_ROLES,
  type AnomalyRow,
  type Batch,
  type BlockColumns,
  type BlockDetail,
  type ConnectionRow,
  type Done,
  type ExchangeDetail,
  type ExchangeRow,
  type Filter,
  type FrameColumns,
  type FrameDetail,
  type HeaderSection,
  type ListName,
  type Notice,
  type OpenOptions,
  type Sort,
  type Source,
  type TableView,
} from '../shared/protocol';
import { BlockStore, DIRS } from './blocks';
import { describeProtocol } from './describe';
import { frameFields } from './hexfields';
import { FrameStore } from './frames';
import { openReader, type Reader } from './reader-client';
import { ColumnIngest, readColumns, type ColumnSink } from './columns';
import { readChunks, SLICE, yieldToEvents } from './source';
import { Strings } from './strings';
import { replayTable } from './table';

/** Largest input whose frame bytes are kept for hex views. */
const FRAME_BYTES_LIMIT = 48 * 1024 * 1024;
/** Payload bytes kept per frame for hex views. */
const FRAME_BYTES = 4096;
/** Largest input whose exchanges are kept for HAR export without decoding again. */
const COLLECT_LIMIT = 48 * 1024 * 1024;
/** How often rows are sent to the page while decoding. */
const BATCH_MS = 120;

const ORDER_MISC = 0;
const ORDER_BLOCK = 1;
const ORDER_FRAME = 2;

interface ExchangeRecord {
  /** Index of the exchange / tap_exchange event in `misc`. */
  ev: number;
  call: number | null;
  conn: number | null;
  stream: number | null;
  tap: boolean;
  row: ExchangeRow;
  sent: boolean;
}

type Post = (notice: Notice, transfer?: Transferable[]) => void;

export class Session {
  readonly id: string;
  readonly source: Source;
  readonly options: OpenOptions;
  private readonly post: Post;
  readonly strings = new Strings();
  readonly blocks = new BlockStore(this.strings);
  readonly frames = new FrameStore();
  /** Every other event, as it came. */
  readonly misc: AnyEvent[] = [];
  private readonly orderKind = new GrowI32(4096);
  private readonly orderIdx = new GrowI32(4096);
  input: AnyEvent | null = null;
  summary: SummaryEvent | null = null;
  private readonly connections = new Map<number, ConnectionRow>();
  private readonly dirtyConns = new Set<number>();
  readonly exchanges: ExchangeRecord[] = [];
  private readonly exByStream = new Map<number, Map<number, number>>();
  private readonly blockById = new Map<number, GrowI32>();
  private readonly blocksByDir = new Map<number, GrowI32>();
  private readonly framesByConn = new Map<number, GrowI32>();
  private readonly frameByNumber = new Map<number, GrowI32>();
  readonly anomalies: AnomalyRow[] = [];
  /** misc index of each anomaly's event (diagnostic, notice or gRPC call). */
  private readonly anomalyEvent: AnyEvent[] = [];
  private lastTap: number | null = null;
  // What the page has not been sent yet.
  private sentBlocks = 0;
  private sentFrames = 0;
  private sentAnomalies = 0;
  private pendingExchanges: ExchangeRecord[] = [];
  private pendingUpdates = new Set<ExchangeRecord>();
  private lastBatch = 0;
  private reader: Reader | null = null;
  cancelled = false;
  running = false;
  /** Where decoding time went: the decoder, handing events to JS, keeping them. */
  readonly profile = { pushMs: 0, serializeMs: 0, parseMs: 0, storeMs: 0, postMs: 0, pipeline: false };
  frameBytes = false;
  collected = false;
  private textCache: { needle: string; hits: Uint8Array; upTo: number } | null = null;

  constructor(id: string, source: Source, options: OpenOptions, post: Post) {
    this.id = id;
    this.source = source;
    this.options = options;
    this.post = post;
  }

  get total(): number {
    return this.source.kind === 'blob' ? this.source.blob.size : this.source.bytes.length;
  }

  // ---- Decoding ---------------------------------------------------------

  private decodeOptions(collect: boolean): DecodeOptions {
    const small = this.total <= FRAME_BYTES_LIMIT;
    const options: DecodeOptions = {
      grpc: true,
      decodeRaw: true,
      collect,
      config: {
        output: { frame_bytes: small ? FRAME_BYTES : 0, header_block_bytes: small },
      },
    };
    if (this.source.kind === 'bytes' && this.source.format) options.format = this.source.format;
    if (this.options.protoset) options.protoset = this.options.protoset;
    if (this.options.keylog) options.keylog = this.options.keylog;
    return options;
  }

  async run(): Promise<void> {
    const started = performance.now();
    this.running = true;
    this.frameBytes = this.total <= FRAME_BYTES_LIMIT;
    this.collected = this.total <= COLLECT_LIMIT;
    let error: string | undefined;
    let bytes = 0;
    try {
      this.reader = openReader(this.source, this.decodeOptions(this.collected), {
        pipeline: !this.options.noPipeline,
        startTimeoutMs: this.options.readerStartTimeoutMs,
      });
      for await (const batch of this.reader.batches()) {
        const t0 = performance.now();
        const columns = readColumns(batch.columns);
        const t1 = performance.now();
        this.columnIngest.ingest(columns, this.sink);
        this.profile.pushMs += batch.pushMs;
        this.profile.serializeMs += batch.serializeMs;
        this.profile.parseMs += t1 - t0;
        this.profile.storeMs += performance.now() - t1;
        bytes = batch.bytes;
        this.flush(false, bytes, started);
        if (this.cancelled) this.reader.cancel();
      }
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    this.running = false;
    // After the batches: a reader worker that did not start fell back.
    if (this.reader) this.profile.pipeline = this.reader.pipeline;
    this.flush(true, bytes, started);
    if (!this.collected) this.reader?.close();
    const done: Done = {
      session: this.id,
      summary: this.summary,
      cancelled: this.cancelled,
      input: this.input ?? undefined,
      elapsed: performance.now() - started,
      frameBytes: this.frameBytes,
      collected: this.collected && !this.cancelled && error === undefined,
      profile: { ...this.profile },
    };
    if (error !== undefined) done.error = error;
    this.post({ ev: 'done', done });
  }

  cancel(): void {
    this.cancelled = true;
    this.reader?.cancel();
  }

  close(): void {
    this.cancel();
    this.reader?.close();
    this.reader = null;
  }

  /** Where each event of a column batch goes. */
  private readonly sink: ColumnSink = {
    event: (ev) => this.ingestEvent(ev),
    block: (i) => this.indexBlock(i),
    frame: (i) => this.indexFrame(i),
  };
  private readonly columnIngest = new ColumnIngest(this.strings, this.blocks, this.frames);

  private ingestEvent(ev: AnyEvent): void {
    switch (ev.event) {
      case 'header_block':
        this.indexBlock(this.blocks.add(ev as unknown as HeaderBlockEvent));
        break;
      case 'frame':
        this.indexFrame(this.frames.add(ev as unknown as FrameEvent));
        break;
      default:
        this.addMisc(ev);
    }
  }

  private indexBlock(i: number): void {
    this.order(ORDER_BLOCK, i);
    const conn = this.blocks.connOf(i);
    setAt(this.blockById, conn, this.blocks.idOf(i), i);
    listOf(this.blocksByDir, conn * 2 + this.blocks.dirOf(i)).push(i);
  }

  private indexFrame(i: number): void {
    this.order(ORDER_FRAME, i);
    const conn = this.frames.connOf(i);
    listOf(this.framesByConn, conn).push(i);
    setAt(this.frameByNumber, conn * 2 + this.frames.dirOf(i), this.frames.indexOf(i), i);
    const row = this.connections.get(conn);
    if (row) {
      row.frames++;
      this.dirtyConns.add(conn);
    }
  }

  private addMisc(ev: AnyEvent): void {
    const m = this.misc.length;
    this.misc.push(ev);
    this.order(ORDER_MISC, m);
    switch (ev.event) {
      case 'input':
        this.input = ev;
        break;
      case 'summary':
        this.summary = ev as unknown as SummaryEvent;
        break;
      case 'connection':
        this.onConnection(ev as unknown as ConnectionEvent);
        break;
      case 'protocol':
        this.onProtocol(ev as unknown as ProtocolEvent);
        break;
      case 'connection_end':
        this.onConnectionEnd(ev as unknown as ConnectionEndEvent);
        break;
      case 'exchange':
        this.onExchange(ev as unknown as ExchangeEvent, m);
        break;
      case 'tap_exchange':
        this.onTapExchange(ev as unknown as TapExchangeEvent, m);
        break;
      case 'grpc_call':
        this.onGrpcCall(ev as unknown as GrpcCallEvent, m);
        break;
      case 'diagnostic':
      case 'notice':
        this.addAnomaly(ev as unknown as DiagnosticEvent, ev, null);
        break;
    }
  }

  private order(kind: number, index: number): void {
    this.orderKind.push(kind);
    this.orderIdx.push(index);
  }

  private onConnection(ev: ConnectionEvent): void {
    this.connections.set(ev.conn, {
      conn: ev.conn,
      client: ev.client,
      server: ev.server,
      fromStart: ev.from_start,
      rolesGuessed: ev.roles_guessed === true,
      protocol: 'not recognised yet',
      frames: 0,
      streams: 0,
      exchanges: 0,
      anomalies: 0,
      bytes: 0,
      firstPacket: ev.packet,
      ts: ev.ts,
      ended: false,
    });
    this.dirtyConns.add(ev.conn);
  }

  private connRow(conn: number): ConnectionRow {
    let row = this.connections.get(conn);
    if (!row) {
      row = {
        conn,
        fromStart: false,
        rolesGuessed: false,
        protocol: 'not recognised yet',
        frames: 0,
        streams: 0,
        exchanges: 0,
        anomalies: 0,
        bytes: 0,
        firstPacket: 0,
        ts: 0,
        ended: false,
      };
      this.connections.set(conn, row);
    }
    this.dirtyConns.add(conn);
    return row;
  }

  private onProtocol(ev: ProtocolEvent): void {
    const row = this.connRow(ev.conn);
    row.protocol = describeProtocol(ev as unknown as AnyEvent);
    if (ev.protocol === 'tls') {
      const suite = (ev as unknown as { cipher_suite?: { name?: string; value?: number } }).cipher_suite;
      row.tls = {
        cipherSuite: suite ? (suite.name ?? `0x${(suite.value ?? 0).toString(16)}`) : undefined,
        decrypted: (ev as unknown as { decrypted?: boolean }).decrypted === true,
        version: ev.version,
        sni: ev.sni === undefined ? undefined : octetsText(ev.sni),
        alpn: ev.alpn?.map((a) => octetsText(a)),
        selectedAlpn: ev.selected_alpn === undefined ? undefined : octetsText(ev.selected_alpn),
      };
    }
  }

  private onConnectionEnd(ev: ConnectionEndEvent): void {
    const row = this.connRow(ev.conn);
    const s = ev.stats;
    if (ev.protocol) row.protocol = describeProtocol(ev.protocol);
    row.streams = s.streams;
    row.exchanges = s.exchanges;
    row.anomalies = s.diagnostics;
    row.frames = s.client_to_server.frames + s.server_to_client.frames;
    row.bytes = s.client_to_server.bytes + s.server_to_client.bytes;
    row.ended = true;
  }

  private onExchange(ev: ExchangeEvent, m: number): void {
    const i = this.exchanges.length;
    const grpc = ev.grpc_status === undefined ? -1 : Number.parseInt(octetsText(ev.grpc_status), 10);
    const row: ExchangeRow = {
      i,
      conn: ev.conn,
      stream: ev.stream_id,
      method: octetsText(ev.method),
      path: octetsText(ev.path),
      authority: octetsText(ev.authority),
      status: ev.status ?? -1,
      grpcCode: Number.isFinite(grpc) ? grpc : -1,
      grpcName: '',
      isGrpc: octetsText(ev.content_type).startsWith('application/grpc'),
      reqBytes: num(ev.request_bytes, 0),
      respBytes: num(ev.response_bytes, 0),
      start: ev.start ?? -1,
      duration: ev.start !== undefined && ev.end !== undefined ? (ev.end - ev.start) * 1000 : -1,
      anomalies: ev.anomalies,
      state: ev.state,
      tap: false,
    };
    const rec: ExchangeRecord = {
      ev: m,
      call: null,
      conn: ev.conn,
      stream: ev.stream_id,
      tap: false,
      row,
      sent: false,
    };
    this.exchanges.push(rec);
    this.pendingExchanges.push(rec);
    let streams = this.exByStream.get(ev.conn);
    if (!streams) this.exByStream.set(ev.conn, (streams = new Map()));
    streams.set(ev.stream_id, i);
  }

  private onTapExchange(ev: TapExchangeEvent, m: number): void {
    const i = this.exchanges.length;
    const headerValue = (list: [Octets, Octets][] | undefined, name: string) =>
      list?.find(([n]) => octetsText(n) === name)?.[1];
    const row: ExchangeRow = {
      i,
      conn: typeof ev.conn === 'number' ? ev.conn : null,
      stream: null,
      method: octetsText(ev.method),
      path: octetsText(ev.path),
      authority: octetsText(ev.authority),
      status: typeof ev.status === 'number' ? ev.status : -1,
      grpcCode: typeof ev.grpc_status === 'number' ? ev.grpc_status : -1,
      grpcName: '',
      isGrpc: octetsText(headerValue(ev.request_headers, 'content-type')).startsWith(
        'application/grpc',
      ),
      reqBytes: num(ev.request_bytes, 0),
      respBytes: num(ev.response_bytes, 0),
      start: -1,
      duration: num(ev.response_end_ns, -1e6) / 1e6,
      anomalies: 0,
      state: ev.complete === false ? 'incomplete' : 'complete',
      tap: true,
    };
    const rec: ExchangeRecord = { ev: m, call: null, conn: null, stream: null, tap: true, row, sent: false };
    this.exchanges.push(rec);
    this.pendingExchanges.push(rec);
    this.lastTap = i;
  }

  private onGrpcCall(ev: GrpcCallEvent, m: number): void {
    let i: number | undefined;
    if (typeof ev.conn === 'number' && typeof ev.stream_id === 'number') {
      i = this.exByStream.get(ev.conn)?.get(ev.stream_id);
    } else if (this.lastTap !== null) {
      i = this.lastTap;
      this.lastTap = null;
    }
    if (i === undefined) return;
    const rec = this.exchanges[i]!;
    rec.call = m;
    const row = rec.row;
    row.isGrpc = true;
    if (ev.status) {
      row.grpcCode = ev.status.code;
      row.grpcName = ev.status.name ?? '';
    }
    if (ev.duration_ns !== undefined) row.duration = num(ev.duration_ns, -1e6) / 1e6;
    for (const d of ev.diagnostics ?? []) {
      row.anomalies++;
      this.addAnomaly(
        { ...d, event: 'diagnostic', conn: ev.conn, stream_id: ev.stream_id } as unknown as DiagnosticEvent,
        ev,
        i,
      );
    }
    if (rec.sent) this.pendingUpdates.add(rec);
  }

  private addAnomaly(d: DiagnosticEvent, source: AnyEvent, exchange: number | null): void {
    const conn = typeof d.conn === 'number' ? d.conn : null;
    const stream = typeof d.stream_id === 'number' ? d.stream_id : null;
    this.anomalies.push({
      i: this.anomalies.length,
      severity: d.severity,
      layer: d.layer,
      code: d.code,
      message: d.message,
      rfc: d.rfc,
      conn,
      dir: d.dir ?? null,
      stream,
      packet: typeof d.packet === 'number' ? d.packet : null,
      exchange,
      block: null,
      frame: null,
    });
    this.anomalyEvent.push(source);
  }

  /** Sends new rows (at most every BATCH_MS unless `force`) and progress. */
  private flush(force: boolean, bytes: number, started: number): void {
    const now = performance.now();
    const first = this.lastBatch === 0 && (this.exchanges.length > 0 || this.blocks.length > 0);
    if (!force && !first && now - this.lastBatch < BATCH_MS) return;
    this.lastBatch = now;
    const transfer: Transferable[] = [];
    const batch: Batch = {
      session: this.id,
      connections: [...this.dirtyConns].map((c) => ({ ...this.connections.get(c)! })),
      exchanges: this.pendingExchanges.map((r) => {
        r.sent = true;
        return r.row;
      }),
      exchangeUpdates: [...this.pendingUpdates].map((r) => r.row),
      blocks: this.blockColumns(transfer),
      frames: this.frameColumns(transfer),
      anomalies: this.anomalies.slice(this.sentAnomalies),
    };
    this.sentAnomalies = this.anomalies.length;
    this.dirtyConns.clear();
    this.pendingExchanges = [];
    this.pendingUpdates.clear();
    this.post({ ev: 'batch', batch }, transfer);
    this.profile.postMs += performance.now() - now;
    this.post({
      ev: 'progress',
      progress: { session: this.id, bytes, total: this.total, elapsed: now - started },
    });
  }

  private blockColumns(transfer: Transferable[]): BlockColumns | null {
    const from = this.sentBlocks;
    const to = this.blocks.length;
    if (to === from) return null;
    this.sentBlocks = to;
    const n = to - from;
    const b = this.blocks;
    const cols: BlockColumns = {
      base: from,
      conn: new Int32Array(n),
      id: new Int32Array(n),
      dir: new Int32Array(n),
      stream: new Int32Array(n),
      role: new Int32Array(n),
      fields: new Int32Array(n),
      size: new Int32Array(n),
      problem: new Int32Array(n),
      tableUnknown: new Int32Array(n),
      packet: new Float64Array(n),
      ts: new Float64Array(n),
      label: new Array<string>(n),
    };
    for (let k = 0; k < n; k++) {
      const i = from + k;
      cols.conn[k] = b.connOf(i);
      cols.id[k] = b.idOf(i);
      cols.dir[k] = b.dirOf(i);
      cols.stream[k] = b.streamOf(i);
      const role = b.roleOf(i);
      cols.role[k] = BLOCK_ROLES.indexOf(role);
      cols.fields[k] = b.fieldCountOf(i);
      cols.size[k] = b.sizeOf(i);
      cols.problem[k] = b.hasProblem(i) ? 1 : 0;
      cols.tableUnknown[k] = b.tableStateOf(i).state === 'synced' ? 0 : 1;
      cols.packet[k] = b.packetOf(i);
      cols.ts[k] = b.tsOf(i);
      cols.label[k] = this.blockLabel(i, role);
    }
    for (const a of Object.values(cols)) {
      if (ArrayBuffer.isView(a)) transfer.push(a.buffer);
    }
    return cols;
  }

  private blockLabel(i: number, role: string): string {
    const b = this.blocks;
    const pick = (name: string) => {
      const v = b.firstValue(i, name);
      return v === undefined ? undefined : octetsText(v);
    };
    if (role === 'request' || role === 'push_request') {
      return [pick(':method'), pick(':path')].filter((x) => x !== undefined).join(' ');
    }
    if (role === 'response' || role === 'informational') {
      const status = pick(':status');
      const grpc = pick('grpc-status');
      return [status && `:status ${status}`, grpc && `grpc-status ${grpc}`].filter(Boolean).join(' ');
    }
    if (role.endsWith('trailers')) {
      const grpc = pick('grpc-status');
      return grpc === undefined ? '' : `grpc-status ${grpc}`;
    }
    return '';
  }

  private frameColumns(transfer: Transferable[]): FrameColumns | null {
    const from = this.sentFrames;
    const to = this.frames.length;
    if (to === from) return null;
    this.sentFrames = to;
    const n = to - from;
    const f = this.frames;
    const cols: FrameColumns = {
      base: from,
      conn: new Int32Array(n),
      dir: new Int32Array(n),
      index: new Float64Array(n),
      type: new Int32Array(n),
      flags: new Int32Array(n),
      stream: new Int32Array(n),
      length: new Int32Array(n),
      broken: new Int32Array(n),
      packet: new Float64Array(n),
      ts: new Float64Array(n),
    };
    for (let k = 0; k < n; k++) {
      const i = from + k;
      cols.conn[k] = f.connOf(i);
      cols.dir[k] = f.dirOf(i);
      cols.index[k] = f.indexOf(i);
      cols.type[k] = f.typeCode(i);
      cols.flags[k] = f.flagsOf(i);
      cols.stream[k] = f.streamOf(i);
      cols.length[k] = f.lengthOf(i);
      cols.broken[k] = f.isBroken(i) ? 1 : 0;
      cols.packet[k] = f.packetOf(i);
      cols.ts[k] = f.tsOf(i);
    }
    for (const a of Object.values(cols)) {
      if (ArrayBuffer.isView(a)) transfer.push(a.buffer);
    }
    return cols;
  }

  // ---- Queries ------------------------------------------------------------

  /** Row indices of `list` matching `filter`, in `sort` order; null: all, in order. */
  query(list: ListName, filter: Filter, sort: Sort | null): Int32Array | null {
    const text = filter.text?.trim().toLowerCase() ?? '';
    const hits = text ? this.textHits(text) : null;
    const out = new GrowI32(1024);
    switch (list) {
      case 'exchanges': {
        const plain = !text && !filter.status && !filter.anomaly && filter.conn === undefined;
        if (plain && !sort) return null;
        for (const rec of this.exchanges) {
          const r = rec.row;
          if (filter.conn !== undefined && r.conn !== filter.conn) continue;
          if (filter.anomaly && r.anomalies === 0) continue;
          if (filter.status && !statusMatches(r, filter.status)) continue;
          if (hits && !this.exchangeHasText(rec, text, hits)) continue;
          out.push(r.i);
        }
        const rows = out.slice(0);
        if (sort) sortRows(rows, this.exchanges, sort);
        return rows;
      }
      case 'blocks': {
        if (!text && filter.conn === undefined && filter.stream === undefined && !filter.anomaly) {
          return null;
        }
        const b = this.blocks;
        const hit = (n: number, v: number) => hits![n] === 1 || hits![v] === 1;
        for (let i = 0; i < b.length; i++) {
          if (filter.conn !== undefined && b.connOf(i) !== filter.conn) continue;
          if (filter.stream !== undefined && b.streamOf(i) !== filter.stream) continue;
          if (filter.anomaly && !b.hasProblem(i)) continue;
          if (hits && !b.forEachFieldString(i, hit)) continue;
          out.push(i);
        }
        return out.slice(0);
      }
      case 'frames': {
        if (filter.conn === undefined && filter.stream === undefined && !filter.type && !filter.anomaly) {
          return null;
        }
        const f = this.frames;
        const source = filter.conn !== undefined ? this.framesByConn.get(filter.conn) : undefined;
        const n = source ? source.length : filter.conn !== undefined ? 0 : f.length;
        for (let k = 0; k < n; k++) {
          const i = source ? source.get(k) : k;
          if (filter.stream !== undefined && f.streamOf(i) !== filter.stream) continue;
          if (filter.type && f.typeName(i) !== filter.type) continue;
          if (filter.anomaly && !f.isBroken(i)) continue;
          out.push(i);
        }
        return out.slice(0);
      }
      case 'anomalies': {
        if (!text && !filter.status && filter.conn === undefined) return null;
        for (const a of this.anomalies) {
          if (filter.conn !== undefined && a.conn !== filter.conn) continue;
          if (filter.status && a.severity !== filter.status) continue;
          if (text && !`${a.code} ${a.message} ${a.layer}`.toLowerCase().includes(text)) continue;
          out.push(a.i);
        }
        return out.slice(0);
      }
    }
  }

  /** hits[id] = 1 when interned string `id` contains `needle` (any case). */
  private textHits(needle: string): Uint8Array {
    const list = this.strings.list;
    let cache = this.textCache;
    if (!cache || cache.needle !== needle) cache = { needle, hits: new Uint8Array(0), upTo: 0 };
    if (cache.hits.length < list.length) {
      const grown = new Uint8Array(Math.max(list.length, cache.hits.length * 2));
      grown.set(cache.hits);
      cache.hits = grown;
    }
    for (let id = cache.upTo; id < list.length; id++) {
      if (octetsText(list[id]).toLowerCase().includes(needle)) cache.hits[id] = 1;
    }
    cache.upTo = list.length;
    this.textCache = cache;
    return cache.hits;
  }

  private exchangeHasText(rec: ExchangeRecord, needle: string, hits: Uint8Array): boolean {
    const r = rec.row;
    if (r.path.toLowerCase().includes(needle) || r.method.toLowerCase().includes(needle)) return true;
    if (r.authority.toLowerCase().includes(needle)) return true;
    if (rec.tap) {
      const ev = this.misc[rec.ev] as unknown as TapExchangeEvent;
      for (const list of [ev.request_headers, ev.response_headers, ev.response_trailers]) {
        for (const [n, v] of list ?? []) {
          const line = `${octetsText(n)} ${octetsText(v)}`.toLowerCase();
          if (line.includes(needle)) return true;
        }
      }
      return false;
    }
    const hit = (n: number, v: number) => hits[n] === 1 || hits[v] === 1;
    for (const b of this.exchangeBlocks(rec)) {
      if (b.index !== null && this.blocks.forEachFieldString(b.index, hit)) return true;
    }
    return false;
  }

  /** The header blocks of an exchange, in order, with their roles. */
  private exchangeBlocks(rec: ExchangeRecord): { title: string; role: string; index: number | null }[] {
    const ev = this.misc[rec.ev] as unknown as ExchangeEvent;
    const conn = rec.conn!;
    const at = (head: { block?: number } | undefined) =>
      head?.block === undefined ? null : (getAt(this.blockById, conn, head.block) ?? null);
    const out: { title: string; role: string; index: number | null }[] = [];
    if (ev.request) out.push({ title: 'Request headers', role: 'request', index: at(ev.request) });
    for (const info of ev.informational ?? []) {
      out.push({ title: `Informational response (${info.status ?? ''})`, role: 'informational', index: at(info) });
    }
    if (ev.request_trailers) {
      out.push({ title: 'Request trailers', role: 'request_trailers', index: at(ev.request_trailers) });
    }
    if (ev.response) out.push({ title: 'Response headers', role: 'response', index: at(ev.response) });
    if (ev.response_trailers) {
      out.push({ title: 'Response trailers', role: 'response_trailers', index: at(ev.response_trailers) });
    }
    return out;
  }

  // ---- Details -------------------------------------------------------------

  exchange(i: number): ExchangeDetail {
    const rec = this.exchanges[i];
    if (!rec) throw new Error(`no exchange ${i}`);
    const event = this.misc[rec.ev]!;
    const call = rec.call === null ? null : (this.misc[rec.call] as unknown as GrpcCallEvent);
    const sections: HeaderSection[] = [];
    if (rec.tap) {
      const ev = event as TapExchangeEvent;
      const lists: [string, string, [Octets, Octets][] | undefined, Metadata | undefined][] = [
        ['Request headers', 'request', ev.request_headers, call?.request_metadata],
        ['Response headers', 'response', ev.response_headers, call?.response_metadata ?? (call?.trailers_only ? call.trailers_metadata : undefined)],
        ['Response trailers', 'response_trailers', ev.response_trailers, call?.trailers_metadata],
      ];
      for (const [title, role, list, md] of lists) {
        if (!list || (list.length === 0 && role !== 'request')) continue;
        const headers = list.map(([name, value]) => ({ name, value }));
        sections.push({ title, role, block: null, event: null, headers, metadata: md ?? this.group(headers) });
      }
    } else {
      for (const b of this.exchangeBlocks(rec)) {
        const ev = b.index === null ? null : this.blocks.get(b.index);
        const headers = ev ? ev.fields.map((f) => ({ name: f.name, value: f.value })) : [];
        sections.push({
          title: b.title,
          role: b.role,
          block: b.index,
          event: ev,
          headers,
          metadata: metadataFor(call, b.role) ?? this.group(headers),
        });
      }
    }
    const diagnostics = this.anomalies
      .filter((a) =>
        rec.tap
          ? a.exchange === i
          : a.exchange === i || (a.conn === rec.conn && a.stream !== null && a.stream === rec.stream),
      )
      .map((a) => this.anomalyEvent[a.i]!)
      .filter((e, k, all) => all.indexOf(e) === k);
    return {
      row: rec.row,
      event,
      call,
      sections,
      diagnostics,
      frames: rec.tap ? [] : this.streamFrames(rec.conn!, rec.stream!),
      carries: this.input?.carries === 'decoded_headers' ? 'decoded_headers' : 'wire',
    };
  }

  private group(headers: Header[]): Metadata | null {
    try {
      return groupMetadata(headers);
    } catch {
      return null;
    }
  }

  private streamFrames(conn: number, stream: number): number[] {
    const list = this.framesByConn.get(conn);
    const out: number[] = [];
    if (!list) return out;
    for (let k = 0; k < list.length; k++) {
      const i = list.get(k);
      if (this.frames.streamOf(i) === stream) out.push(i);
    }
    return out;
  }

  block(i: number): BlockDetail {
    if (i < 0 || i >= this.blocks.length) throw new Error(`no header block ${i}`);
    const event = this.blocks.get(i);
    const exIndex = this.exByStream.get(event.conn)?.get(event.stream_id) ?? null;
    const rec = exIndex === null ? null : this.exchanges[exIndex]!;
    const call = rec?.call == null ? null : (this.misc[rec.call] as unknown as GrpcCallEvent);
    const headers = event.fields.map((f) => ({ name: f.name, value: f.value }));
    const byNumber = this.frameByNumber.get(event.conn * 2 + DIRS.indexOf(event.dir));
    return {
      index: i,
      event,
      metadata: metadataFor(call, event.role) ?? this.group(headers),
      exchange: exIndex,
      frames: event.frames
        .map((n) => (byNumber && n < byNumber.length ? byNumber.get(n) : -1))
        .filter((n) => n >= 0),
      diagnostics: this.anomalies
        .filter((a) => a.conn === event.conn && this.anomalyBlock(a) === i)
        .map((a) => this.anomalyEvent[a.i]!),
    };
  }

  private anomalyBlock(a: { i: number }): number | null {
    const ev = this.anomalyEvent[a.i] as unknown as DiagnosticEvent | undefined;
    if (!ev || ev.event !== 'diagnostic' || typeof ev.block !== 'number' || typeof ev.conn !== 'number') {
      return null;
    }
    return getAt(this.blockById, ev.conn, ev.block) ?? null;
  }

  /** Where an anomaly points: its exchange, header block and frame. */
  locate(a: number): { exchange: number | null; block: number | null; frame: number | null } {
    const row = this.anomalies[a];
    if (!row) throw new Error(`no anomaly ${a}`);
    const ev = this.anomalyEvent[a] as unknown as DiagnosticEvent;
    let exchange = row.exchange;
    if (exchange === null && row.conn !== null && row.stream !== null) {
      exchange = this.exByStream.get(row.conn)?.get(row.stream) ?? null;
    }
    let frame: number | null = null;
    if (ev.event === 'diagnostic' && typeof ev.frame === 'number' && row.conn !== null && ev.dir) {
      const list = this.frameByNumber.get(row.conn * 2 + DIRS.indexOf(ev.dir));
      frame = list && ev.frame < list.length ? list.get(ev.frame) : null;
    }
    return { exchange, block: this.anomalyBlock(row), frame };
  }

  frame(i: number): FrameDetail {
    if (i < 0 || i >= this.frames.length) throw new Error(`no frame ${i}`);
    const event = this.frames.get(i);
    const bytes = event.bytes === undefined ? null : hexToBytes(event.bytes);
    let block: number | null = null;
    const type = this.frames.typeName(i);
    if (type === 'HEADERS' || type === 'CONTINUATION' || type === 'PUSH_PROMISE') {
      block = this.blockOfFrame(event.conn, DIRS.indexOf(event.dir), event.stream_id, event.index);
    }
    const blockEvent = block === null ? null : this.blocks.get(block);
    const exchange = this.exByStream.get(event.conn)?.get(event.stream_id) ?? null;
    const dirName = event.dir;
    return {
      index: i,
      event,
      bytes,
      fields: frameFields(event, blockEvent),
      block,
      exchange: event.stream_id === 0 ? null : exchange,
      diagnostics: this.anomalies
        .filter((a) => {
          const ev = this.anomalyEvent[a.i] as unknown as DiagnosticEvent;
          return ev.event === 'diagnostic' && ev.conn === event.conn && ev.dir === dirName && ev.frame === event.index;
        })
        .map((a) => this.anomalyEvent[a.i]!),
    };
  }

  private blockOfFrame(conn: number, dir: number, stream: number, index: number): number | null {
    const list = this.blocksByDir.get(conn * 2 + dir);
    if (!list) return null;
    for (let k = list.length - 1; k >= 0; k--) {
      const b = list.get(k);
      if (this.blocks.streamOf(b) !== stream) continue;
      const frames = this.blocks.framesOf(b);
      if (frames.includes(index)) return b;
      if (frames.length > 0 && frames[frames.length - 1]! < index) break;
    }
    return null;
  }

  /** The dynamic table of `dir` (0 c→s, 1 s→c) of `block`'s connection before `block`. */
  table(block: number, dir: number): TableView {
    if (block < 0 || block >= this.blocks.length) throw new Error(`no header block ${block}`);
    const conn = this.blocks.connOf(block);
    const list = this.blocksByDir.get(conn * 2 + dir);
    const order: number[] = [];
    for (let k = 0; list && k < list.length; k++) order.push(list.get(k));
    if (order.length === 0) throw new Error('no header blocks in that direction');
    let at: number;
    if (this.blocks.dirOf(block) === dir) {
      at = order.indexOf(block);
    } else {
      // The other direction: its table as it stood when `block` was sent.
      const id = this.blocks.idOf(block);
      at = order.findIndex((b) => this.blocks.idOf(b) > id);
      if (at < 0) at = order.length - 1;
    }
    return replayTable(this.blocks, order, at);
  }

  // ---- Export ------------------------------------------------------------------

  /** Every event, as JSON Lines, in decoding order. */
  allEventsJson(): Blob {
    const parts: string[] = [];
    let part = '';
    for (let k = 0; k < this.orderKind.length; k++) {
      part += JSON.stringify(this.eventAt(this.orderKind.get(k), this.orderIdx.get(k))) + '\n';
      if (part.length > 1 << 22) {
        parts.push(part);
        part = '';
      }
    }
    parts.push(part);
    return new Blob(parts, { type: 'application/x-ndjson' });
  }

  private eventAt(kind: number, index: number): AnyEvent {
    if (kind === ORDER_BLOCK) return this.blocks.get(index) as unknown as AnyEvent;
    if (kind === ORDER_FRAME) return this.frames.get(index) as unknown as AnyEvent;
    return this.misc[index]!;
  }

  /** One exchange's events (frames, header blocks, the exchange, its gRPC call, diagnostics). */
  exchangeJson(i: number): Blob {
    const d = this.exchange(i);
    const events: unknown[] = [];
    const items: { packet: number; rank: number; ev: unknown }[] = [];
    for (const f of d.frames) {
      items.push({ packet: this.frames.packetOf(f), rank: 0, ev: this.frames.get(f) });
    }
    for (const s of d.sections) {
      if (s.event) items.push({ packet: s.event.packet, rank: 1, ev: s.event });
    }
    items.sort((a, b) => a.packet - b.packet || a.rank - b.rank);
    for (const it of items) events.push(it.ev);
    events.push(d.event);
    if (d.call) events.push(d.call);
    events.push(...d.diagnostics.filter((e) => e.event !== 'grpc_call'));
    return new Blob(
      events.map((e) => JSON.stringify(e) + '\n'),
      { type: 'application/x-ndjson' },
    );
  }

  /** HAR 1.2 of everything, or of one exchange. */
  async har(exchange: number | null, onProgress: (bytes: number) => void): Promise<Blob> {
    let har: { log: { entries: Record<string, unknown>[] } };
    if (this.collected && this.reader && !this.running) {
      har = (await this.reader.har()) as typeof har;
    } else {
      // Decode again, keeping only the exchanges (no events cross to JS).
      const decoder = newDecoder({
        ...this.decodeOptions(true),
        config: { output: { table_events: false } },
        events: { include: ['summary'] },
      });
      let bytes = 0;
      try {
        for await (const chunk of readChunks(this.source)) {
          for (let off = 0; off < chunk.length; off += SLICE) {
            const slice = chunk.subarray(off, Math.min(chunk.length, off + SLICE));
            decoder.push(slice);
            decoder.drainText();
            bytes += slice.length;
            onProgress(bytes);
            await yieldToEvents();
          }
        }
        decoder.finish();
        decoder.drain();
        har = decoder.har() as typeof har;
      } finally {
        decoder.free();
      }
    }
    if (exchange !== null) {
      const rec = this.exchanges[exchange];
      if (!rec) throw new Error(`no exchange ${exchange}`);
      if (rec.tap) throw new Error('HAR of a single tap exchange is not available; export all as HAR');
      har.log.entries = har.log.entries.filter(
        (e) => e.connection === String(rec.conn) && e._stream === rec.stream,
      );
    }
    return new Blob([JSON.stringify(har, null, 2)], { type: 'application/json' });
  }

  /** What pairing looks at, per exchange. */
  pairKeys(): { path: Octets | null; request_headers: Header[] }[] {
    return this.exchanges.map((rec) => {
      const headers = this.requestHeaders(rec);
      return { path: rec.row.path === '' ? null : rec.row.path, request_headers: headers };
    });
  }

  requestHeaders(rec: ExchangeRecord): Header[] {
    if (rec.tap) {
      const ev = this.misc[rec.ev] as unknown as TapExchangeEvent;
      return (ev.request_headers ?? []).map(([name, value]) => ({ name, value }));
    }
    const first = this.exchangeBlocks(rec).find((b) => b.role === 'request');
    if (!first || first.index === null) return [];
    return this.blocks.get(first.index).fields.map((f) => ({ name: f.name, value: f.value }));
  }
}

/**
 * A count from the schema: a number, or (past 2^53 - 1, where the binding
 * writes 64-bit numbers as strings) a decimal string; `fallback` otherwise.
 */
function num(value: unknown, fallback: number): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return fallback;
}

function metadataFor(call: GrpcCallEvent | null, role: string): Metadata | null {
  if (!call) return null;
  switch (role) {
    case 'request':
      return call.request_metadata ?? null;
    case 'response':
      return call.response_metadata ?? (call.trailers_only ? (call.trailers_metadata ?? null) : null);
    case 'response_trailers':
      return call.trailers_metadata ?? null;
    default:
      return null;
  }
}

function statusMatches(r: ExchangeRow, status: string): boolean {
  switch (status) {
    case 'ok':
      return r.isGrpc ? r.grpcCode === 0 : r.status >= 200 && r.status < 400;
    case 'error':
      return r.isGrpc ? r.grpcCode > 0 : r.status >= 400 || r.status < 0;
    case 'none':
      return r.status < 0 && r.grpcCode < 0;
    case '2xx':
    case '3xx':
    case '4xx':
    case '5xx':
      return Math.floor(r.status / 100) === Number(status[0]);
    default:
      return true;
  }
}

const SORT_KEYS: Record<string, (r: ExchangeRow) => number | string> = {
  i: (r) => r.i,
  conn: (r) => r.conn ?? -1,
  stream: (r) => r.stream ?? -1,
  method: (r) => r.method,
  path: (r) => r.path,
  status: (r) => r.status,
  grpc: (r) => r.grpcCode,
  reqBytes: (r) => r.reqBytes,
  respBytes: (r) => r.respBytes,
  start: (r) => r.start,
  duration: (r) => r.duration,
  anomalies: (r) => r.anomalies,
};

function sortRows(rows: Int32Array, exchanges: ExchangeRecord[], sort: Sort): void {
  const key = SORT_KEYS[sort.key] ?? SORT_KEYS.i!;
  const values = exchanges.map((rec) => key(rec.row));
  const sign = sort.desc ? -1 : 1;
  rows.sort((a, b) => {
    const x = values[a]!;
    const y = values[b]!;
    const c = x < y ? -1 : x > y ? 1 : a - b;
    return c * sign;
  });
}

function listOf(map: Map<number, GrowI32>, key: number): GrowI32 {
  let list = map.get(key);
  if (!list) map.set(key, (list = new GrowI32(64)));
  return list;
}

/** map[key][index] = value, filling gaps with -1. */
function setAt(map: Map<number, GrowI32>, key: number, index: number, value: number): void {
  const list = listOf(map, key);
  while (list.length < index) list.push(-1);
  if (index === list.length) list.push(value);
  else list.set(index, value);
}

function getAt(map: Map<number, GrowI32>, key: number, index: number): number | undefined {
  const list = map.get(key);
  if (!list || index < 0 || index >= list.length) return undefined;
  const v = list.get(index);
  return v < 0 ? undefined : v;
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.substr(i * 2, 2), 16);
  return out;
}
