// The list views: calls/exchanges, header blocks, frames, anomalies and
// connections. Rows come from the page's compact copy (model.ts); filters
// and sorting run in the worker, which returns the matching row indices.

import type { Capture } from '../model';
import { BLOCK_ROLES, type Filter, type ListName, type Sort } from '../shared/protocol';
import { button, h, replace } from '../ui/dom';
import { bytes, count, dirArrow, flagNames, ms, rel } from '../ui/format';
import { VirtualTable, type Column } from '../ui/vtable';
import type { App } from '../app';
import { FRAME_TYPE_NAMES } from '../shared/frametypes';

abstract class ListView {
  readonly el: HTMLElement;
  readonly table: VirtualTable;
  protected readonly bar: HTMLElement;
  protected rows: Int32Array | null = null;
  protected filter: Filter = {};
  protected sort: Sort | null = null;
  private generation = 0;
  private requeryTimer = 0;
  protected readonly app: App;
  private readonly list: ListName | null;

  constructor(app: App, list: ListName | null, label: string, columns: Column[], empty: string) {
    this.app = app;
    this.list = list;
    this.table = new VirtualTable(
      label,
      columns,
      {
        count: () => this.count(),
        cell: (r, k) => this.cell(this.index(r), k),
        rowClass: (r) => this.rowClass(this.index(r)),
        cellClass: (r, k) => this.cellClass(this.index(r), k),
      },
      empty,
    );
    this.table.onActivate = (r) => this.open(this.index(r));
    this.table.onSort = (s) => {
      this.sort = s;
      void this.requery();
    };
    this.bar = h('div', { class: 'filter-bar' });
    this.el = h('section', { class: 'list-view', aria: { label } }, this.bar, this.table.el);
  }

  protected get capture(): Capture | null {
    return this.app.capture;
  }

  abstract total(): number;
  abstract cell(i: number, key: string): string;
  abstract open(i: number): void;
  rowClass(_i: number): string {
    return '';
  }
  cellClass(_i: number, _key: string): string {
    return '';
  }

  count(): number {
    return this.rows ? this.rows.length : this.total();
  }

  index(viewRow: number): number {
    return this.rows ? this.rows[viewRow]! : viewRow;
  }

  /** New rows arrived. */
  refresh(): void {
    if (this.filtered() && this.capture?.done === null) {
      // Re-run the filter now and then while decoding.
      if (!this.requeryTimer) {
        this.requeryTimer = window.setTimeout(() => {
          this.requeryTimer = 0;
          void this.requery();
        }, 400);
      }
    }
    this.table.schedule();
  }

  /** Decoding finished: settle the filter's result. */
  finished(): void {
    if (this.filtered()) void this.requery();
    this.table.schedule();
  }

  reset(): void {
    this.rows = null;
    // Connections and streams belong to the previous input; text and
    // status filters carry over (shown in the bar).
    delete this.filter.conn;
    delete this.filter.stream;
    this.table.setSource({
      count: () => this.count(),
      cell: (r, k) => this.cell(this.index(r), k),
      rowClass: (r) => this.rowClass(this.index(r)),
      cellClass: (r, k) => this.cellClass(this.index(r), k),
    });
    this.renderBar();
  }

  protected filtered(): boolean {
    return this.sort !== null || Object.values(this.filter).some((v) => v !== undefined && v !== '' && v !== false);
  }

  setFilter(patch: Filter): void {
    this.filter = { ...this.filter, ...patch };
    for (const [k, v] of Object.entries(this.filter)) {
      if (v === undefined || v === '' || v === false) delete (this.filter as Record<string, unknown>)[k];
    }
    this.renderBar();
    void this.requery();
  }

  protected async requery(): Promise<void> {
    const capture = this.capture;
    if (!capture || !this.list) return;
    const generation = ++this.generation;
    const rows = await this.app.client.call<Int32Array | null>({
      op: 'query',
      session: capture.id,
      list: this.list,
      filter: this.filter,
      sort: this.sort,
    });
    if (generation !== this.generation) return;
    this.rows = rows;
    this.table.render();
    this.afterQuery();
  }

