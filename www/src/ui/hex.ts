// A hex view whose decoded fields highlight their bytes: hover or focus a
// field to light up its span; click a byte to find the fields that cover it.

import type { HexField } from '../shared/protocol';
import { h } from './dom';

export function hexView(bytes: Uint8Array, fields: HexField[], note: string | null): HTMLElement {
  const hexCells: HTMLElement[] = [];
  const asciiCells: HTMLElement[] = [];
  const lines: HTMLElement[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const hex = h('span', { class: 'hex-bytes' });
    const ascii = h('span', { class: 'hex-ascii' });
    for (let i = off; i < Math.min(bytes.length, off + 16); i++) {
      const b = bytes[i]!;
      const hc = h('span', { class: 'hb', data: { i } }, b.toString(16).padStart(2, '0'));
      const ac = h('span', { class: 'ha', data: { i } }, b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.');
      hexCells.push(hc);
      asciiCells.push(ac);
      hex.append(hc);
      ascii.append(ac);
    }
    lines.push(h('div', { class: 'hex-line' }, h('span', { class: 'hex-off' }, off.toString(16).padStart(6, '0')), hex, ascii));
  }
  const light = (start: number, end: number, on: boolean) => {
    for (let i = start; i < Math.min(end, bytes.length); i++) {
      hexCells[i]!.classList.toggle('hl', on);
      asciiCells[i]!.classList.toggle('hl', on);
    }
  };
  const items = fields.map((f) => {
    const outside = f.start >= bytes.length;
    const li = h(
      'li',
      {
        class: `hex-field level-${f.level}${outside ? ' outside' : ''}`,
        tabindex: 0,
        title: outside ? 'Past the bytes kept for this frame' : `bytes ${f.start}–${f.end}`,
        data: { start: f.start, end: f.end },
      },
      h('span', { class: 'range' }, `${f.start}–${f.end}`),
      ' ',
      f.label,
    );
    const on = () => {
      light(f.start, f.end, true);
      reveal(f.start);
    };
    const off = () => light(f.start, f.end, false);
    li.addEventListener('mouseenter', on);
    li.addEventListener('mouseleave', off);
    li.addEventListener('focus', on);
    li.addEventListener('blur', off);
    return li;
  });
  const list = h('ul', { class: 'hex-fields', aria: { label: 'Decoded fields' } }, items);
  const dump = h('div', { class: 'hex-dump mono', aria: { label: 'Bytes' } }, lines);
  // Scrolls the dump (only the dump) so byte `i` is in view.
  function reveal(i: number): void {
    const cell = hexCells[i];
    if (!cell) return;
    const top = cell.offsetTop;
    if (top < dump.scrollTop || top > dump.scrollTop + dump.clientHeight - cell.offsetHeight) {
      dump.scrollTop = Math.max(0, top - dump.clientHeight / 3);
    }
  }
  dump.addEventListener('click', (e) => {
    const t = (e.target as HTMLElement).closest<HTMLElement>('[data-i]');
    if (!t) return;
    const i = Number(t.dataset.i);
    for (const li of items) {
      const s = Number(li.dataset.start);
      const en = Number(li.dataset.end);
      li.classList.toggle('picked', i >= s && i < en);
    }
  });
  return h(
    'div',
    { class: 'hex-view' },
    note ? h('p', { class: 'note' }, note) : null,
    h('div', { class: 'hex-grid' }, dump, list),
  );
}
