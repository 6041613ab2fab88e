// The HPACK dynamic table of one direction before a chosen header block.

import type { App } from '../app';
import type { TableRow, TableView } from '../shared/protocol';
import { button, h } from '../ui/dom';
import { dirWords, octets, nameClass } from '../ui/format';
import { facts } from './detail';

const MARK_TEXT: Record<string, string> = {
  inserted: 'inserted by this block',
  evicted: 'evicted by this block',
  inserted_evicted: 'inserted, then evicted, by this block',
};

function row(app: App, r: TableRow): HTMLElement {
  return h(
    'tr',
    { class: r.mark ? `mark-${r.mark}` : '', data: { mark: r.mark ?? '' } },
    h(
      'td',
      { class: 'num', title: r.index === null && r.mark === 'inserted' ? 'Inserted by this block: it will be index 62 and push the others down' : '' },
      r.index !== null ? String(r.index) : r.mark === 'inserted' ? 'new' : '',
    ),
    h('td', { class: 'num dim' }, r.entry === null ? '?' : `#${r.entry}`),
    h('td', { class: nameClass(octets(r.name)) }, octets(r.name)),
    h('td', { class: 'value mono' }, octets(r.value) === '' ? '(empty)' : octets(r.value)),
    h('td', { class: 'num' }, String(r.size)),
    h(
      'td',
      null,
      r.insertedBy !== null
        ? button(`block ${r.insertedIn}`, () => app.showBlock(r.insertedBy!), { class: 'linkish' })
        : r.insertedIn !== null
          ? `block ${r.insertedIn}`
          : '',
    ),
    h('td', { class: 'mark' }, r.mark ? MARK_TEXT[r.mark] : ''),
  );
}

export function tableView(app: App, t: TableView): HTMLElement {
  const dir = t.dir === 'client_to_server' ? 0 : 1;
  const unknown =
    t.state.state === 'partly_unknown'
      ? `Entries inserted before ${t.state.cause === 'gap' ? 'a gap in the capture' : 'the capture began'} are unknown: the table may hold older entries below the known ones, and an index past them refers to one of those.`
      : t.state.state === 'desynchronised'
        ? `A block failed to decode (block ${t.state.since_block}); from then on this table may differ from the encoder's.`
        : null;
  const rows = [...t.incoming, ...t.rows];
  const body = h('tbody', null, rows.map((r) => row(app, r)));
  if (t.unknownOlder) {
    const cell = h('td', { class: 'unknown' }, '… older entries unknown (inserted before decoding could follow this table)');
    cell.colSpan = 7;
    body.append(h('tr', { class: 'unknown-row', data: { mark: 'unknown' } }, cell));
  }
  return h(
    'article',
    { class: 'detail', data: { kind: 'table' } },
    h(
      'header',
      { class: 'detail-head' },
      h('h2', null, `Dynamic table, ${dirWords(t.dir)}`),
      facts([
        ['Connection', String(t.conn)],
        ['Before', `header block ${t.blockId} (HPACK block ${t.hpackBlock} of this direction, ${t.position + 1} of ${t.count})`],
        ['Known entries', `${t.rows.filter((r) => r.index !== null).length}, ${t.size} of ${t.maxSize} bytes`],
        ['This block', [t.incoming.length > 0 && `inserts ${t.incoming.length}`, t.rows.some((r) => r.mark) && `evicts ${t.rows.filter((r) => r.mark).length}`, t.sizeUpdates.length > 0 && `size update to ${t.sizeUpdates.join(', ')}`].filter(Boolean).join(', ') || 'changes nothing'],
      ]),
      h(
        'div',
        { class: 'toolbar' },
        button('◀ Previous block', () => t.prev !== null && app.showTable(t.prev, dir), { class: 'small', disabled: t.prev === null }),
        button('Next block ▶', () => t.next !== null && app.showTable(t.next, dir), { class: 'small', disabled: t.next === null }),
        button(`Switch to ${dirWords(1 - dir)}`, () => app.showTable(t.block, 1 - dir), { class: 'small' }),
        button('The block', () => app.showBlock(t.block), { class: 'small' }),
      ),
    ),
    unknown ? h('p', { class: 'note warn-note', role: 'note' }, unknown) : null,
    t.note ? h('p', { class: 'note' }, `Note: ${t.note}.`) : null,
    h(
      'table',
      { class: 'fields dyn-table' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { class: 'num', title: 'HPACK index (62 is the newest entry)' }, 'Index'),
          h('th', { class: 'num', title: 'Insertion number on this connection' }, 'Entry'),
          h('th', null, 'Name'),
          h('th', null, 'Value'),
          h('th', { class: 'num', title: 'name + value + 32 (RFC 7541 §4.1)' }, 'Size'),
          h('th', null, 'Inserted by'),
          h('th', null, 'This block'),
        ),
      ),
      body,
    ),
    rows.length === 0 && !t.unknownOlder ? h('p', { class: 'note' }, 'The table is empty before this block.') : null,
  );
}