  protected afterQuery(): void {}

  abstract renderBar(): void;

  protected textFilter(placeholder: string): HTMLInputElement {
    const input = h('input', {
      type: 'search',
      class: 'filter-text',
      placeholder,
      value: this.filter.text ?? '',
      aria: { label: placeholder },
    });
    let timer = 0;
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = window.setTimeout(() => this.setFilterQuiet({ text: input.value }), 200);
    });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        this.table.el.focus();
        this.table.select(0);
        this.open(this.index(0));
      }
    });
    return input;
  }

  /** Like setFilter but keeps the bar (and the input's focus). */
  protected setFilterQuiet(patch: Filter): void {
    this.filter = { ...this.filter, ...patch };
    for (const [k, v] of Object.entries(this.filter)) {
      if (v === undefined || v === '' || v === false) delete (this.filter as Record<string, unknown>)[k];
    }
    void this.requery();
  }

  protected connChip(): HTMLElement | null {
    if (this.filter.conn === undefined) return null;
    return h(
      'span',
      { class: 'chip' },
      `connection ${this.filter.conn}`,
      button('×', () => this.setFilter({ conn: undefined }), {
        class: 'chip-x',
        aria: { label: 'Show every connection' },
      }),
    );
  }

  protected counter(): HTMLElement {
    return h('span', { class: 'list-count', aria: { live: 'polite' } });
  }
}

// ---- Calls / exchanges --------------------------------------------------------

export class ExchangesView extends ListView {
  private countEl: HTMLElement;

  constructor(app: App) {
    super(
      app,
      'exchanges',
      'Calls and exchanges',
      [
        { key: 'n', title: '#', width: '3.5em', align: 'right', sortable: true },
        { key: 'time', title: 'Time', width: '6em', align: 'right', sortable: true, help: 'Seconds since the first packet' },
        { key: 'where', title: 'Stream', width: '4.5em', align: 'right', sortable: true, help: 'Connection/stream' },
        { key: 'method', title: 'Method', width: '4em', sortable: true },
        { key: 'path', title: 'Path', width: 'minmax(11em, 3fr)', sortable: true },
        { key: 'status', title: 'HTTP', width: '3em', align: 'right', sortable: true },
        { key: 'grpc', title: 'gRPC status', width: 'minmax(8.5em, 1.2fr)', sortable: true },
        { key: 'req', title: 'Sent', width: '4.5em', align: 'right', sortable: true, help: 'Request DATA bytes' },
        { key: 'resp', title: 'Recv', width: '4.5em', align: 'right', sortable: true, help: 'Response DATA bytes' },
        { key: 'duration', title: 'Duration', width: '5em', align: 'right', sortable: true },
        { key: 'anomalies', title: '⚠', width: '1.5em', align: 'right', sortable: true, help: 'Anomalies on the stream' },
      ],
      'No exchanges (yet). HTTP/2 requests and gRPC calls appear here as their streams end.',
    );
    this.countEl = this.counter();
    this.table.onSort = (s) => {
      const map: Record<string, string> = {
        n: 'i',
        time: 'start',
        where: 'stream',
        method: 'method',
        path: 'path',
        status: 'status',
        grpc: 'grpc',
        req: 'reqBytes',
        resp: 'respBytes',
        duration: 'duration',
        anomalies: 'anomalies',
      };
      this.sort = s ? { key: map[s.key] ?? 'i', desc: s.desc } : null;
      void this.requery();
    };
    this.renderBar();
  }

  total(): number {
    return this.capture?.exchanges.length ?? 0;
  }

