// Frames kept in columns, like header blocks (see blocks.ts): DATA,
// HEADERS, CONTINUATION and WINDOW_UPDATE frames, the bulk of any capture,
// are a row of numbers; every other frame keeps its parsed payload object.
// `get(i)` rebuilds the exact event.

import type { FrameEvent, Span } from '../engine/schema';
import { GrowF64, GrowI32 } from '../shared/grow';
import { DIRS } from './blocks';
import { FRAME_WIDTH } from './columns';
import { FRAME_TYPE_NAMES } from '../shared/frametypes';

export const FRAME_TYPES = FRAME_TYPE_NAMES;
const CODE_OF = new Map(Object.entries(FRAME_TYPES).map(([code, name]) => [name, Number(code)]));

const FRAME_KEYS = new Set([
  'conn', 'event', 'dir', 'index', 'length', 'type', 'flags', 'stream_id', 'reserved_bit',
  'frame', 'span', 'packet', 'first_packet', 'ts', 'bytes', 'data',
]);

// Payload shapes kept as numbers.
const P_NONE = 0; // no `frame` (broken or too large)
const P_OBJECT = 1; // kept as an object
const P_DATA = 2;
const P_HEADERS = 3;
const P_CONTINUATION = 4;
const P_WINDOW_UPDATE = 5;

interface Extra {
  frame?: unknown;
  bytes?: string;
  data?: unknown;
}

const isU = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;
const isSpan = (s: unknown): s is Span => {
  if (!s || typeof s !== 'object') return false;
  const span = s as Span;
  return isU(span.start) && isU(span.end) && Object.keys(s).length === 2;
};

export class FrameStore {
  private readonly conn = new GrowI32();
  private readonly bits = new GrowI32(); // dir | shape<<1 | reserved<<4 | hasPad<<5 | raw<<6
  private readonly index = new GrowF64();
  private readonly length_ = new GrowI32();
  private readonly type = new GrowI32();
  private readonly flags = new GrowI32();
  private readonly stream = new GrowI32();
  private readonly span = new GrowF64(); // start, end
  private readonly packet = new GrowF64();
  private readonly firstPacket = new GrowF64();
  private readonly ts = new GrowF64();
  private readonly p = new GrowF64(); // pad_length or increment, payload span start, end
  private readonly extraOf = new Map<number, Extra>();
  private readonly rawOf = new Map<number, FrameEvent>();

  get length(): number {
    return this.conn.length;
  }

  add(ev: FrameEvent): number {
    const i = this.conn.length;
    let bits = this.compactBits(ev);
    if (bits < 0) {
      this.rawOf.set(i, ev);
      bits = 1 << 6;
    }
    const raw = bits & (1 << 6);
    this.conn.push(raw ? 0 : ev.conn);
    this.bits.push(bits);
    this.index.push(raw ? 0 : ev.index);
    this.length_.push(raw ? 0 : ev.length);
    this.type.push(raw ? 0 : typeof ev.type === 'number' ? ev.type : CODE_OF.get(ev.type)!);
    this.flags.push(raw ? 0 : ev.flags);
    this.stream.push(raw ? 0 : ev.stream_id);
    this.span.push(raw ? 0 : ev.span.start);
    this.span.push(raw ? 0 : ev.span.end);
    this.packet.push(raw ? 0 : ev.packet);
    this.firstPacket.push(raw ? 0 : ev.first_packet);
    this.ts.push(raw ? 0 : ev.ts);
    let a = 0;
    let ps: Span = { start: 0, end: 0 };
    if (!raw) {
      const f = ev.frame as Record<string, unknown> | undefined;
      const shape = (bits >> 1) & 7;
      if (shape === P_DATA) ps = f!.data as Span;
      if (shape === P_HEADERS || shape === P_CONTINUATION) ps = f!.fragment as Span;
      if (shape === P_WINDOW_UPDATE) a = f!.increment as number;
      if (f && f.pad_length !== undefined) a = f.pad_length as number;
      const extra: Extra = {};
      if (shape === P_OBJECT) extra.frame = f;
      if (ev.bytes !== undefined) extra.bytes = ev.bytes;
      if (ev.data !== undefined) extra.data = ev.data;
      if (Object.keys(extra).length > 0) this.extraOf.set(i, extra);
    }
    this.p.push(a);
    this.p.push(ps.start);
    this.p.push(ps.end);
    return i;
  }

  /** Stores row `r` of a column batch's frames (see columns.ts). */
  addRow(f: Float64Array, r: number): number {
    const i = this.conn.length;
    const o = r * FRAME_WIDTH;
    this.conn.push(f[o]!);
    this.bits.push(f[o + 1]!);
    this.index.push(f[o + 2]!);
    this.length_.push(f[o + 3]!);
    this.type.push(f[o + 4]!);
    this.flags.push(f[o + 5]!);
    this.stream.push(f[o + 6]!);
    this.span.push(f[o + 7]!);
    this.span.push(f[o + 8]!);
    this.packet.push(f[o + 9]!);
    this.firstPacket.push(f[o + 10]!);
    this.ts.push(f[o + 11]!);
    this.p.push(f[o + 12]!);
    this.p.push(f[o + 13]!);
    this.p.push(f[o + 14]!);
    return i;
  }

