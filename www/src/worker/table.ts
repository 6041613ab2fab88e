// The HPACK dynamic table of one direction of a connection, as it stood
// before a chosen header block: a replay of the `table_events` the decoder
// reported for every earlier block (RFC 7541 §4: entries are inserted at
// the front and evicted from the back; index 62 is the newest).

import type { Octets, TableState } from '../engine/schema';
import type { TableRow, TableView } from '../shared/protocol';
import { DIRS, type BlockStore } from './blocks';

interface Entry {
  entry: number | null;
  name: Octets;
  value: Octets;
  size: number;
  insertedIn: number | null;
  insertedBy: number | null;
}

/** First dynamic-table index (RFC 7541 §2.3.3: after the 61 static entries). */
const FIRST_DYNAMIC = 62;

/**
 * `order`: session indices of the direction's blocks in decoding order;
 * `at`: the position in `order` of the chosen block.
 */
export function replayTable(store: BlockStore, order: number[], at: number): TableView {
  const chosen = order[at]!;
  // Newest first.
  const entries: Entry[] = [];
  let maxSize: number | null = null;
  const hpackToIndex = new Map<number, number>();
  for (let p = 0; p < at; p++) {
    const i = order[p]!;
    hpackToIndex.set(store.hpackBlockOf(i), i);
    apply(store, i, entries, (m) => (maxSize = m));
  }
  hpackToIndex.set(store.hpackBlockOf(chosen), chosen);
  const before = at > 0 ? store.tableAfter(order[at - 1]!) : null;
  const knownSize = entries.reduce((n, e) => n + e.size, 0);
  let note: string | null = null;
  if (before && (before.entries !== entries.length || before.size !== knownSize)) {
    note =
      `the decoder reported ${before.entries} known entries (${before.size} bytes) after the previous block; ` +
      `the replay of table events found ${entries.length} (${knownSize} bytes)`;
  }
  const rows: TableRow[] = entries.map((e, k) => ({
    index: FIRST_DYNAMIC + k,
    entry: e.entry,
    name: e.name,
    value: e.value,
    size: e.size,
    insertedIn: e.insertedIn,
    insertedBy: e.insertedIn === null ? null : (hpackToIndex.get(e.insertedIn) ?? null),
    mark: null,
  }));
  // What the chosen block does to the table.
  const incoming: TableRow[] = [];
  const sizeUpdates: number[] = [];
  for (const te of store.tableEvents(chosen)) {
    if (te.kind === 'size_update') {
      sizeUpdates.push(te.max_size);
    } else if (te.kind === 'inserted') {
      const f = store.fieldAt(chosen, te.field);
      incoming.unshift({
        index: null,
        entry: te.entry,
        name: f?.name ?? '',
        value: f?.value ?? '',
        size: te.size,
        insertedIn: store.hpackBlockOf(chosen),
        insertedBy: chosen,
        mark: 'inserted',
      });
    } else {
      const row =
        te.entry !== undefined
          ? (rows.find((r) => r.entry === te.entry && r.mark === null) ??
            incoming.find((r) => r.entry === te.entry))
          : undefined;
      if (row) row.mark = row.mark === 'inserted' ? 'inserted_evicted' : 'evicted';
      else {
        // An entry inserted before decoding could follow: known only now.
        rows.push({
          index: null,
          entry: te.entry ?? null,
          name: te.name,
          value: te.value,
          size: te.size,
          insertedIn: te.inserted_in_block ?? null,
          insertedBy: null,
          mark: 'evicted',
        });
      }
    }
  }
  const state: TableState = store.tableStateOf(chosen);
  return {
    conn: store.connOf(chosen),
    dir: DIRS[store.dirOf(chosen)]!,
    block: chosen,
    blockId: store.idOf(chosen),
    hpackBlock: store.hpackBlockOf(chosen),
    rows,
    incoming,
    size: before?.size ?? knownSize,
    maxSize: before?.max_size ?? maxSize ?? store.tableAfter(chosen).settings_limit,
    state,
    unknownOlder: state.state !== 'synced',
    position: at,
    count: order.length,
    prev: at > 0 ? order[at - 1]! : null,
    next: at + 1 < order.length ? order[at + 1]! : null,
    note,
    sizeUpdates,
  };
}

function apply(store: BlockStore, i: number, entries: Entry[], setMax: (m: number) => void): void {
  for (const te of store.tableEvents(i)) {
    if (te.kind === 'size_update') {
      setMax(te.max_size);
    } else if (te.kind === 'inserted') {
      const f = store.fieldAt(i, te.field);
      entries.unshift({
        entry: te.entry,
        name: f?.name ?? '',
        value: f?.value ?? '',
        size: te.size,
        insertedIn: store.hpackBlockOf(i),
        insertedBy: i,
      });
    } else if (te.entry !== undefined) {
      // Evictions take the oldest entry (§4.4): search from the back.
      for (let k = entries.length - 1; k >= 0; k--) {
        if (entries[k]!.entry === te.entry) {
          entries.splice(k, 1);
          break;
        }
      }
    }
  }
}
