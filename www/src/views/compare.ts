// Comparing two header blocks or two exchanges (from one capture or two):
// what was added, removed, moved, or changed, in wire order and in gRPC's
// grouped view. The comparison itself is the core's `diffHeaders`; pairing
// exchanges across two captures is the core's `pairExchanges`.

import type { App } from '../app';
import type { GroupChange, HeaderChange, HeaderDiff } from '../engine/schema';
import type { DiffResult, PairRow } from '../shared/protocol';
import { button, h } from '../ui/dom';
import { octets, nameClass } from '../ui/format';

const CHANGE_TEXT: Record<HeaderChange['change'], string> = {
  same: 'same',
  moved: 'moved',
  changed: 'value changed',
  added: 'added',
  removed: 'removed',
};

function changeRow(c: HeaderChange): HTMLElement {
  const cell = (pos: number | undefined, name: string, value: string) =>
    pos === undefined
      ? [h('td', { class: 'num' }), h('td'), h('td')]
      : [h('td', { class: 'num dim' }, String(pos)), h('td', { class: nameClass(name) }, name), h('td', { class: 'value mono' }, value)];
  let left;
  let right;
  switch (c.change) {
    case 'same':
    case 'moved':
      left = cell(c.left, octets(c.name), octets(c.value));
      right = cell(c.right, octets(c.name), octets(c.value));
      break;
    case 'changed':
      left = cell(c.left, octets(c.name), octets(c.left_value));
      right = cell(c.right, octets(c.name), octets(c.right_value));
      break;
    case 'added':
      left = cell(undefined, '', '');
      right = cell(c.right, octets(c.name), octets(c.value));
      break;
    case 'removed':
      left = cell(c.left, octets(c.name), octets(c.value));
      right = cell(undefined, '', '');
      break;
  }
  return h('tr', { class: `chg-${c.change}`, data: { change: c.change } }, left, h('td', { class: 'chg' }, CHANGE_TEXT[c.change]), right);
}

function groupRow(g: GroupChange): HTMLElement {
  const list = (values: unknown[]) =>
    h('ol', { class: 'value-list' }, values.map((v) => h('li', { class: 'mono' }, octets(v as string))));
  return h(
    'tr',
    { class: `chg-${g.kind}`, data: { change: g.kind } },
    h('td', { class: nameClass(octets(g.name)) }, octets(g.name)),
    h('td', null, list(g.left)),
    h('td', { class: 'chg' }, g.kind),
    h('td', null, list(g.right)),
  );
}

function diffSection(title: string, d: HeaderDiff, left: number, right: number, onlyChanges: boolean): HTMLElement {
  const changes = onlyChanges ? d.changes.filter((c) => c.change !== 'same') : d.changes;
  const grouped = onlyChanges ? d.grouped.filter((g) => g.kind !== 'same') : d.grouped;
  const counts = new Map<string, number>();
  for (const c of d.changes) counts.set(c.change, (counts.get(c.change) ?? 0) + 1);
  const summary = [...counts].filter(([k]) => k !== 'same').map(([k, n]) => `${n} ${CHANGE_TEXT[k as HeaderChange['change']]}`);
  return h(
    'section',
    { class: 'detail-section diff-section' },
    h('h3', null, title, ' ', h('span', { class: 'dim small-text' }, `${left} vs ${right} fields · ${summary.length ? summary.join(', ') : 'identical'}`)),
    h(
      'table',
      { class: 'fields diff-table', data: { view: 'diff-wire' } },
      h('thead', null, h('tr', null, h('th', { class: 'num' }, '#'), h('th', null, 'Left name'), h('th', null, 'Left value'), h('th', null, 'Change'), h('th', { class: 'num' }, '#'), h('th', null, 'Right name'), h('th', null, 'Right value'))),
      h('tbody', null, changes.map(changeRow)),
    ),
    grouped.length > 0
      ? h(
          'table',
          { class: 'fields diff-table', data: { view: 'diff-grouped' } },
          h('caption', null, 'Grouped metadata (each name once, values in order)'),
          h('thead', null, h('tr', null, h('th', null, 'Name'), h('th', null, 'Left values'), h('th', null, 'Change'), h('th', null, 'Right values'))),
          h('tbody', null, grouped.map(groupRow)),
        )
      : null,
  );
}

