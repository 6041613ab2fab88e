// A virtualised table: only the visible rows exist in the DOM, so lists of
// hundreds of thousands of rows scroll like short ones. Rows have a fixed
// height. Past a few million pixels (browsers cap element heights; Firefox
// near 17.9M px) the scroll position maps proportionally to rows.
//
// Keyboard: ↑/↓ move the selection, PageUp/PageDown by a screen, Home/End,
// Enter opens. The selection follows the keyboard like devtools' network
// panel: moving it shows the row's detail.

import { h, replace } from './dom';
import { visible as shown } from './format';

export interface Column {
  key: string;
  title: string;
  /** CSS grid track, e.g. '6em' or 'minmax(10em, 1fr)'. */
  width: string;
  align?: 'left' | 'right';
  sortable?: boolean;
  /** Shown as the header's tooltip. */
  help?: string;
}

export interface TableSource {
  /** Rows in the current view (after filtering). */
  count(): number;
  /** Text of a cell; `row` is a view position. */
  cell(row: number, key: string): string;
  /** Extra class of a row (e.g. 'bad'). */
  rowClass?(row: number): string;
  /** Extra class of a cell. */
  cellClass?(row: number, key: string): string;
}

const ROW_HEIGHT = 24;
const MAX_SCROLL_PX = 8_000_000;

export class VirtualTable {
  readonly el: HTMLElement;
  private readonly head: HTMLElement;
  private readonly headWrap: HTMLElement;
  private readonly body: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly layer: HTMLElement;
  private readonly empty: HTMLElement;
  private rows: HTMLElement[] = [];
  private columns: Column[];
  private source: TableSource;
  private selected = -1;
  private frame = 0;
  private sort: { key: string; desc: boolean } | null = null;
  onSelect: (row: number) => void = () => {};
  onActivate: (row: number) => void = () => {};
  onSort: (sort: { key: string; desc: boolean } | null) => void = () => {};

  constructor(label: string, columns: Column[], source: TableSource, emptyText: string) {
    this.columns = columns;
    this.source = source;
    this.head = h('div', { class: 'vt-head', role: 'row' });
    this.headWrap = h('div', { class: 'vt-head-wrap' }, this.head);
    this.spacer = h('div', { class: 'vt-spacer' });
    this.layer = h('div', { class: 'vt-layer', role: 'rowgroup' });
    this.empty = h('div', { class: 'vt-empty', hidden: true }, emptyText);
    this.body = h('div', { class: 'vt-body' }, this.spacer, this.layer, this.empty);
    this.el = h(
      'div',
      {
        class: 'vt',
        role: 'grid',
        tabindex: 0,
        aria: { label, rowcount: '0' },
        on: { keydown: (e) => this.onKey(e as KeyboardEvent) },
      },
      this.headWrap,
      this.body,
    );
    this.body.addEventListener(
      'scroll',
      () => {
        this.headWrap.scrollLeft = this.body.scrollLeft;
        this.schedule();
      },
      { passive: true },
    );
    new ResizeObserver(() => this.schedule()).observe(this.body);
    this.layer.addEventListener('click', (e) => {
      const row = (e.target as HTMLElement).closest<HTMLElement>('.vt-row');
      if (!row || row.dataset.row === undefined) return;
      const i = Number(row.dataset.row);
      this.select(i, false);
      this.onActivate(i);
    });
    this.setColumns(columns);
  }

  setColumns(columns: Column[]): void {
    this.columns = columns;
    const template = columns.map((c) => c.width).join(' ');
    this.el.style.setProperty('--vt-columns', template);
    // The narrowest the columns may get; below it the table scrolls sideways.
    const minEm = columns.reduce((n, c) => n + minWidthEm(c.width), 0);
    this.el.style.setProperty('--vt-min', `calc(${minEm}em + ${(columns.length - 1) * 10 + 20}px)`);
    replace(
      this.head,
      columns.map((c) => {
        const cell = h(
          'div',
          {
            class: `vt-cell vt-h${c.align === 'right' ? ' right' : ''}${c.sortable ? ' sortable' : ''}`,
            role: 'columnheader',
            title: c.help ?? (c.sortable ? `Sort by ${c.title}` : ''),
            data: { key: c.key },
          },
          c.title,
        );
        if (c.sortable) {
          cell.tabIndex = -1;
          cell.addEventListener('click', () => this.toggleSort(c.key));
        }
        return cell;
      }),
    );
    this.rows = [];
    replace(this.layer);
    this.schedule();
  }

  setSource(source: TableSource): void {
    this.source = source;
    this.selected = -1;
    this.body.scrollTop = 0;
    this.schedule();
  }

  private toggleSort(key: string): void {
    if (this.sort?.key !== key) this.sort = { key, desc: false };
    else if (!this.sort.desc) this.sort = { key, desc: true };
    else this.sort = null;
    for (const cell of this.head.children) {
      const el = cell as HTMLElement;
      const on = this.sort?.key === el.dataset.key;
      el.setAttribute('aria-sort', on ? (this.sort!.desc ? 'descending' : 'ascending') : 'none');
    }
    this.onSort(this.sort);
  }