  cell(i: number, key: string): string {
    const c = this.capture;
    const r = c?.exchanges[i];
    if (!c || !r) return '';
    switch (key) {
      case 'n':
        return String(i + 1);
      case 'time':
        return r.start < 0 ? '' : rel(r.start, c.start);
      case 'where':
        return r.conn === null ? (r.tap ? 'tap' : '') : `${r.conn}/${r.stream}`;
      case 'method':
        return r.method;
      case 'path':
        return r.path;
      case 'status':
        return r.status < 0 ? '' : String(r.status);
      case 'grpc':
        if (r.grpcCode < 0) return r.isGrpc ? '(none)' : '';
        return r.grpcName ? `${r.grpcName} (${r.grpcCode})` : String(r.grpcCode);
      case 'req':
        return bytes(r.reqBytes);
      case 'resp':
        return bytes(r.respBytes);
      case 'duration':
        return ms(r.duration);
      case 'anomalies':
        return r.anomalies > 0 ? String(r.anomalies) : '';
    }
    return '';
  }

  override rowClass(i: number): string {
    const r = this.capture?.exchanges[i];
    if (!r) return '';
    const bad = r.isGrpc ? r.grpcCode > 0 : r.status >= 400;
    return `${bad ? 'bad' : ''}${r.state !== 'complete' ? ' unfinished' : ''}`;
  }

  override cellClass(i: number, key: string): string {
    const r = this.capture?.exchanges[i];
    if (!r) return '';
    if (key === 'grpc' && r.grpcCode > 0) return 'status-bad';
    if (key === 'grpc' && r.grpcCode === 0) return 'status-ok';
    if (key === 'status' && r.status >= 400) return 'status-bad';
    if (key === 'anomalies' && r.anomalies > 0) return 'warn';
    if (key === 'path') return 'mono';
    return '';
  }

  open(i: number): void {
    this.app.showExchange(i);
  }

  override refresh(): void {
    super.refresh();
    this.updateCount();
  }

  protected override afterQuery(): void {
    this.updateCount();
  }

  private updateCount(): void {
    const total = this.total();
    const shown = this.count();
    this.countEl.textContent =
      shown === total ? `${count(total)} exchanges` : `${count(shown)} of ${count(total)} exchanges`;
  }

  renderBar(): void {
    const status = h(
      'select',
      {
        title: 'Succeeded: gRPC OK, or HTTP below 400. Failed: a gRPC error, or HTTP 400 and up.',
        aria: { label: 'Status' },
        on: { change: (e) => this.setFilterQuiet({ status: (e.target as HTMLSelectElement).value }) },
      },
      [
        ['', 'Any status'],
        ['ok', 'Succeeded'],
        ['error', 'Failed'],
        ['2xx', 'HTTP 2xx'],
        ['3xx', 'HTTP 3xx'],
        ['4xx', 'HTTP 4xx'],
        ['5xx', 'HTTP 5xx'],
        ['none', 'No response'],
      ].map(([v, label]) => {
        const o = h('option', { value: v! }, label!);
        if (v === (this.filter.status ?? '')) o.selected = true;
        return o;
      }),
    );
    const anomaly = h('input', {
      type: 'checkbox',
      id: 'ex-anomaly',
      checked: this.filter.anomaly === true,
      on: { change: (e) => this.setFilterQuiet({ anomaly: (e.target as HTMLInputElement).checked }) },
    });
    replace(
      this.bar,
      this.textFilter('Filter by path or any header name or value'),
      status,
      h('label', { class: 'check', for: 'ex-anomaly' }, anomaly, 'with anomalies'),
      this.connChip(),
      this.countEl,
    );
    this.updateCount();
  }
}

// ---- Header blocks --------------------------------------------------------------

