// Header blocks kept in columns. A capture of 400,000 header blocks with
// 3 million fields would take gigabytes as event objects; here a field is
// eight 32-bit numbers and names/values are interned. `get(i)` rebuilds the
// exact event (same keys, same order) for detail views and export.
//
// Any block whose shape is not the one known here (a new key in a future
// schema, a number out of range) is kept as the original object, so nothing
// is ever lost by compaction.

import type {
  BlockRole,
  Direction,
  Field,
  HeaderBlockEvent,
  IndexRef,
  Octets,
  Span,
  TableEvent,
  TableState,
} from '../engine/schema';
import { GrowF64, GrowI32 } from '../shared/grow';
import { BLOCK_WIDTH, FIELD_WIDTH, TABLE_WIDTH, type ColumnBatch } from './columns';
import { isOctets, Strings } from './strings';

export const DIRS: readonly Direction[] = ['client_to_server', 'server_to_client'];
const ROLES: readonly BlockRole[] = [
  'request',
  'informational',
  'response',
  'request_trailers',
  'response_trailers',
  'push_request',
  'unknown',
];
const KINDS = ['HEADERS', 'PUSH_PROMISE'] as const;
const REPRS = ['indexed', 'incremental_indexing', 'without_indexing', 'never_indexed'] as const;
const TABLES = ['static', 'dynamic'] as const;

const BLOCK_KEYS = new Set([
  'conn', 'event', 'id', 'dir', 'stream_id', 'type', 'promised_stream_id', 'role', 'packet',
  'packets', 'frames', 'fragments', 'end_stream', 'end_headers', 'padded', 'priority',
  'continuation_frames', 'ts', 'block', 'fields', 'table_events', 'error', 'diagnostics',
  'table_state', 'table', 'bytes',
]);

/** Rarely present parts of a block, kept as they came. */
interface Extra {
  promised_stream_id?: number;
  priority?: unknown;
  packets?: number[];
  frames?: number[];
  fragments?: Span[];
  error?: unknown;
  diagnostics?: unknown[];
  table_state?: TableState;
  bytes?: string;
}

const I32_MAX = 0x7fffffff;
const isI32 = (n: unknown): n is number =>
  typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= I32_MAX;

export class BlockStore {
  readonly strings: Strings;
  // One entry per block.
  private readonly conn = new GrowI32();
  private readonly id = new GrowI32();
  private readonly bits = new GrowI32(); // dir | kind<<1 | role<<2 | flags<<5 | raw<<8
  private readonly stream = new GrowI32();
  private readonly packet = new GrowF64();
  private readonly ts = new GrowF64();
  private readonly block = new GrowI32();
  private readonly fieldStart = new GrowI32();
  private readonly fieldCount = new GrowI32();
  private readonly eventStart = new GrowI32();
  private readonly eventCount = new GrowI32();
  private readonly cont = new GrowI32();
  private readonly frag = new GrowF64(); // start, end (two per block)
  private readonly frame0 = new GrowF64();
  private readonly table = new GrowI32(); // entries, size, max_size, settings_limit
  private readonly extraOf = new Map<number, Extra>();
  private readonly rawOf = new Map<number, HeaderBlockEvent>();
  // One entry per field.
  private readonly fName = new GrowI32(8192);
  private readonly fValue = new GrowI32(8192);
  private readonly fBits = new GrowI32(8192); // repr | table<<2 | nameHuff<<4 | valueHuff<<6 | unknown<<8 | hasIndex<<9 | hasEntry<<10 | hasInserted<<11
  private readonly fIndex = new GrowI32(8192);
  private readonly fEntry = new GrowI32(8192);
  private readonly fInserted = new GrowI32(8192);
  private readonly fStart = new GrowI32(8192);
  private readonly fEnd = new GrowI32(8192);
  // One entry per table event: kind then five numbers.
  private readonly tKind = new GrowI32();
  private readonly tA = new GrowI32();
  private readonly tB = new GrowI32();
  private readonly tC = new GrowI32();
  private readonly tD = new GrowI32();
  private readonly tE = new GrowI32();

  constructor(strings: Strings) {
    this.strings = strings;
  }

  get length(): number {
    return this.conn.length;
  }