export function diffView(result: DiffResult, onlyChanges: boolean, toggle: () => void): HTMLElement {
  return h(
    'article',
    { class: 'detail', data: { kind: 'diff' } },
    h(
      'header',
      { class: 'detail-head' },
      h('h2', null, 'Comparison'),
      h('dl', { class: 'facts' }, h('dt', null, 'Left'), h('dd', { class: 'mono' }, result.leftLabel), h('dt', null, 'Right'), h('dd', { class: 'mono' }, result.rightLabel)),
      h('div', { class: 'toolbar' }, button(onlyChanges ? 'Show unchanged headers too' : 'Show only differences', toggle, { class: 'small' })),
    ),
    result.sections.map((s) => diffSection(s.title, s.diff, s.left, s.right, onlyChanges)),
  );
}

/** The Compare tab: the chosen sides, a second capture, and its pairs. */
export function comparePanel(app: App, pairs: PairRow[] | null): HTMLElement {
  const side = (which: 'left' | 'right') => {
    const s = app.compare[which];
    return h('div', { class: 'compare-side' }, h('strong', null, which === 'left' ? 'Left: ' : 'Right: '), s ? s.label : h('span', { class: 'dim' }, 'not chosen: open an exchange or a header block and press “Compare: ' + which + '”'));
  };
  const second = app.second;
  const fileInput = h('input', { type: 'file', class: 'visually-hidden', id: 'second-file', aria: { label: 'Second capture' } });
  fileInput.addEventListener('change', () => {
    const f = fileInput.files?.[0];
    if (f) app.openSecond(f);
  });
  const pairTable =
    pairs === null
      ? null
      : h(
          'table',
          { class: 'fields pairs' },
          h('caption', null, `${pairs.length} pairs between ${app.capture?.name ?? ''} (left) and ${second?.name ?? ''} (right)`),
          h('thead', null, h('tr', null, h('th', null, 'Left (conn/stream)'), h('th', null, 'Right'), h('th', null, 'Paired by'))),
          h(
            'tbody',
            null,
            pairs.slice(0, 2000).map((p) =>
              h(
                'tr',
                {
                  class: p.left !== null && p.right !== null ? 'clickable' : 'dim',
                  tabindex: 0,
                  on: {
                    click: () => app.comparePair(p),
                    keydown: (e) => (e as KeyboardEvent).key === 'Enter' && app.comparePair(p),
                  },
                },
                h('td', { class: 'mono', title: p.leftLabel }, p.leftShort || '(only on the right)'),
                h('td', { class: 'mono', title: p.rightLabel }, p.rightShort || '(only on the left)'),
                h('td', null, p.by.replaceAll('_', ' ')),
              ),
            ),
          ),
        );
  return h(
    'section',
    { class: 'compare-panel', aria: { label: 'Compare' } },
    h('h2', null, 'Compare'),
    h('p', { class: 'hint' }, 'Compare two header blocks or two exchanges: the request a client sent against what a server received across a proxy, say. Choose each side from its detail view, or open a second capture to pair its exchanges with this one’s by trace id or path.'),
    side('left'),
    side('right'),
    h(
      'div',
      { class: 'toolbar' },
      button('Compare', () => app.runCompare(), { disabled: !app.compare.left || !app.compare.right }),
      button('Swap sides', () => app.swapCompare(), { class: 'small', disabled: !app.compare.left && !app.compare.right }),
      h('label', { class: 'button-like', for: 'second-file' }, second ? `Second capture: ${second.name}` : 'Open a second capture…'),
      fileInput,
    ),
    second && !second.done ? h('p', { class: 'note' }, `Decoding ${second.name}…`) : null,
    pairTable,
  );
}
