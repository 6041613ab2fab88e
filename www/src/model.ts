// What the page keeps of one decoded input: compact rows for the lists.
// Details stay in the worker and are fetched by index.

import { GrowF64, GrowI32 } from './shared/grow';
import type {
  AnomalyRow,
  Batch,
  BlockColumns,
  ConnectionRow,
  Done,
  ExchangeRow,
  FrameColumns,
  Progress,
} from './shared/protocol';

export class BlockRows {
  readonly conn = new GrowI32();
  readonly id = new GrowI32();
  readonly dir = new GrowI32();
  readonly stream = new GrowI32();
  readonly role = new GrowI32();
  readonly fields = new GrowI32();
  readonly size = new GrowI32();
  readonly problem = new GrowI32();
  readonly tableUnknown = new GrowI32();
  readonly packet = new GrowF64();
  readonly ts = new GrowF64();
  readonly label: string[] = [];

  get length(): number {
    return this.conn.length;
  }

  append(c: BlockColumns): void {
    this.conn.append(c.conn);
    this.id.append(c.id);
    this.dir.append(c.dir);
    this.stream.append(c.stream);
    this.role.append(c.role);
    this.fields.append(c.fields);
    this.size.append(c.size);
    this.problem.append(c.problem);
    this.tableUnknown.append(c.tableUnknown);
    this.packet.append(c.packet);
    this.ts.append(c.ts);
    for (const l of c.label) this.label.push(l);
  }
}

export class FrameRows {
  readonly conn = new GrowI32();
  readonly dir = new GrowI32();
  readonly index = new GrowF64();
  readonly type = new GrowI32();
  readonly flags = new GrowI32();
  readonly stream = new GrowI32();
  readonly length_ = new GrowI32();
  readonly broken = new GrowI32();
  readonly packet = new GrowF64();
  readonly ts = new GrowF64();

  get length(): number {
    return this.conn.length;
  }

  append(c: FrameColumns): void {
    this.conn.append(c.conn);
    this.dir.append(c.dir);
    this.index.append(c.index);
    this.type.append(c.type);
    this.flags.append(c.flags);
    this.stream.append(c.stream);
    this.length_.append(c.length);
    this.broken.append(c.broken);
    this.packet.append(c.packet);
    this.ts.append(c.ts);
  }
}

export class Capture {
  readonly id: string;
  readonly name: string;
  readonly size: number;
  readonly connections = new Map<number, ConnectionRow>();
  readonly exchanges: ExchangeRow[] = [];
  readonly blocks = new BlockRows();
  readonly frames = new FrameRows();
  readonly anomalies: AnomalyRow[] = [];
  progress: Progress | null = null;
  done: Done | null = null;
  /** Earliest timestamp seen: times are shown relative to it. */
  t0 = Number.POSITIVE_INFINITY;
  /** When the page first had rows to show (ms since the open started). */
  firstRowsAt: number | null = null;
  readonly openedAt = performance.now();

  constructor(id: string, name: string, size: number) {
    this.id = id;
    this.name = name;
    this.size = size;
  }

  apply(b: Batch): void {
    for (const c of b.connections) {
      this.connections.set(c.conn, c);
      if (c.ts > 0) this.t0 = Math.min(this.t0, c.ts);
    }
    for (const r of b.exchanges) {
      this.exchanges[r.i] = r;
      if (r.start > 0) this.t0 = Math.min(this.t0, r.start);
    }
    for (const r of b.exchangeUpdates) this.exchanges[r.i] = r;
    if (b.blocks) {
      this.blocks.append(b.blocks);
      if (b.blocks.ts.length > 0) this.t0 = Math.min(this.t0, b.blocks.ts[0]!);
    }
    if (b.frames) {
      this.frames.append(b.frames);
      if (b.frames.ts.length > 0) this.t0 = Math.min(this.t0, b.frames.ts[0]!);
    }
    for (const a of b.anomalies) this.anomalies[a.i] = a;
    if (this.firstRowsAt === null && (this.exchanges.length > 0 || this.blocks.length > 0)) {
      this.firstRowsAt = performance.now() - this.openedAt;
    }
  }

  get start(): number {
    return Number.isFinite(this.t0) ? this.t0 : 0;
  }
}