  /** Stores a header_block event; returns its index in this store. */
  add(ev: HeaderBlockEvent): number {
    const i = this.conn.length;
    const fieldMark = this.fName.length;
    const eventMark = this.tKind.length;
    const compact = this.tryCompact(ev, i);
    if (!compact) {
      // Undo partial field/table-event writes and keep the object.
      this.fName.length = this.fValue.length = this.fBits.length = this.fIndex.length = fieldMark;
      this.fEntry.length = this.fInserted.length = this.fStart.length = this.fEnd.length = fieldMark;
      this.tKind.length = this.tA.length = this.tB.length = this.tC.length = eventMark;
      this.tD.length = this.tE.length = eventMark;
      this.extraOf.delete(i);
      this.rawOf.set(i, ev);
      this.pushBlockRow(ev, i, fieldMark, 0, eventMark, 0, 1 << 8);
    }
    return i;
  }

  /**
   * Stores row `r` of a column batch (see columns.ts), whose fields and
   * table events start at `field` and `tableEvent`; `ids` maps the batch's
   * string ids to this store's.
   */
  addRow(c: ColumnBatch, r: number, field: number, tableEvent: number, ids: readonly number[]): number {
    const i = this.conn.length;
    const b = c.blocks;
    const o = r * BLOCK_WIDTH;
    const fieldStart = this.fName.length;
    const fieldCount = b[o + 7]!;
    for (let k = 0; k < fieldCount; k++) {
      const p = (field + k) * FIELD_WIDTH;
      const f = c.fields;
      this.fName.push(ids[f[p]!]!);
      this.fValue.push(ids[f[p + 1]!]!);
      this.fBits.push(f[p + 2]!);
      this.fIndex.push(f[p + 3]!);
      this.fEntry.push(f[p + 4]!);
      this.fInserted.push(f[p + 5]!);
      this.fStart.push(f[p + 6]!);
      this.fEnd.push(f[p + 7]!);
    }
    const eventStart = this.tKind.length;
    const eventCount = b[o + 8]!;
    for (let k = 0; k < eventCount; k++) {
      const p = (tableEvent + k) * TABLE_WIDTH;
      const t = c.table;
      const kind = t[p]!;
      // Evictions carry the entry's name and value as string ids.
      const evicted = (kind & 3) === 2;
      this.pushEvent(
        kind,
        t[p + 1]!,
        evicted ? ids[t[p + 2]!]! : t[p + 2]!,
        evicted ? ids[t[p + 3]!]! : t[p + 3]!,
        t[p + 4]!,
        t[p + 5]!,
      );
    }
    this.conn.push(b[o]!);
    this.id.push(b[o + 1]!);
    this.bits.push(b[o + 2]!);
    this.stream.push(b[o + 3]!);
    this.packet.push(b[o + 4]!);
    this.ts.push(b[o + 5]!);
    this.block.push(b[o + 6]!);
    this.fieldStart.push(fieldStart);
    this.fieldCount.push(fieldCount);
    this.eventStart.push(eventStart);
    this.eventCount.push(eventCount);
    this.cont.push(b[o + 9]!);
    this.frag.push(b[o + 10]!);
    this.frag.push(b[o + 11]!);
    this.frame0.push(b[o + 12]!);
    this.table.push(b[o + 13]!);
    this.table.push(b[o + 14]!);
    this.table.push(b[o + 15]!);
    this.table.push(b[o + 16]!);
    return i;
  }

