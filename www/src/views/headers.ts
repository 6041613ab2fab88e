// One header list, in two views:
// - wire order: each field as it was on the wire, with its HPACK
//   representation, Huffman coding, and the table index it used (what that
//   index resolved to is shown on demand);
// - grouped metadata: gRPC's view, each name once with its values in order
//   (reserved headers apart).

import type { Field, HeaderBlockEvent, Metadata, MetadataEntry, Octets } from '../engine/schema';
import { button, h } from '../ui/dom';
import { isBinary, octets, REPR_LABEL, REPR_TITLE, spacedHex, nameClass } from '../ui/format';

export type HeaderMode = 'wire' | 'grouped';

/** Value cell text plus, for `-bin` metadata, the decoded bytes. */
function valueCell(value: Octets, entry: MetadataEntry | undefined, unknown: boolean): HTMLElement {
  const cell = h('td', { class: 'value mono' });
  if (unknown) {
    cell.append(h('span', { class: 'unknown' }, 'unknown: the entry was inserted before the capture began'));
    return cell;
  }
  const text = octets(value);
  cell.append(h('span', { class: isBinary(value) ? 'binary' : '' }, text === '' ? '(empty)' : text));
  if (isBinary(value)) cell.append(h('div', { class: 'sub' }, `bytes: ${spacedHex(value.hex)}`));
  if (entry?.decoded && entry.decoded.length > 0) {
    const form = entry.encoding.form === 'true_binary' ? 'true binary (0x00 prefix)' : entry.encoding.form;
    for (const d of entry.decoded) {
      const hex = isBinary(d) ? d.hex : Array.from(new TextEncoder().encode(d), (b) => b.toString(16).padStart(2, '0')).join('');
      cell.append(
        h(
          'div',
          { class: 'sub decoded' },
          h('span', { class: 'tag' }, `-bin, ${form}`),
          ` decoded: ${spacedHex(hex)} `,
          h('span', { class: 'dim' }, `“${octets(d)}”`),
        ),
      );
    }
  } else if (entry?.encoding.form === 'invalid') {
    cell.append(h('div', { class: 'sub warn' }, '-bin value that is neither base64 nor true binary'));
  }
  return cell;
}

function indexText(f: Field): string {
  if (!f.index) return '';
  return `${f.index.table} ${f.index.index}`;
}

function explainIndex(f: Field, dirWord: string): string {
  const ix = f.index!;
  const what = f.repr === 'indexed' ? 'the whole field' : 'the name';
  if (ix.table === 'static') {
    return `Index ${ix.index} is in the static table (RFC 7541 Appendix A): it gave ${what}, “${octets(f.name)}${f.repr === 'indexed' ? `: ${octets(f.value)}` : ''}”.`;
  }
  if (f.unknown) {
    return `Index ${ix.index} is in the dynamic table (RFC 7541 §2.3.3) but points at an entry inserted before decoding could follow the ${dirWord} table (the capture began mid-connection, or bytes were lost): its name and value are unknown.`;
  }
  const entry = ix.entry === undefined ? '' : ` entry #${ix.entry}`;
  const block = ix.inserted_in_block === undefined ? '' : `, inserted by header block ${ix.inserted_in_block} of this direction`;
  return `Index ${ix.index} is in the dynamic table: ${ix.index - 61 === 1 ? 'the newest' : `the ${ordinal(ix.index - 61)} newest`} entry when this block was decoded,${entry}${block}. It gave ${what}, “${octets(f.name)}${f.repr === 'indexed' ? `: ${octets(f.value)}` : ''}”.`;
}

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th';
  return `${n}${s}`;
}

function entriesByPosition(md: Metadata | null): Map<number, MetadataEntry> {
  const map = new Map<number, MetadataEntry>();
  for (const e of [...(md?.reserved ?? []), ...(md?.wire ?? [])]) map.set(e.position, e);
  return map;
}

/** Wire order of a decoded header block (every HPACK detail). */
export function wireTable(
  block: HeaderBlockEvent,
  md: Metadata | null,
  onIndexOpen?: (f: Field) => void,
): HTMLElement {
  const entries = entriesByPosition(md);
  const dirWord = block.dir === 'client_to_server' ? 'client → server' : 'server → client';
  const body = h('tbody');
  block.fields.forEach((f, k) => {
    const row = h(
      'tr',
      { class: `${f.repr === 'never_indexed' ? 'never' : ''}${f.unknown ? ' unknown-row' : ''}`, data: { name: octets(f.name) } },
      h('td', { class: 'num', title: `Bytes ${f.span.start}–${f.span.end} of the header block` }, String(k)),
      h('td', { class: nameClass(octets(f.name)) }, f.unknown ? h('span', { class: 'unknown' }, '?') : octets(f.name)),
      valueCell(f.value, entries.get(k), f.unknown === true),
      h(
        'td',
        { class: 'repr', title: REPR_TITLE[f.repr], data: { repr: f.repr } },
        REPR_LABEL[f.repr],
        f.repr === 'never_indexed' ? h('span', { class: 'tag never-tag', title: 'RFC 7541 §6.2.3: intermediaries must not index it' }, 'sensitive') : null,
      ),
      h('td', { class: 'huff', title: 'Huffman coding of the name and value literals (RFC 7541 §5.2)' }, huffText(f)),
      h('td', { class: 'index' }),
    );
    body.append(row);
    if (f.index) {
      const explain = h('tr', { class: 'explain', hidden: true }, h('td', { class: 'explain-cell' }));
      (explain.firstChild as HTMLTableCellElement).colSpan = 6;
      const cell = row.children[5] as HTMLElement;
      cell.append(
        button(
          indexText(f),
          () => {
            explain.hidden = !explain.hidden;
            if (!explain.hidden) {
              const c = explain.firstChild as HTMLElement;
              c.textContent = `${explainIndex(f, dirWord)} (Bytes ${f.span.start}–${f.span.end} of the block.)`;
              onIndexOpen?.(f);
            }
          },
          {
            class: `linkish${f.index.table === 'dynamic' ? ' dynamic' : ''}`,
            title: 'What this index resolved to',
            aria: { expanded: 'false' },
          },
        ),
      );
      body.append(explain);
    }
  });
  return h(
    'table',
    { class: 'fields', data: { view: 'wire' } },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        h('th', { class: 'num' }, '#'),
        h('th', null, 'Name'),
        h('th', null, 'Value'),
        h('th', null, 'Representation'),
        h('th', { title: 'Literals of the name / value: H Huffman-coded, raw, or – taken from a table (RFC 7541 §5.2)' }, 'Huffman'),
        h('th', { title: 'The table index the field used; choose it to see what it resolved to' }, 'Index'),
      ),
    ),
    body,
  );
}

