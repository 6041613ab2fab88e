// The inspector: layout, opening inputs, progress, tabs, the detail pane,
// comparison and export. Decoding and every decoded detail live in the
// worker (worker/decoder.ts); this page keeps compact rows (model.ts).

import { WorkerClient } from './client';
import type { Field, HeaderBlockEvent, Metadata, Octets, TableEvent } from './engine/schema';
import { Capture } from './model';
import type {
  BlockDetail,
  DiffResult,
  DiffSide,
  ExchangeDetail,
  ExportWhat,
  FrameDetail,
  ListName,
  Notice,
  OpenOptions,
  PairRow,
  Source,
  TableView,
} from './shared/protocol';
import { button, download, h, replace, type Child } from './ui/dom';
import { bytes, count, octets } from './ui/format';
import { hexView } from './ui/hex';
import { comparePanel, diffView } from './views/compare';
import { anomalyView, blockView, connectionView, exchangeView, facts, frameView } from './views/detail';
import { groupedTable, wireTable, type HeaderMode } from './views/headers';
import { AnomaliesView, BlocksView, ConnectionsView, ExchangesView, FramesView } from './views/lists';
import { tableView } from './views/table';

type Tab = 'exchanges' | 'blocks' | 'frames' | 'connections' | 'anomalies' | 'compare';

const SAMPLE_URL = new URL('./samples/grpc_python.pcap', document.baseURI).href;

interface CompareSide extends DiffSide {
  label: string;
}

/** Timings of the last decode, for tests and the curious (read-only). */
export interface Timings {
  name: string;
  bytes: number;
  firstRowsMs: number | null;
  doneMs: number | null;
  exchanges: number;
  blocks: number;
  frames: number;
  profile: Record<string, number | boolean> | null;
}

export class App {
  readonly client = new WorkerClient();
  capture: Capture | null = null;
  second: Capture | null = null;
  headerMode: HeaderMode = 'wire';
  compare: { left: CompareSide | null; right: CompareSide | null } = { left: null, right: null };
  private pairs: PairRow[] | null = null;
  private diffOnlyChanges = false;
  private lastDiff: DiffResult | null = null;
  private tab: Tab = 'exchanges';
  private sessionCounter = 0;
  private protoset: { name: string; bytes: Uint8Array } | null = null;
  private source: Source | null = null;
  private detailToken = 0;
  private history: (() => void)[] = [];
  private current: (() => void) | null = null;
  private back: HTMLElement | null = null;
  private currentExchange: number | null = null;

  private readonly views = {
    exchanges: new ExchangesView(this),
    blocks: new BlocksView(this),
    frames: new FramesView(this),
    connections: new ConnectionsView(this),
    anomalies: new AnomaliesView(this),
  };

  // Layout.
  private readonly fileInput = h('input', { type: 'file', id: 'open-file', class: 'visually-hidden', aria: { label: 'Open a capture' } });
  private readonly protosetInput = h('input', { type: 'file', id: 'open-protoset', class: 'visually-hidden', aria: { label: 'Open a protoset' } });
  private readonly keylogInput = h('input', { type: 'file', id: 'open-keylog', class: 'visually-hidden', aria: { label: 'Open a TLS key log' } });
  private readonly keylogLabel = h('label', { class: 'button-like', for: 'open-keylog', tabindex: 0, hidden: true, title: 'An NSS key log (SSLKEYLOGFILE) to decrypt TLS connections' }, 'Key log…');
  private keylog: { name: string; bytes: Uint8Array } | null = null;
  private readonly status = h('div', { class: 'status', aria: { live: 'polite' } });
  private readonly progress = h('progress', { class: 'progress', aria: { label: 'Decoding progress' } });
  private readonly cancelButton = button('Cancel', () => this.cancel(), { class: 'small', hidden: true });
  private readonly tabs = h('nav', { class: 'tabs', role: 'tablist', aria: { label: 'Views' } });
  private readonly listPane = h('div', { class: 'list-pane' });
  private readonly detailPane = h('div', { class: 'detail-pane', tabindex: -1, aria: { label: 'Detail' } });
  private readonly splitter = h('div', {
    class: 'splitter',
    role: 'separator',
    tabindex: 0,
    title: 'Drag to resize (or use ← →)',
    aria: { orientation: 'vertical', label: 'Resize the list and the detail' },
  });
  private readonly main = h('main', { class: 'split welcome-mode' }, this.listPane, this.splitter, this.detailPane);
  private readonly exportMenu = h('details', { class: 'menu' });
  private readonly dropOverlay = h('div', { class: 'drop-overlay', hidden: true }, 'Drop a capture to decode it here, in this tab');
  private readonly pasteDialog = h('dialog', { class: 'paste-dialog', aria: { label: 'Paste' } });
  readonly timings: Timings = { name: '', bytes: 0, firstRowsMs: null, doneMs: null, exchanges: 0, blocks: 0, frames: 0, profile: null };