  private tryCompact(ev: HeaderBlockEvent, i: number): boolean {
    for (const key in ev) if (!BLOCK_KEYS.has(key)) return false;
    const dir = DIRS.indexOf(ev.dir);
    const kind = KINDS.indexOf(ev.type);
    const role = ROLES.indexOf(ev.role);
    if (dir < 0 || kind < 0 || role < 0) return false;
    if (!isI32(ev.conn) || !isI32(ev.id) || !isI32(ev.stream_id) || !isI32(ev.block)) return false;
    if (!isI32(ev.continuation_frames) || !Array.isArray(ev.fields)) return false;
    if (!ev.table_state || typeof ev.table_state.state !== 'string') return false;
    if (!Array.isArray(ev.packets) || !Array.isArray(ev.frames) || !Array.isArray(ev.fragments)) {
      return false;
    }
    const t = ev.table;
    if (
      !t ||
      Object.keys(t).length !== 4 ||
      !isI32(t.entries) ||
      !isI32(t.size) ||
      !isI32(t.max_size) ||
      !isI32(t.settings_limit)
    ) {
      return false;
    }
    const fieldMark = this.fName.length;
    for (const f of ev.fields) if (!this.addField(f)) return false;
    const eventMark = this.tKind.length;
    if (ev.table_events !== undefined) {
      if (!Array.isArray(ev.table_events)) return false;
      for (const te of ev.table_events) if (!this.addTableEvent(te)) return false;
    }
    const extra: Extra = {};
    let hasExtra = false;
    const put = <K extends keyof Extra>(k: K, v: Extra[K]) => {
      extra[k] = v;
      hasExtra = true;
    };
    if (ev.promised_stream_id !== undefined) put('promised_stream_id', ev.promised_stream_id);
    if (ev.priority !== undefined) put('priority', ev.priority);
    if (!(ev.packets.length === 1 && ev.packets[0] === ev.packet)) put('packets', ev.packets);
    if (ev.frames.length !== 1) put('frames', ev.frames);
    if (ev.fragments.length !== 1) put('fragments', ev.fragments);
    if (ev.error !== undefined) put('error', ev.error);
    if (ev.diagnostics !== undefined) put('diagnostics', ev.diagnostics);
    if (ev.table_state?.state !== 'synced' || Object.keys(ev.table_state).length !== 1) {
      put('table_state', ev.table_state);
    }
    if (ev.bytes !== undefined) put('bytes', ev.bytes);
    if (hasExtra) this.extraOf.set(i, extra);
    const flags = (ev.end_stream ? 1 : 0) | (ev.end_headers ? 2 : 0) | (ev.padded ? 4 : 0);
    const bits = dir | (kind << 1) | (role << 2) | (flags << 5);
    this.pushBlockRow(
      ev,
      i,
      fieldMark,
      this.fName.length - fieldMark,
      eventMark,
      this.tKind.length - eventMark,
      bits,
    );
    return true;
  }

  private pushBlockRow(
    ev: HeaderBlockEvent,
    _i: number,
    fieldStart: number,
    fieldCount: number,
    eventStart: number,
    eventCount: number,
    bits: number,
  ): void {
    const raw = bits & (1 << 8);
    this.conn.push(raw ? 0 : ev.conn);
    this.id.push(raw ? 0 : ev.id);
    this.bits.push(bits);
    this.stream.push(raw ? 0 : ev.stream_id);
    this.packet.push(raw ? 0 : ev.packet);
    this.ts.push(raw ? 0 : ev.ts);
    this.block.push(raw ? 0 : ev.block);
    this.fieldStart.push(fieldStart);
    this.fieldCount.push(fieldCount);
    this.eventStart.push(eventStart);
    this.eventCount.push(eventCount);
    this.cont.push(raw ? 0 : ev.continuation_frames);
    const f0 = raw ? undefined : ev.fragments[0];
    this.frag.push(f0?.start ?? 0);
    this.frag.push(f0?.end ?? 0);
    this.frame0.push(raw ? 0 : (ev.frames[0] ?? 0));
    const t = raw ? undefined : ev.table;
    this.table.push(t?.entries ?? 0);
    this.table.push(t?.size ?? 0);
    this.table.push(t?.max_size ?? 0);
    this.table.push(t?.settings_limit ?? 0);
  }

