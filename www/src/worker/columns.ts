// The binding's column batches (`Decoder.drainColumns()`, format in
// crates/h2lens-wasm/src/columns.rs): header blocks, frames and exchanges
// of the common shapes as rows of numbers, strings interned, every other event a
// JSON line. They go straight into the stores' columns, with no JSON for
// the bulk of a capture; `tests/browser/store.test.mjs` checks that the
// events rebuilt from them equal the JSON ones on every fixture.

import type { AnyEvent, Octets } from '../engine/schema';
import type { BlockStore } from './blocks';
import type { FrameStore } from './frames';
import type { Strings } from './strings';

const MAGIC = 0x31433248; // "H2C1"
const VERSION = 2;
const HEADER_WORDS = 16;
export const BLOCK_WIDTH = 17;
export const FRAME_WIDTH = 15;
export const FIELD_WIDTH = 8;
export const TABLE_WIDTH = 6;
export const EXCHANGE_WIDTH = 35;
/** Where a block row keeps its field and table-event counts. */
export const BLOCK_FIELD_COUNT = 7;
export const BLOCK_TABLE_COUNT = 8;

export interface ColumnBatch {
  events: number;
  blocks: Float64Array;
  frames: Float64Array;
  exchanges: Float64Array;
  fields: Int32Array;
  table: Int32Array;
  order: Uint8Array;
  /** Id of `strings[0]` in the decoder's string table. */
  firstString: number;
  strings: Octets[];
  /** JSON Lines of the other events. */
  json: string;
}

const utf8 = new TextDecoder();
const align8 = (n: number) => (n + 7) & ~7;

/** The sections of one batch; throws on anything but this version's format. */
export function readColumns(input: Uint8Array): ColumnBatch {
  // Typed views need aligned offsets.
  const bytes = input.byteOffset % 8 === 0 ? input : input.slice();
  const { buffer, byteOffset } = bytes;
  if (bytes.length < HEADER_WORDS * 4) throw new Error('column batch: too short');
  const h = new Uint32Array(buffer, byteOffset, HEADER_WORDS);
  if (h[0] !== MAGIC || h[1] !== VERSION) throw new Error('column batch: unknown format');
  const [events, nBlocks, nFields, nTable, nFrames, firstString, stringsLen, jsonLen, nExchanges] = [
    h[2]!, h[3]!, h[4]!, h[5]!, h[6]!, h[7]!, h[8]!, h[9]!, h[10]!,
  ];
  let at = HEADER_WORDS * 4;
  const take = <T>(make: (offset: number) => T, size: number): T => {
    if (at + size > bytes.length) throw new Error('column batch: truncated');
    const out = make(byteOffset + at);
    at += size;
    return out;
  };
  const blocks = take((o) => new Float64Array(buffer, o, nBlocks * BLOCK_WIDTH), nBlocks * BLOCK_WIDTH * 8);
  const frames = take((o) => new Float64Array(buffer, o, nFrames * FRAME_WIDTH), nFrames * FRAME_WIDTH * 8);
  const exchanges = take(
    (o) => new Float64Array(buffer, o, nExchanges * EXCHANGE_WIDTH),
    nExchanges * EXCHANGE_WIDTH * 8,
  );
  const fields = take((o) => new Int32Array(buffer, o, nFields * FIELD_WIDTH), nFields * FIELD_WIDTH * 4);
  const table = take((o) => new Int32Array(buffer, o, nTable * TABLE_WIDTH), nTable * TABLE_WIDTH * 4);
  at = align8(at);
  const order = take((o) => new Uint8Array(buffer, o, events), events);
  at = align8(at);
  const stringsText = take((o) => utf8.decode(new Uint8Array(buffer, o, stringsLen)), stringsLen);
  at = align8(at);
  const json = take((o) => utf8.decode(new Uint8Array(buffer, o, jsonLen)), jsonLen);
  return {
    events,
    blocks,
    frames,
    exchanges,
    fields,
    table,
    order,
    firstString,
    strings: JSON.parse(stringsText) as Octets[],
    json,
  };
}