  /** Re-renders on the next animation frame (cheap to call often). */
  schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  get selection(): number {
    return this.selected;
  }

  select(row: number, scroll = true): void {
    const n = this.source.count();
    if (n === 0) return;
    const next = Math.max(0, Math.min(n - 1, row));
    this.selected = next;
    if (scroll) this.scrollTo(next);
    this.schedule();
    this.onSelect(next);
  }

  scrollTo(row: number): void {
    const view = this.body.clientHeight - ROW_HEIGHT;
    const { first, visible } = this.window();
    if (row < first) this.body.scrollTop = this.rowToScroll(row);
    else if (row >= first + visible - 1) {
      this.body.scrollTop = this.rowToScroll(row) - Math.max(0, view - ROW_HEIGHT);
    }
  }

  private scale(): { total: number; px: number } {
    const total = this.source.count();
    return { total, px: Math.min(total * ROW_HEIGHT, MAX_SCROLL_PX) };
  }

  private rowToScroll(row: number): number {
    const { total, px } = this.scale();
    if (px === total * ROW_HEIGHT) return row * ROW_HEIGHT;
    const view = this.body.clientHeight;
    const visible = Math.floor(view / ROW_HEIGHT);
    return (row / Math.max(1, total - visible)) * (px - view);
  }

  private window(): { first: number; visible: number; offset: number } {
    const { total, px } = this.scale();
    const view = this.body.clientHeight;
    const visible = Math.ceil(view / ROW_HEIGHT) + 1;
    const top = this.body.scrollTop;
    if (px === total * ROW_HEIGHT) {
      const first = Math.floor(top / ROW_HEIGHT);
      return { first, visible, offset: first * ROW_HEIGHT };
    }
    const ratio = top / Math.max(1, px - view);
    const first = Math.round(ratio * Math.max(0, total - (visible - 1)));
    return { first, visible, offset: top };
  }

  render(): void {
    const total = this.source.count();
    this.el.setAttribute('aria-rowcount', String(total));
    const { px } = this.scale();
    this.spacer.style.height = `${px}px`;
    this.empty.hidden = total > 0;
    const { first, visible, offset } = this.window();
    this.layer.style.transform = `translateY(${offset}px)`;
    while (this.rows.length < visible) {
      const row = h(
        'div',
        { class: 'vt-row', role: 'row' },
        this.columns.map((c) =>
          h('div', { class: `vt-cell${c.align === 'right' ? ' right' : ''}`, role: 'gridcell', data: { key: c.key } }),
        ),
      );
      this.rows.push(row);
      this.layer.appendChild(row);
    }
    for (let k = 0; k < this.rows.length; k++) {
      const el = this.rows[k]!;
      const i = first + k;
      if (k >= visible || i >= total) {
        el.hidden = true;
        continue;
      }
      el.hidden = false;
      el.dataset.row = String(i);
      el.setAttribute('aria-rowindex', String(i + 1));
      const selected = i === this.selected;
      el.className = `vt-row${selected ? ' selected' : ''} ${this.source.rowClass?.(i) ?? ''}`;
      el.setAttribute('aria-selected', String(selected));
      const cells = el.children;
      for (let c = 0; c < this.columns.length; c++) {
        const col = this.columns[c]!;
        const cell = cells[c] as HTMLElement;
        const text = shown(this.source.cell(i, col.key));
        if (cell.textContent !== text) {
          cell.textContent = text;
          cell.title = text.length > 24 ? text : '';
        }
        const extra = this.source.cellClass?.(i, col.key);
        const cls = `vt-cell${col.align === 'right' ? ' right' : ''}${extra ? ` ${extra}` : ''}`;
        if (cell.className !== cls) cell.className = cls;
      }
    }
  }

  private onKey(e: KeyboardEvent): void {
    const page = Math.max(1, Math.floor(this.body.clientHeight / ROW_HEIGHT) - 1);
    const at = this.selected < 0 ? -1 : this.selected;
    let next: number | null = null;
    switch (e.key) {
      case 'ArrowDown':
        next = at + 1;
        break;
      case 'ArrowUp':
        next = Math.max(0, at - 1);
        break;
      case 'PageDown':
        next = at + page;
        break;
      case 'PageUp':
        next = Math.max(0, at - page);
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = this.source.count() - 1;
        break;
      case 'Enter':
        if (at >= 0) this.onActivate(at);
        e.preventDefault();
        return;
      default:
        return;
    }
    e.preventDefault();
    this.select(next);
    this.onActivate(this.selected);
  }
}

/** The minimum of a grid track in em ('6em' → 6, 'minmax(10em, 1fr)' → 10). */
function minWidthEm(track: string): number {
  const m = /(\d+(?:\.\d+)?)em/.exec(track);
  return m ? Number(m[1]) : 4;
}