  private addField(f: Field): boolean {
    let keys = 0;
    for (const _ in f) keys++;
    let expected = 4;
    if (!isOctets(f.name) || !isOctets(f.value)) return false;
    const repr = REPRS.indexOf(f.repr);
    if (repr < 0 || !f.span || !isI32(f.span.start) || !isI32(f.span.end)) return false;
    let bits = repr;
    let index = 0;
    let entry = 0;
    let inserted = 0;
    if (f.index !== undefined) {
      expected++;
      const ix = f.index;
      const table = TABLES.indexOf(ix.table);
      if (table < 0 || !isI32(ix.index)) return false;
      let ixKeys = 2;
      bits |= (table << 2) | (1 << 9);
      index = ix.index;
      if (ix.entry !== undefined) {
        if (!isI32(ix.entry)) return false;
        ixKeys++;
        bits |= 1 << 10;
        entry = ix.entry;
      }
      if (ix.inserted_in_block !== undefined) {
        if (!isI32(ix.inserted_in_block)) return false;
        ixKeys++;
        bits |= 1 << 11;
        inserted = ix.inserted_in_block;
      }
      let n = 0;
      for (const _ in ix) n++;
      if (n !== ixKeys) return false;
    }
    if (f.name_huffman !== undefined) {
      expected++;
      bits |= (f.name_huffman ? 2 : 1) << 4;
    }
    if (f.value_huffman !== undefined) {
      expected++;
      bits |= (f.value_huffman ? 2 : 1) << 6;
    }
    if (f.unknown !== undefined) {
      if (f.unknown !== true) return false;
      expected++;
      bits |= 1 << 8;
    }
    if (keys !== expected) return false;
    this.fName.push(this.strings.id(f.name));
    this.fValue.push(this.strings.id(f.value));
    this.fBits.push(bits);
    this.fIndex.push(index);
    this.fEntry.push(entry);
    this.fInserted.push(inserted);
    this.fStart.push(f.span.start);
    this.fEnd.push(f.span.end);
    return true;
  }

  private addTableEvent(te: TableEvent): boolean {
    let keys = 0;
    for (const _ in te) keys++;
    switch (te.kind) {
      case 'size_update':
        if (keys !== 3 || !isI32(te.max_size) || !isI32(te.span?.start) || !isI32(te.span?.end)) {
          return false;
        }
        this.pushEvent(0, te.max_size, te.span.start, te.span.end, 0, 0);
        return true;
      case 'inserted':
        if (keys !== 4 || !isI32(te.entry) || !isI32(te.field) || !isI32(te.size)) return false;
        this.pushEvent(1, te.entry, te.field, te.size, 0, 0);
        return true;
      case 'evicted': {
        let expected = 4;
        if (!isOctets(te.name) || !isOctets(te.value) || !isI32(te.size)) return false;
        let has = 0;
        if (te.entry !== undefined) {
          if (!isI32(te.entry)) return false;
          expected++;
          has |= 1;
        }
        if (te.inserted_in_block !== undefined) {
          if (!isI32(te.inserted_in_block)) return false;
          expected++;
          has |= 2;
        }
        if (keys !== expected) return false;
        this.pushEvent(
          2 | (has << 2),
          te.entry ?? 0,
          this.strings.id(te.name),
          this.strings.id(te.value),
          te.size,
          te.inserted_in_block ?? 0,
        );
        return true;
      }
      default:
        return false;
    }
  }

  private pushEvent(kind: number, a: number, b: number, c: number, d: number, e: number): void {
    this.tKind.push(kind);
    this.tA.push(a);
    this.tB.push(b);
    this.tC.push(c);
    this.tD.push(d);
    this.tE.push(e);
  }

  // ---- Reading ---------------------------------------------------------

  isRaw(i: number): boolean {
    return (this.bits.get(i) & (1 << 8)) !== 0;
  }

  connOf(i: number): number {
    return this.isRaw(i) ? this.rawOf.get(i)!.conn : this.conn.get(i);
  }

  idOf(i: number): number {
    return this.isRaw(i) ? this.rawOf.get(i)!.id : this.id.get(i);
  }

  dirOf(i: number): number {
    return this.isRaw(i) ? DIRS.indexOf(this.rawOf.get(i)!.dir) : this.bits.get(i) & 1;
  }

  /** The HPACK decoder's block number (per direction). */
  hpackBlockOf(i: number): number {
    return this.isRaw(i) ? this.rawOf.get(i)!.block : this.block.get(i);
  }

  streamOf(i: number): number {
    return this.isRaw(i) ? this.rawOf.get(i)!.stream_id : this.stream.get(i);
  }

  roleOf(i: number): BlockRole {
    return this.isRaw(i) ? this.rawOf.get(i)!.role : ROLES[(this.bits.get(i) >> 2) & 7]!;
  }