/** Huffman coding of the name / value literals: H (Huffman), raw, or – (from a table). */
function huffText(f: Field): string {
  const one = (v: boolean | undefined) => (v === undefined ? '–' : v ? 'H' : 'raw');
  if (f.name_huffman === undefined && f.value_huffman === undefined) return '';
  return `${one(f.name_huffman)}/${one(f.value_huffman)}`;
}

/** Wire order of a header list without HPACK detail (tap inputs). */
export function plainTable(headers: { name: Octets; value: Octets }[], md: Metadata | null): HTMLElement {
  const entries = entriesByPosition(md);
  return h(
    'table',
    { class: 'fields', data: { view: 'wire' } },
    h('thead', null, h('tr', null, h('th', { class: 'num' }, '#'), h('th', null, 'Name'), h('th', null, 'Value'))),
    h(
      'tbody',
      null,
      headers.map((hd, k) =>
        h(
          'tr',
          { data: { name: octets(hd.name) } },
          h('td', { class: 'num' }, String(k)),
          h('td', { class: nameClass(octets(hd.name)) }, octets(hd.name)),
          valueCell(hd.value, entries.get(k), false),
        ),
      ),
    ),
  );
}

const CLASS_LABEL: Record<string, string> = {
  pseudo: 'pseudo',
  call_definition: 'call',
  grpc_reserved: 'grpc-*',
  custom: 'metadata',
};

const CLASS_TITLE: Record<string, string> = {
  pseudo: 'A pseudo-header (RFC 9113 §8.3)',
  call_definition: 'Part of the gRPC call definition (te, content-type, user-agent): not metadata',
  grpc_reserved: 'grpc-* names are reserved by gRPC: not metadata',
  custom: 'Application metadata',
};

/** gRPC's grouped view: reserved headers in order, then each metadata name once. */
export function groupedTable(md: Metadata): HTMLElement {
  const reserved = h(
    'tbody',
    { class: 'reserved' },
    md.reserved.map((e) =>
      h(
        'tr',
        { data: { name: octets(e.name) } },
        h('td', { class: nameClass(octets(e.name)) }, octets(e.name)),
        h('td', { class: 'values mono' }, octets(e.value) === '' ? '(empty)' : octets(e.value)),
        h('td', { class: 'dim kind', title: CLASS_TITLE[e.class] ?? '' }, CLASS_LABEL[e.class] ?? e.class),
        h('td', { class: 'num dim' }, String(e.position)),
      ),
    ),
  );
  const grouped = h(
    'tbody',
    { class: 'grouped' },
    md.grouped.map((g) =>
      h(
        'tr',
        { data: { name: octets(g.name) } },
        h('td', { class: nameClass(octets(g.name)) }, octets(g.name)),
        h(
          'td',
          { class: 'values' },
          h(
            'ol',
            { class: 'value-list' },
            g.values.map((v) =>
              isBinary(v)
                ? h('li', { class: 'mono binary', title: `as text: ${octets(v)}` }, spacedHex(v.hex), h('span', { class: 'tag' }, 'bytes'))
                : h('li', { class: 'mono' }, octets(v) === '' ? '(empty)' : octets(v)),
            ),
          ),
        ),
        h('td', { class: `kind${g.values.length > 1 ? ' repeated' : ' dim'}` }, g.values.length > 1 ? `×${g.values.length}` : 'metadata'),
        h('td', { class: 'num dim', title: 'Positions in the header list' }, g.positions.join(', ')),
      ),
    ),
  );
  return h(
    'table',
    { class: 'fields grouped-table', data: { view: 'grouped' } },
    h(
      'thead',
      null,
      h('tr', null, h('th', null, 'Name'), h('th', null, 'Value(s), in order'), h('th', null, 'Kind'), h('th', { class: 'num' }, 'Wire #')),
    ),
    sectionRow(md.grouped.length > 0 ? 'Custom metadata, each name once, values in wire order' : 'No custom metadata'),
    grouped,
    md.reserved.length > 0 ? sectionRow('Reserved headers (not metadata), in wire order') : null,
    reserved,
  );
}

function sectionRow(text: string): HTMLElement {
  const th = h('th', { class: 'section-row' }, text);
  th.colSpan = 4;
  return h('tbody', { class: 'group-title' }, h('tr', null, th));
}