export class BlocksView extends ListView {
  constructor(app: App) {
    super(
      app,
      'blocks',
      'Header blocks',
      [
        { key: 'n', title: '#', width: '4.5em', align: 'right' },
        { key: 'time', title: 'Time', width: '6em', align: 'right' },
        { key: 'conn', title: 'Conn', width: '3em', align: 'right' },
        { key: 'stream', title: 'Stream', width: '4em', align: 'right' },
        { key: 'dir', title: 'Dir', width: '2.5em' },
        { key: 'role', title: 'Role', width: '6.5em' },
        { key: 'label', title: 'Summary', width: 'minmax(10em, 3fr)' },
        { key: 'fields', title: 'Fields', width: '3.5em', align: 'right' },
        { key: 'size', title: 'Bytes', width: '4em', align: 'right' },
        { key: 'table', title: 'Table', width: '6.5em', help: 'HPACK dynamic table: synced or partly unknown' },
        { key: 'id', title: 'Block', width: '4em', align: 'right', help: 'Block number in its connection' },
        { key: 'packet', title: 'Packet', width: '4.5em', align: 'right' },
      ],
      'No header blocks (yet).',
    );
    this.renderBar();
  }

  total(): number {
    return this.capture?.blocks.length ?? 0;
  }

  cell(i: number, key: string): string {
    const c = this.capture;
    if (!c || i >= c.blocks.length) return '';
    const b = c.blocks;
    switch (key) {
      case 'n':
        return String(i + 1);
      case 'time':
        return rel(b.ts.get(i), c.start);
      case 'conn':
        return String(b.conn.get(i));
      case 'id':
        return String(b.id.get(i));
      case 'dir':
        return dirArrow(b.dir.get(i));
      case 'stream':
        return String(b.stream.get(i));
      case 'role':
        return (BLOCK_ROLES[b.role.get(i)] ?? '').replaceAll('_', ' ');
      case 'label':
        return b.label[i] ?? '';
      case 'fields':
        return String(b.fields.get(i));
      case 'size':
        return String(b.size.get(i));
      case 'table':
        return b.tableUnknown.get(i) ? 'partly unknown' : 'synced';
      case 'packet':
        return String(b.packet.get(i));
    }
    return '';
  }

  override rowClass(i: number): string {
    return this.capture?.blocks.problem.get(i) ? 'bad' : '';
  }

  override cellClass(i: number, key: string): string {
    if (key === 'table' && this.capture?.blocks.tableUnknown.get(i)) return 'warn';
    if (key === 'label') return 'mono';
    return '';
  }

  open(i: number): void {
    this.app.showBlock(i);
  }

  renderBar(): void {
    const problem = h('input', {
      type: 'checkbox',
      id: 'bl-problem',
      checked: this.filter.anomaly === true,
      on: { change: (e) => this.setFilterQuiet({ anomaly: (e.target as HTMLInputElement).checked }) },
    });
    replace(
      this.bar,
      this.textFilter('Filter by any header name or value'),
      h('label', { class: 'check', for: 'bl-problem' }, problem, 'with HPACK errors'),
      this.connChip(),
    );
  }
}

// ---- Frames ------------------------------------------------------------------------

export class FramesView extends ListView {
  constructor(app: App) {
    super(
      app,
      'frames',
      'Frames',
      [
        { key: 'n', title: '#', width: '4.5em', align: 'right' },
        { key: 'time', title: 'Time', width: '6em', align: 'right' },
        { key: 'conn', title: 'Conn', width: '3em', align: 'right' },
        { key: 'dir', title: 'Dir', width: '2.5em' },
        { key: 'stream', title: 'Stream', width: '4em', align: 'right' },
        { key: 'type', title: 'Type', width: '10.5em' },
        { key: 'flags', title: 'Flags', width: 'minmax(9em, 1.5fr)' },
        { key: 'length', title: 'Length', width: '4.5em', align: 'right' },
        { key: 'index', title: 'Frame', width: '4em', align: 'right', help: 'Frame number in its direction' },
        { key: 'packet', title: 'Packet', width: '4.5em', align: 'right' },
      ],
      'No HTTP/2 frames (yet).',
    );
    this.renderBar();
  }

  total(): number {
    return this.capture?.frames.length ?? 0;
  }