  kindOf(i: number): string {
    return this.isRaw(i) ? this.rawOf.get(i)!.type : KINDS[(this.bits.get(i) >> 1) & 1]!;
  }

  packetOf(i: number): number {
    return this.isRaw(i) ? this.rawOf.get(i)!.packet : this.packet.get(i);
  }

  tsOf(i: number): number {
    return this.isRaw(i) ? this.rawOf.get(i)!.ts : this.ts.get(i);
  }

  fieldCountOf(i: number): number {
    return this.isRaw(i) ? this.rawOf.get(i)!.fields.length : this.fieldCount.get(i);
  }

  /** Bytes of the block (all fragments). */
  sizeOf(i: number): number {
    const frags = this.isRaw(i) ? this.rawOf.get(i)!.fragments : this.extraOf.get(i)?.fragments;
    if (frags) return frags.reduce((n, f) => n + (f.end - f.start), 0);
    return this.frag.get(2 * i + 1) - this.frag.get(2 * i);
  }

  /** Whether the block has an error or findings of its own. */
  hasProblem(i: number): boolean {
    const x = this.isRaw(i) ? this.rawOf.get(i) : this.extraOf.get(i);
    return x !== undefined && (x.error !== undefined || (x.diagnostics?.length ?? 0) > 0);
  }

  tableStateOf(i: number): TableState {
    if (this.isRaw(i)) return this.rawOf.get(i)!.table_state;
    return this.extraOf.get(i)?.table_state ?? { state: 'synced' };
  }

  /** Interned ids of every field's name and value, for fast text search. */
  forEachFieldString(i: number, visit: (nameId: number, valueId: number) => boolean): boolean {
    if (this.isRaw(i)) {
      for (const f of this.rawOf.get(i)!.fields) {
        if (visit(this.strings.id(f.name), this.strings.id(f.value))) return true;
      }
      return false;
    }
    const start = this.fieldStart.get(i);
    const end = start + this.fieldCount.get(i);
    for (let f = start; f < end; f++) {
      if (visit(this.fName.get(f), this.fValue.get(f))) return true;
    }
    return false;
  }

  /** The value of the first field named `name` (e.g. `:path`), if any. */
  firstValue(i: number, name: string): Octets | undefined {
    if (this.isRaw(i)) {
      return this.rawOf.get(i)!.fields.find((f) => f.name === name)?.value;
    }
    const start = this.fieldStart.get(i);
    const end = start + this.fieldCount.get(i);
    for (let f = start; f < end; f++) {
      if (this.strings.get(this.fName.get(f)) === name) return this.strings.get(this.fValue.get(f));
    }
    return undefined;
  }

  /** The block's table events, in wire order. */
  tableEvents(i: number): TableEvent[] {
    const raw = this.rawOf.get(i);
    if (raw) return raw.table_events ?? [];
    const out: TableEvent[] = [];
    const start = this.eventStart.get(i);
    for (let e = start; e < start + this.eventCount.get(i); e++) out.push(this.tableEvent(e));
    return out;
  }

  /** Name and value of field `f` (wire position) of block `i`. */
  fieldAt(i: number, f: number): { name: Octets; value: Octets } | undefined {
    const raw = this.rawOf.get(i);
    if (raw) return raw.fields[f];
    if (f < 0 || f >= this.fieldCount.get(i)) return undefined;
    const at = this.fieldStart.get(i) + f;
    return { name: this.strings.get(this.fName.get(at)), value: this.strings.get(this.fValue.get(at)) };
  }

  /** Per-direction frame numbers of the block's frames. */
  framesOf(i: number): number[] {
    const raw = this.rawOf.get(i);
    if (raw) return raw.frames;
    return this.extraOf.get(i)?.frames ?? [this.frame0.get(i)];
  }

  /** The decoder's table summary after the block. */
  tableAfter(i: number): { entries: number; size: number; max_size: number; settings_limit: number } {
    const raw = this.rawOf.get(i);
    if (raw) return raw.table;
    return {
      entries: this.table.get(4 * i),
      size: this.table.get(4 * i + 1),
      max_size: this.table.get(4 * i + 2),
      settings_limit: this.table.get(4 * i + 3),
    };
  }