/** Where each event of a batch went. */
export interface ColumnSink {
  event(ev: AnyEvent): void;
  block(index: number): void;
  frame(index: number): void;
}

/**
 * Feeds batches into the stores, mapping the decoder's string ids to the
 * stores' own (`Strings` also interns the strings of JSON events).
 */
export class ColumnIngest {
  /** The decoder's string ids to the stores' (`Strings`) ids. */
  private readonly ids: number[] = [];

  constructor(
    private readonly strings: Strings,
    private readonly blocks: BlockStore,
    private readonly frames: FrameStore,
  ) {}

  ingest(c: ColumnBatch, sink: ColumnSink): void {
    if (c.firstString !== this.ids.length) throw new Error('column batch out of order');
    for (const s of c.strings) this.ids.push(this.strings.id(s));
    const ids = this.ids;
    let pos = 0;
    let block = 0;
    let frame = 0;
    let field = 0;
    let tableEvent = 0;
    let exchange = 0;
    const str = (id: number) => this.strings.get(ids[id]!);
    for (let e = 0; e < c.events; e++) {
      switch (c.order[e]) {
        case 0: {
          let nl = c.json.indexOf('\n', pos);
          if (nl < 0) nl = c.json.length;
          sink.event(JSON.parse(c.json.slice(pos, nl)) as AnyEvent);
          pos = nl + 1;
          break;
        }
        case 1: {
          sink.block(this.blocks.addRow(c, block, field, tableEvent, ids));
          field += c.blocks[block * BLOCK_WIDTH + BLOCK_FIELD_COUNT]!;
          tableEvent += c.blocks[block * BLOCK_WIDTH + BLOCK_TABLE_COUNT]!;
          block++;
          break;
        }
        case 2:
          sink.frame(this.frames.addRow(c.frames, frame++));
          break;
        case 3:
          sink.event(exchangeEvent(c.exchanges, exchange++ * EXCHANGE_WIDTH, str));
          break;
        default:
          throw new Error('column batch: unknown event kind');
      }
    }
  }
}

const STATES = ['complete', 'reset', 'refused', 'incomplete'] as const;
const HEADS = ['request', 'response', 'request_trailers', 'response_trailers'] as const;
const TIMES = ['start', 'request_end', 'response_end', 'end'] as const;

/**
 * An exchange event rebuilt from its row, with the keys in the order the
 * decoder's JSON has them (columns.rs `exchange` documents the row).
 */
function exchangeEvent(x: Float64Array, o: number, str: (id: number) => Octets): AnyEvent {
  const flags = x[o + 2]!;
  const has = (bit: number) => ((flags >> bit) & 1) === 1;
  const ev: Record<string, unknown> = {
    conn: x[o],
    event: 'exchange',
    stream_id: x[o + 1],
    state: STATES[flags & 3],
  };
  if (has(2)) ev.method = str(x[o + 3]!);
  if (has(3)) ev.scheme = str(x[o + 4]!);
  if (has(4)) ev.authority = str(x[o + 5]!);
  if (has(5)) ev.path = str(x[o + 6]!);
  if (has(6)) ev.status = x[o + 7];
  if (has(7)) ev.content_type = str(x[o + 8]!);
  if (has(8)) ev.grpc_status = str(x[o + 9]!);
  HEADS.forEach((name, i) => {
    if (!has(9 + i)) return;
    const p = o + 10 + 4 * i;
    const head: Record<string, unknown> = {};
    if (x[p]! >= 0) head.block = x[p];
    head.packet = x[p + 1];
    head.ts = x[p + 2];
    if (x[p + 3]! >= 0) head.status = x[p + 3];
    ev[name] = head;
  });
  ev.request_bytes = x[o + 26];
  ev.response_bytes = x[o + 27];
  ev.request_data_frames = x[o + 28];
  ev.response_data_frames = x[o + 29];
  TIMES.forEach((name, i) => {
    if (has(13 + i)) ev[name] = x[o + 30 + i];
  });
  ev.anomalies = x[o + 34];
  return ev as unknown as AnyEvent;
}