  cell(i: number, key: string): string {
    const c = this.capture;
    if (!c || i >= c.frames.length) return '';
    const f = c.frames;
    switch (key) {
      case 'n':
        return String(i + 1);
      case 'time':
        return rel(f.ts.get(i), c.start);
      case 'conn':
        return String(f.conn.get(i));
      case 'dir':
        return dirArrow(f.dir.get(i));
      case 'index':
        return String(f.index.get(i));
      case 'type':
        return typeName(f.type.get(i));
      case 'flags':
        return flagNames(typeName(f.type.get(i)), f.flags.get(i));
      case 'stream':
        return String(f.stream.get(i));
      case 'length':
        return String(f.length_.get(i));
      case 'packet':
        return String(f.packet.get(i));
    }
    return '';
  }

  override rowClass(i: number): string {
    const c = this.capture;
    if (!c) return '';
    return `${c.frames.broken.get(i) ? 'bad ' : ''}${c.frames.dir.get(i) ? 's2c' : 'c2s'}`;
  }

  open(i: number): void {
    this.app.showFrame(i);
  }

  renderBar(): void {
    const c = this.capture;
    const conns = c ? [...c.connections.keys()].sort((a, b) => a - b) : [];
    const conn = h(
      'select',
      {
        aria: { label: 'Connection' },
        on: {
          change: (e) => {
            const v = (e.target as HTMLSelectElement).value;
            this.setFilterQuiet({ conn: v === '' ? undefined : Number(v) });
          },
        },
      },
      h('option', { value: '' }, 'Every connection'),
      conns.map((n) => {
        const row = c!.connections.get(n)!;
        const o = h('option', { value: String(n) }, `Conn ${n}: ${row.client ?? '?'} → ${row.server ?? '?'}`);
        if (this.filter.conn === n) o.selected = true;
        return o;
      }),
    );
    const type = h(
      'select',
      {
        aria: { label: 'Frame type' },
        on: { change: (e) => this.setFilterQuiet({ type: (e.target as HTMLSelectElement).value }) },
      },
      h('option', { value: '' }, 'Any type'),
      Object.values(FRAME_TYPE_NAMES).map((t) => {
        const o = h('option', { value: t }, t);
        if (this.filter.type === t) o.selected = true;
        return o;
      }),
    );
    const stream = h('input', {
      type: 'number',
      class: 'stream-input',
      placeholder: 'stream',
      value: this.filter.stream === undefined ? '' : String(this.filter.stream),
      aria: { label: 'Stream id' },
    });
    stream.addEventListener('change', () => {
      const v = stream.value.trim();
      this.setFilterQuiet({ stream: v === '' ? undefined : Number(v) });
    });
    replace(this.bar, conn, type, stream);
  }

  /** The connection list changed (new connections). */
  connectionsChanged(): void {
    if (document.activeElement?.closest('.filter-bar') !== this.bar) this.renderBar();
  }
}

function typeName(code: number): string {
  return FRAME_TYPE_NAMES[code] ?? `0x${code.toString(16)}`;
}

// ---- Anomalies -----------------------------------------------------------------------

export class AnomaliesView extends ListView {
  constructor(app: App) {
    super(
      app,
      'anomalies',
      'Anomalies',
      [
        { key: 'severity', title: 'Severity', width: '5em' },
        { key: 'message', title: 'What happened', width: 'minmax(18em, 4fr)' },
        { key: 'where', title: 'Where', width: '11em' },
        { key: 'layer', title: 'Layer', width: '5.5em' },
        { key: 'code', title: 'Code', width: 'minmax(10em, 1.5fr)' },
        { key: 'rfc', title: 'Rule', width: '8.5em' },
      ],
      'No anomalies: nothing broke a protocol rule h2lens checks.',
    );
    this.renderBar();
  }

  total(): number {
    return this.capture?.anomalies.length ?? 0;
  }