  constructor(root: HTMLElement) {
    this.client.onNotice = (n) => this.onNotice(n);
    this.fileInput.addEventListener('change', () => {
      const f = this.fileInput.files?.[0];
      if (f) this.openBlob(f, f.name);
      this.fileInput.value = '';
    });
    this.keylogInput.addEventListener('change', async () => {
      const f = this.keylogInput.files?.[0];
      this.keylogInput.value = '';
      if (!f) return;
      this.keylog = { name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) };
      if (this.source) this.open(this.source);
      else this.setStatus(`Key log ${f.name} will be used for the next capture.`);
    });
    this.keylogLabel.addEventListener('keydown', (e) => this.labelKey(e, this.keylogInput));
    this.protosetInput.addEventListener('change', async () => {
      const f = this.protosetInput.files?.[0];
      this.protosetInput.value = '';
      if (f) await this.setProtoset(f);
    });
    const header = h(
      'header',
      { class: 'top' },
      h('div', { class: 'brand' }, h('strong', null, 'h2lens'), h('span', { class: 'tagline' }, 'HTTP/2 · HPACK · gRPC')),
      h(
        'div',
        { class: 'actions' },
        h('label', { class: 'button-like primary', for: 'open-file', tabindex: 0, on: { keydown: (e) => this.labelKey(e, this.fileInput) } }, 'Open capture…'),
        this.fileInput,
        button('Load sample', () => void this.openSample(), { title: 'grpc_python.pcap: 11 gRPC calls with repeated metadata', data: { action: 'sample' } }),
        button('Paste…', () => this.openPaste(''), { title: 'Paste tap JSON, or hex of an HPACK block or of HTTP/2 frames' }),
        h('label', { class: 'button-like', for: 'open-protoset', tabindex: 0, title: 'A FileDescriptorSet (protoc --descriptor_set_out --include_imports) to decode gRPC messages by type', on: { keydown: (e) => this.labelKey(e, this.protosetInput) } }, 'Protoset…'),
        this.protosetInput,
        this.keylogLabel,
        this.keylogInput,
        this.exportMenu,
      ),
      h('div', { class: 'progress-line' }, this.status, this.progress, this.cancelButton),
    );
    this.progress.hidden = true;
    this.renderExportMenu();
    root.append(header, this.tabs, this.main, this.dropOverlay, this.pasteDialog);
    this.renderTabs();
    this.renderWelcome();
    this.installDrop();
    this.installPaste();
    this.installSplitter();
    document.addEventListener('keydown', (e) => {
      if (e.key === '/' && !isEditable(e.target)) {
        const input = this.listPane.querySelector<HTMLInputElement>('.filter-text');
        if (input) {
          e.preventDefault();
          input.focus();
        }
      }
    });
    void this.client.call<{ version: string; keylog: boolean }>({ op: 'version' }).then(
      ({ version, keylog }) => {
        document.body.dataset.engine = version;
        this.keylogLabel.hidden = !keylog;
        this.setStatus(this.capture ? null : `Ready · h2lens ${version} · decoding runs in this tab; nothing is uploaded`);
      },
      (err) => this.setStatus(`The decoder failed to start: ${String(err)}`, true),
    );
    document.body.dataset.state = 'idle';
  }

  private labelKey(e: Event, input: HTMLInputElement): void {
    const k = (e as KeyboardEvent).key;
    if (k === 'Enter' || k === ' ') {
      e.preventDefault();
      input.click();
    }
  }

  // ---- Opening inputs --------------------------------------------------------

  openBlob(blob: Blob, name: string): void {
    this.open({ kind: 'blob', blob, name });
  }

  async openSample(): Promise<void> {
    this.setStatus('Loading the sample capture…');
    try {
      const res = await fetch(SAMPLE_URL);
      if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
      this.openBlob(await res.blob(), 'grpc_python.pcap (sample)');
    } catch (err) {
      this.setStatus(`Could not load the sample: ${String(err)}`, true);
    }
  }

  private open(source: Source): void {
    if (this.capture) void this.client.call({ op: 'close', session: this.capture.id });
    this.source = source;
    const id = `s${++this.sessionCounter}`;
    const size = source.kind === 'blob' ? source.blob.size : source.bytes.length;
    this.capture = new Capture(id, source.name, size);
    Object.assign(this.timings, { name: source.name, bytes: size, firstRowsMs: null, doneMs: null, exchanges: 0, blocks: 0, frames: 0, profile: null });
    this.pairs = null;
    this.history = [];
    this.current = null;
    this.currentExchange = null;
    for (const v of Object.values(this.views)) v.reset();
    this.main.classList.remove('welcome-mode');
    replace(this.detailPane, h('p', { class: 'placeholder' }, 'Choose a row to see its detail.'));
    this.progress.hidden = false;
    this.progress.max = Math.max(1, size);
    this.progress.value = 0;
    this.cancelButton.hidden = false;
    document.body.dataset.state = 'decoding';
    document.body.dataset.session = id;
    document.title = `${source.name} · h2lens`;
    this.setStatus(`Decoding ${source.name} (${bytes(size)})…`);
    this.showTab(this.tab === 'compare' ? 'exchanges' : this.tab);
    this.renderExportMenu();
    const options: OpenOptions = {};
    if (this.protoset) options.protoset = this.protoset.bytes.slice();
    if (this.keylog) options.keylog = this.keylog.bytes.slice();
    // For measuring: localStorage['h2lens.pipeline'] = 'off' decodes in one worker.
    if (localStorage.getItem('h2lens.pipeline') === 'off') options.noPipeline = true;
    // For tests: how long the reader worker may take to start (see OpenOptions).
    const readerStart = Number(localStorage.getItem('h2lens.readerStartTimeoutMs') ?? NaN);
    if (Number.isFinite(readerStart)) options.readerStartTimeoutMs = readerStart;
    void this.client.call({ op: 'open', session: id, source, options }).catch((err) => this.setStatus(String(err), true));
  }

  openSecond(file: File): void {
    if (this.second) void this.client.call({ op: 'close', session: this.second.id });
    const id = `s${++this.sessionCounter}`;
    this.second = new Capture(id, file.name, file.size);
    this.pairs = null;
    this.renderCompare();
    void this.client.call({ op: 'open', session: id, source: { kind: 'blob', blob: file, name: file.name }, options: {} });
  }

  private async setProtoset(f: File): Promise<void> {
    this.protoset = { name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) };
    if (this.source) {
      this.setStatus(`Decoding again with ${f.name}…`);
      this.open(this.source);
    } else {
      this.setStatus(`Protoset ${f.name} will be used for the next capture.`);
    }
  }

  private cancel(): void {
    if (this.capture) void this.client.call({ op: 'cancel', session: this.capture.id });
  }

  // ---- Worker notices ------------------------------------------------------------

  private onNotice(n: Notice): void {
    switch (n.ev) {
      case 'batch': {
        const c = this.find(n.batch.session);
        if (!c) return;
        const newConns = n.batch.connections.some((r) => !c.connections.has(r.conn));
        c.apply(n.batch);
        if (c === this.capture) {
          if (this.timings.firstRowsMs === null && c.firstRowsAt !== null) this.timings.firstRowsMs = c.firstRowsAt;
          this.timings.exchanges = c.exchanges.length;
          this.timings.blocks = c.blocks.length;
          this.timings.frames = c.frames.length;
          for (const v of Object.values(this.views)) v.refresh();
          if (newConns) this.views.frames.connectionsChanged();
          this.renderTabs();
        }
        break;
      }
      case 'progress': {
        const c = this.find(n.progress.session);
        if (!c) return;
        c.progress = n.progress;
        if (c === this.capture && !c.done) {
          this.progress.value = n.progress.bytes;
          const rate = n.progress.elapsed > 0 ? n.progress.bytes / (n.progress.elapsed / 1000) : 0;
          this.setStatus(
            `Decoding ${c.name}: ${bytes(n.progress.bytes)} of ${bytes(n.progress.total)} · ${(n.progress.elapsed / 1000).toFixed(1)} s${rate ? ` · ${bytes(rate)}/s` : ''}`,
          );
        } else if (c === this.capture) {
          this.progress.value = n.progress.bytes;
        }
        break;
      }
      case 'done': {
        const c = this.find(n.done.session);
        if (!c) return;
        c.done = n.done;
        if (c === this.capture) this.finished(c);
        else if (c === this.second) void this.pair();
        break;
      }
    }
  }

  private find(session: string): Capture | null {
    if (this.capture?.id === session) return this.capture;
    if (this.second?.id === session) return this.second;
    return null;
  }

  private finished(c: Capture): void {
    const d = c.done!;
    this.timings.doneMs = performance.now() - c.openedAt;
    this.timings.profile = d.profile;
    this.progress.value = this.progress.max;
    this.cancelButton.hidden = true;
    document.body.dataset.state = d.error ? 'error' : d.cancelled ? 'cancelled' : 'done';
    for (const v of Object.values(this.views)) v.finished();
    this.renderTabs();
    this.renderExportMenu();
    const s = d.summary;
    const format = typeof d.input?.format === 'string' ? d.input.format.replaceAll('_', ' ') : s?.format ?? '';
    const parts = [
      `${c.name}`,
      format,
      bytes(c.size),
      `${count(c.exchanges.length)} exchanges`,
      `${count(c.blocks.length)} header blocks`,
      s ? `${s.diagnostics.errors} errors, ${s.diagnostics.warnings} warnings` : '',
      `decoded in ${(d.elapsed / 1000).toFixed(2)} s`,
      this.protoset ? `messages by ${this.protoset.name}` : '',
      this.keylog ? `TLS keys from ${this.keylog.name}` : '',
    ].filter(Boolean);
    if (d.error) this.setStatus(`Decoding stopped: ${d.error}`, true);
    else if (d.cancelled) this.setStatus(`Cancelled: partial results · ${parts.join(' · ')}`, true);
    else this.setStatus(parts.join(' · '));
    if (d.input?.carries === 'decoded_headers' && d.input.fidelity && typeof d.input.fidelity === 'object') {
      const statement = (d.input.fidelity as { statement?: string }).statement;
      if (statement && !this.current) replace(this.detailPane, h('p', { class: 'note' }, statement));
    }
    if (c.exchanges.length === 0 && c.blocks.length > 0 && this.tab === 'exchanges') this.showTab('blocks');
  }

  private setStatus(text: string | null, warn = false): void {
    if (text === null) return;
    this.status.textContent = text;
    this.status.classList.toggle('warn', warn);
  }

  // ---- Tabs -------------------------------------------------------------------------

  private renderTabs(): void {
    const c = this.capture;
    const tab = (id: Tab, label: string, n: number | null) =>
      h(
        'button',
        {
          type: 'button',
          role: 'tab',
          class: `tab${this.tab === id ? ' on' : ''}`,
          aria: { selected: String(this.tab === id) },
          tabindex: this.tab === id ? 0 : -1,
          data: { tab: id },
          on: {
            click: () => this.showTab(id),
            keydown: (e) => this.tabKey(e as KeyboardEvent),
          },
        },
        label,
        n === null ? null : h('span', { class: 'count' }, count(n)),
      );
    const hadFocus = document.activeElement?.closest('.tabs') === this.tabs;
    replace(
      this.tabs,
      tab('exchanges', 'Exchanges', c ? c.exchanges.length : null),
      tab('blocks', 'Header blocks', c ? c.blocks.length : null),
      tab('frames', 'Frames', c ? c.frames.length : null),
      tab('connections', 'Connections', c ? c.connections.size : null),
      tab('anomalies', 'Anomalies', c ? c.anomalies.length : null),
      tab('compare', 'Compare', null),
    );
    if (hadFocus) this.tabs.querySelector<HTMLElement>('.tab.on')?.focus();
  }

  private tabKey(e: KeyboardEvent): void {
    const order: Tab[] = ['exchanges', 'blocks', 'frames', 'connections', 'anomalies', 'compare'];
    const at = order.indexOf(this.tab);
    if (e.key === 'ArrowRight') this.showTab(order[(at + 1) % order.length]!);
    else if (e.key === 'ArrowLeft') this.showTab(order[(at + order.length - 1) % order.length]!);
    else return;
    e.preventDefault();
    this.tabs.querySelector<HTMLElement>('.tab.on')?.focus();
  }

  showTab(tab: Tab): void {
    this.tab = tab;
    this.main.classList.toggle('compare-mode', tab === 'compare');
    this.renderTabs();
    if (!this.capture && tab !== 'compare') {
      this.renderWelcome();
      return;
    }
    this.main.classList.remove('welcome-mode');
    if (tab === 'compare') {
      this.renderCompare();
      return;
    }
    const view = this.views[tab];
    if (tab === 'frames') view.renderBar();
    view.refresh();
    replace(this.listPane, view.el);
    view.table.render();
  }

  listConn(list: Exclude<ListName, 'anomalies'>, conn: number): void {
    this.showTab(list);
    this.views[list].setFilter({ conn });
  }

  private renderWelcome(): void {
    this.main.classList.add('welcome-mode');
    replace(
      this.listPane,
      h(
        'section',
        { class: 'welcome' },
        h('h1', null, 'See what HTTP/2 and gRPC really put on the wire'),
        h(
          'p',
          { class: 'promise' },
          'Your capture never leaves this machine: it is decoded here, in this browser tab, by WebAssembly. Nothing is uploaded.',
        ),
        h(
          'div',
          { class: 'drop-zone' },
          h('p', null, 'Drop a pcap, pcapng, linkerd/Envoy tap file or raw HTTP/2 bytes here, or'),
          h(
            'div',
            { class: 'toolbar center' },
            h('label', { class: 'button-like primary', for: 'open-file' }, 'Open a capture…'),
            button('Load the sample capture', () => void this.openSample(), { class: 'primary-outline', data: { action: 'sample-welcome' } }),
            button('Paste…', () => this.openPaste('')),
          ),
          h(
            'p',
            { class: 'hint' },
            'The sample is a gRPC conversation whose requests repeat metadata (actorscopes ×3, roles ×2): see each header as sent, how HPACK encoded it, and the grouped view gRPC gives applications.',
          ),
        ),
        h(
          'ul',
          { class: 'features' },
          h('li', null, 'Every header: value, representation, Huffman, the table index it used and what that pointed to.'),
          h('li', null, 'The HPACK dynamic table before any header block, with inserts and evictions.'),
          h('li', null, 'gRPC calls: status, metadata in wire order and grouped, messages as protobuf trees.'),
          h('li', null, 'Frames with their bytes; anomalies in plain words; compare two exchanges across a proxy.'),
        ),
      ),
    );
    replace(this.detailPane);
  }

  // ---- Detail pane ----------------------------------------------------------------------

  private async showDetail(render: (token: number) => Promise<HTMLElement | null>, remember: () => void): Promise<void> {
    const token = ++this.detailToken;
    if (this.current && this.current !== remember) this.history.push(this.current);
    if (this.history.length > 50) this.history.shift();
    this.current = remember;
    try {
      const el = await render(token);
      if (token !== this.detailToken || !el) return;
      const back =
        this.history.length > 0
          ? button('← Back', () => {
              const prev = this.history.pop();
              if (prev) {
                this.current = null;
                prev();
              }
            }, { class: 'small back' })
          : null;
      this.back = back;
      const scroll = this.detailPane.scrollTop;
      const same = this.detailPane.dataset.shown === el.dataset.kind;
      this.setDetail(el);
      this.detailPane.scrollTop = same ? scroll : 0;
    } catch (err) {
      if (token === this.detailToken) replace(this.detailPane, h('p', { class: 'note warn' }, String(err)));
    }
  }

  /** Shows `el` in the detail pane (after the Back button, if any). */
  private setDetail(el: HTMLElement): void {
    const scroll = this.detailPane.scrollTop;
    replace(this.detailPane, this.back, el);
    this.detailPane.dataset.shown = el.dataset.kind ?? '';
    this.detailPane.scrollTop = scroll;
  }

  showExchange(i: number): void {
    const session = this.capture?.id;
    if (!session) return;
    this.currentExchange = i;
    this.renderExportMenu();
    const again = () => this.showExchange(i);
    void this.showDetail(async () => {
      const d = await this.client.call<ExchangeDetail>({ op: 'exchange', session, index: i });
      const rerender = () => this.setDetail(exchangeView(this, d, rerender));
      return exchangeView(this, d, rerender);
    }, again);
  }

  showBlock(i: number): void {
    const session = this.capture?.id;
    if (!session) return;
    const again = () => this.showBlock(i);
    void this.showDetail(async () => {
      const d = await this.client.call<BlockDetail>({ op: 'block', session, index: i });
      const rerender = () => this.setDetail(blockView(this, d, rerender));
      return blockView(this, d, rerender);
    }, again);
  }

  showFrame(i: number): void {
    const session = this.capture?.id;
    if (!session) return;
    void this.showDetail(async () => {
      const d = await this.client.call<FrameDetail>({ op: 'frame', session, index: i });
      return frameView(this, d);
    }, () => this.showFrame(i));
  }

  showTable(block: number, dir: number): void {
    const session = this.capture?.id;
    if (!session) return;
    void this.showDetail(async () => {
      const t = await this.client.call<TableView>({ op: 'table', session, block, dir });
      return tableView(this, t);
    }, () => this.showTable(block, dir));
  }

  showConnection(conn: number): void {
    void this.showDetail(async () => connectionView(this, conn), () => this.showConnection(conn));
  }

  showAnomaly(i: number): void {
    const session = this.capture?.id;
    if (!session) return;
    void this.showDetail(async () => {
      const where = await this.client.call<{ exchange: number | null; block: number | null; frame: number | null }>({
        op: 'locate',
        session,
        index: i,
      });
      return anomalyView(this, i, where);
    }, () => this.showAnomaly(i));
  }

  // ---- Compare -------------------------------------------------------------------------------

  setCompare(which: 'left' | 'right', side: DiffSide): void {
    const c = this.find(side.session);
    let label = '';
    if (c && side.kind === 'exchange') {
      const r = c.exchanges[side.index];
      label = `${c.name}: ${r?.method ?? ''} ${r?.path ?? ''}${r?.conn === null || r === undefined ? '' : ` (conn ${r.conn}, stream ${r.stream})`}`;
    } else if (c) {
      label = `${c.name}: header block ${side.index + 1} in capture order (conn ${c.blocks.conn.get(side.index)}, stream ${c.blocks.stream.get(side.index)})`;
    }
    this.compare[which] = { ...side, label };
    this.setStatus(`${which === 'left' ? 'Left' : 'Right'} side of the comparison: ${label}`);
    if (this.compare.left && this.compare.right) void this.runCompare();
    else if (this.tab === 'compare') this.renderCompare();
  }

  swapCompare(): void {
    this.compare = { left: this.compare.right, right: this.compare.left };
    if (this.compare.left && this.compare.right) void this.runCompare();
    else this.renderCompare();
  }

  async runCompare(): Promise<void> {
    const { left, right } = this.compare;
    if (!left || !right) return;
    this.showTab('compare');
    const render = () => {
      if (!this.lastDiff) return h('p');
      return diffView(this.lastDiff, this.diffOnlyChanges, () => {
        this.diffOnlyChanges = !this.diffOnlyChanges;
        this.setDetail(render());
      });
    };
    void this.showDetail(async () => {
      this.lastDiff = await this.client.call<DiffResult>({ op: 'diff', left, right });
      return render();
    }, () => void this.runCompare());
  }

  comparePair(p: PairRow): void {
    if (!this.capture || !this.second || p.left === null || p.right === null) return;
    this.compare.left = { session: this.capture.id, kind: 'exchange', index: p.left, label: `${this.capture.name}: ${p.leftLabel}` };
    this.compare.right = { session: this.second.id, kind: 'exchange', index: p.right, label: `${this.second.name}: ${p.rightLabel}` };
    void this.runCompare();
  }

  private async pair(): Promise<void> {
    if (!this.capture || !this.second) return;
    try {
      this.pairs = await this.client.call<PairRow[]>({ op: 'pair', left: this.capture.id, right: this.second.id });
    } catch (err) {
      this.setStatus(`Pairing failed: ${String(err)}`, true);
    }
    if (this.tab === 'compare') this.renderCompare();
  }

  private renderCompare(): void {
    replace(this.listPane, comparePanel(this, this.pairs));
  }

  // ---- Export ------------------------------------------------------------------------------------

  private renderExportMenu(): void {
    const c = this.capture;
    const ready = c?.done && !c.done.error;
    const ex = this.currentExchange;
    const item = (label: string, what: ExportWhat, enabled: boolean) =>
      button(label, () => {
        this.exportMenu.open = false;
        void this.exportWhat(what, ex);
      }, { class: 'menu-item', disabled: !enabled, data: { export: what } });
    replace(
      this.exportMenu,
      h('summary', { class: 'button-like' }, 'Export'),
      h(
        'div',
        { class: 'menu-items' },
        item('This exchange as JSON', 'exchange-json', !!ready && ex !== null),
        item('This exchange as HAR', 'exchange-har', !!ready && ex !== null && c?.exchanges[ex]?.tap === false),
        item('Everything as JSON Lines', 'all-json', !!ready),
        item('Everything as HAR 1.2', 'all-har', !!ready && (c?.exchanges.length ?? 0) > 0),
      ),
    );
  }

  async exportWhat(what: ExportWhat, exchange: number | null): Promise<void> {
    const c = this.capture;
    if (!c) return;
    const base = c.name.replace(/\s*\(sample\)$/, '').replace(/\.[^.]+$/, '');
    const names: Record<ExportWhat, string> = {
      'all-json': `${base}.h2lens.jsonl`,
      'all-har': `${base}.har`,
      'exchange-json': `${base}.exchange-${(exchange ?? 0) + 1}.jsonl`,
      'exchange-har': `${base}.exchange-${(exchange ?? 0) + 1}.har`,
    };
    this.setStatus(`Exporting ${names[what]}…`);
    try {
      const blob = await this.client.call<Blob>({ op: 'export', session: c.id, what, exchange: exchange ?? undefined });
      download(blob, names[what]);
      this.setStatus(`Saved ${names[what]} (${bytes(blob.size)})`);
    } catch (err) {
      this.setStatus(`Export failed: ${String(err)}`, true);
    }
  }

  private installSplitter(): void {
    const set = (px: number) => {
      const width = this.main.clientWidth;
      const clamped = Math.max(280, Math.min(width - 320, px));
      this.main.style.setProperty('--list-width', `${clamped}px`);
      for (const v of Object.values(this.views)) v.table.schedule();
    };
    this.splitter.addEventListener('pointerdown', (e) => {
      this.splitter.setPointerCapture(e.pointerId);
      const move = (ev: PointerEvent) => set(ev.clientX - this.main.getBoundingClientRect().left);
      const up = () => {
        this.splitter.removeEventListener('pointermove', move);
        this.splitter.removeEventListener('pointerup', up);
      };
      this.splitter.addEventListener('pointermove', move);
      this.splitter.addEventListener('pointerup', up);
    });
    this.splitter.addEventListener('keydown', (e) => {
      const step = e.key === 'ArrowLeft' ? -40 : e.key === 'ArrowRight' ? 40 : 0;
      if (!step) return;
      e.preventDefault();
      set(this.listPane.getBoundingClientRect().width + step);
    });
  }

  // ---- Drop and paste ---------------------------------------------------------------------------

  private installDrop(): void {
    let depth = 0;
    const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
    window.addEventListener('dragenter', (e) => {
      if (!hasFiles(e)) return;
      depth++;
      this.dropOverlay.hidden = false;
    });
    window.addEventListener('dragleave', () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) this.dropOverlay.hidden = true;
    });
    window.addEventListener('dragover', (e) => {
      if (hasFiles(e)) e.preventDefault();
    });
    window.addEventListener('drop', (e) => {
      e.preventDefault();
      depth = 0;
      this.dropOverlay.hidden = true;
      const f = e.dataTransfer?.files?.[0];
      if (f) this.openBlob(f, f.name);
    });
  }

  private installPaste(): void {
    document.addEventListener('paste', (e) => {
      if (isEditable(e.target) || this.pasteDialog.open) return;
      const text = e.clipboardData?.getData('text/plain') ?? '';
      if (text.trim() === '') return;
      e.preventDefault();
      this.openPaste(text);
    });
  }

  openPaste(text: string): void {
    const area = h('textarea', {
      class: 'paste-text mono',
      placeholder: 'linkerd tap -o json output, an Envoy tap trace, hex of an HPACK header block (82 86 84 41 8a …), or hex of HTTP/2 frames',
      aria: { label: 'Pasted text' },
    });
    area.value = text;
    const mode = h(
      'select',
      { aria: { label: 'What the text is' } },
      [
        ['auto', 'Recognise it'],
        ['text', 'Tap JSON (linkerd, Envoy)'],
        ['hpack', 'Hex: one HPACK header block'],
        ['frames', 'Hex: HTTP/2 frames (raw HTTP/2)'],
      ].map(([v, l]) => h('option', { value: v! }, l!)),
    );
    const error = h('p', { class: 'warn', role: 'alert' });
    const decode = () => {
      try {
        this.decodePasted(area.value, mode.value);
        this.pasteDialog.close();
      } catch (err) {
        error.textContent = err instanceof Error ? err.message : String(err);
      }
    };
    replace(
      this.pasteDialog,
      h(
        'form',
        { on: { submit: (e) => { e.preventDefault(); decode(); } } },
        h('h2', null, 'Paste'),
        area,
        h('div', { class: 'toolbar' }, mode, h('span', { class: 'spacer' }), button('Cancel', () => this.pasteDialog.close()), h('button', { type: 'submit', class: 'primary' }, 'Decode')),
        error,
      ),
    );
    this.pasteDialog.showModal();
    area.focus();
  }

  private decodePasted(text: string, mode: string): void {
    const trimmed = text.trim();
    if (trimmed === '') throw new Error('Nothing to decode.');
    let kind = mode;
    if (kind === 'auto') {
      if (/^[[{]/.test(trimmed)) kind = 'text';
      else {
        const bytesIn = hexBytes(trimmed);
        kind = looksLikeFrames(bytesIn) ? 'frames' : 'hpack';
      }
    }
    if (kind === 'text') {
      this.open({ kind: 'bytes', bytes: new TextEncoder().encode(trimmed), name: 'pasted tap text' });
    } else if (kind === 'frames') {
      this.open({ kind: 'bytes', bytes: hexBytes(trimmed), name: 'pasted HTTP/2 frames', format: 'http2' });
    } else {
      hexBytes(trimmed); // throws a plain-words error on bad hex
      void this.showHpack(trimmed);
    }
  }

  private async showHpack(hex: string): Promise<void> {
    void this.showDetail(async () => {
      const r = await this.client.call<{ bytes: Uint8Array; block: HpackResult; metadata: Metadata | null }>({ op: 'hpack', hex });
      return hpackView(this, r.bytes, r.block, r.metadata, () => void this.showHpack(hex));
    }, () => void this.showHpack(hex));
    if (!this.capture) this.main.classList.remove('welcome-mode');
  }
}

/** What `hpackDecode` returns: the HPACK part of a header-block event. */
interface HpackResult {
  block: number;
  fields: Field[];
  table_events?: TableEvent[];
  error?: { message?: string };
  diagnostics?: { message: string }[];
  table: { entries: number; size: number; max_size: number };
}

function hpackView(app: App, data: Uint8Array, r: HpackResult, md: Metadata | null, rerender: () => void): HTMLElement {
  const asEvent = { ...r, dir: 'client_to_server', fields: r.fields } as unknown as HeaderBlockEvent;
  const inserted = (r.table_events ?? []).filter((t) => t.kind === 'inserted') as Extract<TableEvent, { kind: 'inserted' }>[];
  const modeButtons = (['wire', 'grouped'] as const).map((m) =>
    button(m === 'wire' ? 'Wire order' : 'Grouped metadata', () => {
      app.headerMode = m;
      rerender();
    }, { class: `seg${app.headerMode === m ? ' on' : ''}`, aria: { pressed: String(app.headerMode === m) } }),
  );
  const fields = r.fields.map((f, k) => ({ label: `#${k} ${octets(f.name)}: ${octets(f.value)}`, start: f.span.start, end: f.span.end, level: 1 }));
  const body: Child[] = [
    h(
      'header',
      { class: 'detail-head' },
      h('h2', null, 'HPACK header block (pasted)'),
      facts([
        ['Size', `${data.length} bytes, ${r.fields.length} fields`],
        ['Decoder', 'a fresh decoder: an empty dynamic table, 4096 bytes (RFC 7541 §4.2)'],
        ['Error', r.error ? h('span', { class: 'status-bad' }, r.error.message ?? JSON.stringify(r.error)) : ''],
        ['Table after', `${r.table.entries} entries, ${r.table.size} of ${r.table.max_size} bytes`],
      ]),
      h('div', { class: 'toolbar' }, h('div', { class: 'segmented', role: 'group' }, modeButtons)),
    ),
    h('section', { class: 'detail-section headers-section' }, h('h3', null, 'Fields'), app.headerMode === 'grouped' && md ? groupedTable(md) : wireTable(asEvent, md)),
  ];
  if (inserted.length > 0) {
    body.push(
      h(
        'section',
        { class: 'detail-section' },
        h('h3', null, 'Dynamic table after the block'),
        h(
          'table',
          { class: 'fields dyn-table' },
          h('thead', null, h('tr', null, h('th', { class: 'num' }, 'Index'), h('th', null, 'Name'), h('th', null, 'Value'), h('th', { class: 'num' }, 'Size'))),
          h(
            'tbody',
            null,
            inserted
              .slice()
              .reverse()
              .map((t, k) => {
                const f = r.fields[t.field];
                return h('tr', { class: 'mark-inserted' }, h('td', { class: 'num' }, String(62 + k)), h('td', { class: 'mono' }, octets(f?.name as Octets)), h('td', { class: 'mono' }, octets(f?.value as Octets)), h('td', { class: 'num' }, String(t.size)));
              }),
          ),
        ),
      ),
    );
  }
  for (const d of r.diagnostics ?? []) body.push(h('p', { class: 'note warn' }, d.message));
  body.push(h('section', { class: 'detail-section' }, h('h3', null, 'Bytes'), hexView(data, fields, null)));
  return h('article', { class: 'detail', data: { kind: 'hpack' } }, body);
}

function isEditable(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

/** Bytes from hex text (spaces, `0x`, `\x`, colons and commas ignored). */
export function hexBytes(text: string): Uint8Array {
  const clean = text.replace(/0x|\\x/gi, '').replace(/[\s:,]/g, '');
  if (!/^[0-9a-f]*$/i.test(clean)) throw new Error('That is not hex: use the digits 0-9 and a-f (spaces and 0x are fine).');
  if (clean.length % 2 !== 0) throw new Error('Odd number of hex digits: a byte is two digits.');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

/**
 * A guess for pasted hex: the client preface, or a chain of frame headers
 * (RFC 9113 §4.1) whose lengths cover the bytes exactly. Anything else is
 * taken for an HPACK block; the paste dialog lets the user say otherwise.
 */
function looksLikeFrames(b: Uint8Array): boolean {
  if (b.length >= PREFACE.length && new TextDecoder().decode(b.subarray(0, PREFACE.length)) === PREFACE) return true;
  let at = 0;
  let frames = 0;
  while (at + 9 <= b.length) {
    const len = (b[at]! << 16) | (b[at + 1]! << 8) | b[at + 2]!;
    if (b[at + 3]! > 0x10) return false;
    at += 9 + len;
    frames++;
  }
  return frames > 0 && at === b.length;
}