  /** The bits of a compact row, or -1 when the event must stay an object. */
  private compactBits(ev: FrameEvent): number {
    for (const key in ev) if (!FRAME_KEYS.has(key)) return -1;
    const dir = DIRS.indexOf(ev.dir);
    if (dir < 0 || !isU(ev.conn) || !isU(ev.index) || !isU(ev.length) || !isU(ev.flags)) return -1;
    if (!isU(ev.stream_id) || !isSpan(ev.span) || !isU(ev.packet) || !isU(ev.first_packet)) {
      return -1;
    }
    if (typeof ev.ts !== 'number') return -1;
    if (typeof ev.type === 'string' ? !CODE_OF.has(ev.type) : !isU(ev.type)) return -1;
    if (ev.reserved_bit !== undefined && ev.reserved_bit !== true) return -1;
    if (ev.bytes !== undefined && typeof ev.bytes !== 'string') return -1;
    let shape = P_OBJECT;
    let hasPad = 0;
    const f = ev.frame as Record<string, unknown> | undefined;
    if (f === undefined) {
      shape = P_NONE;
    } else {
      let keys = 0;
      for (const _ in f) keys++;
      const pad = f.pad_length;
      if (pad !== undefined) {
        if (!isU(pad)) return -1;
        hasPad = 1;
      }
      if (f.type === 'DATA' && isSpan(f.data) && keys === 2 + hasPad) shape = P_DATA;
      else if (f.type === 'HEADERS' && isSpan(f.fragment) && keys === 2 + hasPad) {
        shape = P_HEADERS;
      } else if (f.type === 'CONTINUATION' && isSpan(f.fragment) && keys === 2) {
        shape = P_CONTINUATION;
      } else if (f.type === 'WINDOW_UPDATE' && isU(f.increment) && keys === 2) {
        shape = P_WINDOW_UPDATE;
      } else hasPad = 0;
    }
    return dir | (shape << 1) | ((ev.reserved_bit ? 1 : 0) << 4) | (hasPad << 5);
  }

  isRaw(i: number): boolean {
    return (this.bits.get(i) & (1 << 6)) !== 0;
  }

  connOf(i: number): number {
    return this.isRaw(i) ? this.rawOf.get(i)!.conn : this.conn.get(i);
  }

  dirOf(i: number): number {
    return this.isRaw(i) ? DIRS.indexOf(this.rawOf.get(i)!.dir) : this.bits.get(i) & 1;
  }

  indexOf(i: number): number {
    return this.isRaw(i) ? this.rawOf.get(i)!.index : this.index.get(i);
  }

  typeName(i: number): string {
    if (this.isRaw(i)) return String(this.rawOf.get(i)!.type);
    const code = this.type.get(i);
    return FRAME_TYPES[code] ?? `0x${code.toString(16)}`;
  }

  typeCode(i: number): number {
    if (this.isRaw(i)) {
      const t = this.rawOf.get(i)!.type;
      return typeof t === 'number' ? t : (CODE_OF.get(t) ?? 255);
    }
    return this.type.get(i);
  }

  flagsOf(i: number): number {
    return this.isRaw(i) ? this.rawOf.get(i)!.flags : this.flags.get(i);
  }

  streamOf(i: number): number {
    return this.isRaw(i) ? this.rawOf.get(i)!.stream_id : this.stream.get(i);
  }

  lengthOf(i: number): number {
    return this.isRaw(i) ? this.rawOf.get(i)!.length : this.length_.get(i);
  }

  packetOf(i: number): number {
    return this.isRaw(i) ? this.rawOf.get(i)!.packet : this.packet.get(i);
  }

  tsOf(i: number): number {
    return this.isRaw(i) ? this.rawOf.get(i)!.ts : this.ts.get(i);
  }

  /** Whether the frame's payload failed to parse (no `frame`). */
  isBroken(i: number): boolean {
    if (this.isRaw(i)) return this.rawOf.get(i)!.frame === undefined;
    return ((this.bits.get(i) >> 1) & 7) === P_NONE;
  }

  get(i: number): FrameEvent {
    const raw = this.rawOf.get(i);
    if (raw) return raw;
    const bits = this.bits.get(i);
    const shape = (bits >> 1) & 7;
    const x = this.extraOf.get(i);
    const code = this.type.get(i);
    const ev: Record<string, unknown> = {
      conn: this.conn.get(i),
      event: 'frame',
      dir: DIRS[bits & 1],
      index: this.index.get(i),
      length: this.length_.get(i),
      type: FRAME_TYPES[code] ?? code,
      flags: this.flags.get(i),
      stream_id: this.stream.get(i),
    };
    if (bits & (1 << 4)) ev.reserved_bit = true;
    const a = this.p.get(3 * i);
    const payload = { start: this.p.get(3 * i + 1), end: this.p.get(3 * i + 2) };
    const pad = bits & (1 << 5) ? { pad_length: a } : {};
    switch (shape) {
      case P_OBJECT:
        ev.frame = x?.frame;
        break;
      case P_DATA:
        ev.frame = { type: 'DATA', ...pad, data: payload };
        break;
      case P_HEADERS:
        ev.frame = { type: 'HEADERS', ...pad, fragment: payload };
        break;
      case P_CONTINUATION:
        ev.frame = { type: 'CONTINUATION', fragment: payload };
        break;
      case P_WINDOW_UPDATE:
        ev.frame = { type: 'WINDOW_UPDATE', increment: a };
        break;
    }
    ev.span = { start: this.span.get(2 * i), end: this.span.get(2 * i + 1) };
    ev.packet = this.packet.get(i);
    ev.first_packet = this.firstPacket.get(i);
    ev.ts = this.ts.get(i);
    if (x?.bytes !== undefined) ev.bytes = x.bytes;
    if (x?.data !== undefined) ev.data = x.data;
    return ev as unknown as FrameEvent;
  }
}