  cell(i: number, key: string): string {
    const a = this.capture?.anomalies[i];
    if (!a) return '';
    switch (key) {
      case 'severity':
        return a.severity;
      case 'where': {
        const parts: string[] = [];
        if (a.packet !== null) parts.push(`#${a.packet}`);
        if (a.conn !== null) parts.push(`conn ${a.conn}`);
        if (a.dir) parts.push(dirArrow(a.dir));
        if (a.stream !== null) parts.push(`stream ${a.stream}`);
        return parts.join(' ');
      }
      case 'layer':
        return a.layer;
      case 'message':
        return a.message;
      case 'code':
        return a.code;
      case 'rfc':
        return a.rfc ?? '';
    }
    return '';
  }

  override rowClass(i: number): string {
    return `sev-${this.capture?.anomalies[i]?.severity ?? ''}`;
  }

  open(i: number): void {
    this.app.showAnomaly(i);
  }

  renderBar(): void {
    const sev = h(
      'select',
      {
        aria: { label: 'Severity' },
        on: { change: (e) => this.setFilterQuiet({ status: (e.target as HTMLSelectElement).value }) },
      },
      [
        ['', 'Any severity'],
        ['error', 'Errors'],
        ['warning', 'Warnings'],
        ['info', 'Notes'],
      ].map(([v, l]) => h('option', { value: v! }, l!)),
    );
    replace(this.bar, this.textFilter('Filter by message or code'), sev);
  }
}

// ---- Connections -------------------------------------------------------------------------

export class ConnectionsView extends ListView {
  private order: number[] = [];

  constructor(app: App) {
    super(
      app,
      null,
      'Connections',
      [
        { key: 'conn', title: 'Conn', width: '4em', align: 'right' },
        { key: 'client', title: 'Client', width: 'minmax(10em, 1fr)' },
        { key: 'server', title: 'Server', width: 'minmax(10em, 1fr)' },
        { key: 'protocol', title: 'Protocol', width: 'minmax(14em, 2fr)' },
        { key: 'frames', title: 'Frames', width: '6em', align: 'right' },
        { key: 'streams', title: 'Streams', width: '6em', align: 'right' },
        { key: 'exchanges', title: 'Exchanges', width: '6.5em', align: 'right' },
        { key: 'anomalies', title: 'Anomalies', width: '6.5em', align: 'right' },
        { key: 'bytes', title: 'Bytes', width: '7em', align: 'right' },
        { key: 'time', title: 'Start', width: '7.5em', align: 'right' },
      ],
      'No connections (yet).',
    );
    this.renderBar();
  }

  override refresh(): void {
    this.order = this.capture ? [...this.capture.connections.keys()].sort((a, b) => a - b) : [];
    this.table.schedule();
  }

  override reset(): void {
    this.order = [];
    super.reset();
  }

  total(): number {
    return this.order.length;
  }

  cell(i: number, key: string): string {
    const c = this.capture;
    const r = c?.connections.get(this.order[i] ?? -1);
    if (!c || !r) return '';
    switch (key) {
      case 'conn':
        return String(r.conn);
      case 'client':
        return (r.client ?? '?') + (r.rolesGuessed ? ' (guessed)' : '');
      case 'server':
        return r.server ?? '?';
      case 'protocol':
        return r.protocol + (r.fromStart ? '' : ' · began before the capture');
      case 'frames':
        return count(r.frames);
      case 'streams':
        return r.ended ? count(r.streams) : '';
      case 'exchanges':
        return r.ended ? count(r.exchanges) : '';
      case 'anomalies':
        return r.ended ? count(r.anomalies) : '';
      case 'bytes':
        return r.ended ? bytes(r.bytes) : '';
      case 'time':
        return rel(r.ts, c.start);
    }
    return '';
  }

  override cellClass(i: number, key: string): string {
    const r = this.capture?.connections.get(this.order[i] ?? -1);
    if (key === 'anomalies' && r && r.anomalies > 0) return 'warn';
    return '';
  }

  open(i: number): void {
    const conn = this.order[i];
    if (conn !== undefined) this.app.showConnection(conn);
  }

  renderBar(): void {
    replace(
      this.bar,
      h('span', { class: 'hint' }, 'Choose a connection to see its facts, calls and frame timeline.'),
    );
  }
}