  /** The whole event, as the binding gave it. */
  get(i: number): HeaderBlockEvent {
    const raw = this.rawOf.get(i);
    if (raw) return raw;
    const bits = this.bits.get(i);
    const flags = bits >> 5;
    const x = this.extraOf.get(i);
    const fields: Field[] = [];
    const fStart = this.fieldStart.get(i);
    for (let f = fStart; f < fStart + this.fieldCount.get(i); f++) fields.push(this.field(f));
    const ev: Record<string, unknown> = {
      conn: this.conn.get(i),
      event: 'header_block',
      id: this.id.get(i),
      dir: DIRS[bits & 1],
      stream_id: this.stream.get(i),
      type: KINDS[(bits >> 1) & 1],
    };
    if (x?.promised_stream_id !== undefined) ev.promised_stream_id = x.promised_stream_id;
    ev.role = ROLES[(bits >> 2) & 7];
    ev.packet = this.packet.get(i);
    ev.packets = x?.packets ?? [this.packet.get(i)];
    ev.frames = x?.frames ?? [this.frame0.get(i)];
    ev.fragments = x?.fragments ?? [{ start: this.frag.get(2 * i), end: this.frag.get(2 * i + 1) }];
    ev.end_stream = (flags & 1) !== 0;
    ev.end_headers = (flags & 2) !== 0;
    ev.padded = (flags & 4) !== 0;
    if (x?.priority !== undefined) ev.priority = x.priority;
    ev.continuation_frames = this.cont.get(i);
    ev.ts = this.ts.get(i);
    ev.block = this.block.get(i);
    ev.fields = fields;
    const teCount = this.eventCount.get(i);
    if (teCount > 0) {
      const events: TableEvent[] = [];
      const start = this.eventStart.get(i);
      for (let e = start; e < start + teCount; e++) events.push(this.tableEvent(e));
      ev.table_events = events;
    }
    if (x?.error !== undefined) ev.error = x.error;
    if (x?.diagnostics !== undefined) ev.diagnostics = x.diagnostics;
    ev.table_state = x?.table_state ?? { state: 'synced' };
    ev.table = {
      entries: this.table.get(4 * i),
      size: this.table.get(4 * i + 1),
      max_size: this.table.get(4 * i + 2),
      settings_limit: this.table.get(4 * i + 3),
    };
    if (x?.bytes !== undefined) ev.bytes = x.bytes;
    return ev as unknown as HeaderBlockEvent;
  }

  private field(f: number): Field {
    const s = this.strings;
    const bits = this.fBits.get(f);
    const out: Record<string, unknown> = {
      name: s.get(this.fName.get(f)),
      value: s.get(this.fValue.get(f)),
      repr: REPRS[bits & 3],
    };
    if (bits & (1 << 9)) {
      const index: IndexRef = { index: this.fIndex.get(f), table: TABLES[(bits >> 2) & 1]! };
      if (bits & (1 << 10)) index.entry = this.fEntry.get(f);
      if (bits & (1 << 11)) index.inserted_in_block = this.fInserted.get(f);
      out.index = index;
    }
    const nameHuff = (bits >> 4) & 3;
    if (nameHuff) out.name_huffman = nameHuff === 2;
    const valueHuff = (bits >> 6) & 3;
    if (valueHuff) out.value_huffman = valueHuff === 2;
    out.span = { start: this.fStart.get(f), end: this.fEnd.get(f) };
    if (bits & (1 << 8)) out.unknown = true;
    return out as unknown as Field;
  }

  private tableEvent(e: number): TableEvent {
    const kind = this.tKind.get(e);
    const a = this.tA.get(e);
    const b = this.tB.get(e);
    const c = this.tC.get(e);
    switch (kind & 3) {
      case 0:
        return { kind: 'size_update', max_size: a, span: { start: b, end: c } };
      case 1:
        return { kind: 'inserted', entry: a, field: b, size: c };
      default: {
        const has = kind >> 2;
        const out: Record<string, unknown> = { kind: 'evicted' };
        if (has & 1) out.entry = a;
        out.name = this.strings.get(b);
        out.value = this.strings.get(c);
        out.size = this.tD.get(e);
        if (has & 2) out.inserted_in_block = this.tE.get(e);
        return out as unknown as TableEvent;
      }
    }
  }
}
