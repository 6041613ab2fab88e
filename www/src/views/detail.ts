// The detail pane: one exchange, header block, frame, connection or
// anomaly, fetched from the worker by index.

import type { App } from '../app';
import type { AnyEvent, DiagnosticEvent, HeaderBlockEvent, TableEvent } from '../engine/schema';
import type { BlockDetail, ExchangeDetail, FrameDetail, HeaderSection } from '../shared/protocol';
import { button, h, type Child } from '../ui/dom';
import { bytes, count, dirWords, flagNames, ms, octets, rel, spacedHex } from '../ui/format';
import { hexView } from '../ui/hex';
import { groupedTable, plainTable, wireTable, type HeaderMode } from './headers';
import { messageView } from './proto';
import { FRAME_TYPE_NAMES } from '../shared/frametypes';

export function facts(items: [string, Child][]): HTMLElement {
  return h(
    'dl',
    { class: 'facts' },
    items.filter(([, v]) => v !== '' && v !== null && v !== undefined).map(([k, v]) => [h('dt', null, k), h('dd', null, v)]),
  );
}

function diagList(diags: AnyEvent[]): HTMLElement | null {
  if (diags.length === 0) return null;
  return h(
    'section',
    { class: 'detail-section' },
    h('h3', null, `Anomalies (${diags.length})`),
    h(
      'ul',
      { class: 'diag-list' },
      diags.map((e) => {
        const d = e as unknown as DiagnosticEvent;
        return h(
          'li',
          { class: `sev-${d.severity}` },
          h('span', { class: 'sev' }, d.severity),
          ' ',
          d.message,
          ' ',
          h('span', { class: 'dim' }, `${d.code}${d.rfc ? ` · ${d.rfc}` : ''}`),
        );
      }),
    ),
  );
}

function modeSwitch(app: App, onChange: () => void): HTMLElement {
  const make = (mode: HeaderMode, label: string) =>
    button(
      label,
      () => {
        app.headerMode = mode;
        onChange();
      },
      {
        class: `seg${app.headerMode === mode ? ' on' : ''}`,
        aria: { pressed: String(app.headerMode === mode) },
        data: { mode },
      },
    );
  return h(
    'div',
    { class: 'segmented', role: 'group', aria: { label: 'Header view' } },
    make('wire', 'Wire order'),
    make('grouped', 'Grouped metadata'),
  );
}

function sectionView(app: App, s: HeaderSection, carries: string): HTMLElement {
  const ev = s.event;
  const meta: Child[] = [];
  if (ev) {
    meta.push(
      `block ${ev.id} · ${ev.fields.length} fields · ${blockBytes(ev)} bytes`,
      ev.continuation_frames > 0 ? ` · ${ev.continuation_frames} CONTINUATION` : '',
      ev.table_state.state !== 'synced' ? h('span', { class: 'warn' }, ` · table ${ev.table_state.state.replaceAll('_', ' ')}`) : '',
    );
  } else {
    meta.push(`${s.headers.length} headers`);
  }
  const actions: Child[] = [];
  if (s.block !== null && ev) {
    actions.push(
      button('Dynamic table', () => app.showTable(s.block!, ev.dir === 'client_to_server' ? 0 : 1), {
        class: 'small',
        title: 'The HPACK dynamic table of this direction as it stood before this block',
      }),
      button('Block detail', () => app.showBlock(s.block!), { class: 'small' }),
    );
  }
  let body: HTMLElement;
  if (app.headerMode === 'grouped' && s.metadata) body = groupedTable(s.metadata);
  else if (ev) body = wireTable(ev, s.metadata);
  else {
    body = plainTable(s.headers, s.metadata);
    if (carries === 'decoded_headers' && app.headerMode === 'wire') {
      body = h('div', null, h('p', { class: 'note' }, 'This input carries headers as the proxy decoded them: no HPACK encoding detail.'), body);
    }
  }
  return h(
    'section',
    { class: 'detail-section headers-section', data: { role: s.role } },
    h('h3', null, s.title, ' ', h('span', { class: 'dim small-text' }, meta), h('span', { class: 'actions' }, actions)),
    body,
  );
}

function blockBytes(ev: HeaderBlockEvent): number {
  return ev.fragments.reduce((n, f) => n + f.end - f.start, 0);
}

export function exchangeView(app: App, d: ExchangeDetail, rerender: () => void): HTMLElement {
  const r = d.row;
  const call = d.call;
  const title = `${r.method || '(no method)'} ${r.path || '(no path)'}`;
  const grpcStatus =
    r.grpcCode >= 0 ? `${r.grpcName || 'code'} (${r.grpcCode})` : r.isGrpc ? 'none (no grpc-status seen)' : '';
  const message = call?.message?.display ? call.message.display : '';
  const tap = r.tap ? (d.event as unknown as { tool?: string; proxy_direction?: string; source?: Peer; destination?: Peer }) : null;
  const head = h(
    'header',
    { class: 'detail-head' },
    h('h2', { class: 'mono' }, title),
    facts([
      ['gRPC', call?.service ? `${call.service} / ${call.method}` : ''],
      ['gRPC status', grpcStatus],
      ['gRPC message', message],
      ['HTTP status', r.status >= 0 ? String(r.status) : 'none'],
      ['Where', r.conn === null ? `${tap?.tool ?? ''} tap${tap?.proxy_direction ? `, ${tap.proxy_direction.toLowerCase()}` : ''}` : `connection ${r.conn}, stream ${r.stream}`],
      ['From', tap?.source ? peer(tap.source) : ''],
      ['To', tap?.destination ? peer(tap.destination) : ''],
      ['Authority', r.authority],
      ['State', r.state],
      ['Duration', ms(r.duration)],
      ['Sent / received', `${bytes(r.reqBytes)} / ${bytes(r.respBytes)}`],
      ['Anomalies', r.anomalies > 0 ? String(r.anomalies) : ''],
    ]),
    h(
      'div',
      { class: 'toolbar' },
      modeSwitch(app, rerender),
      h('span', { class: 'spacer' }),
      button('Compare: left', () => app.setCompare('left', { session: app.capture!.id, kind: 'exchange', index: r.i }), {
        class: 'small',
        title: 'Use this exchange as the left side of a comparison',
        data: { compare: 'left' },
      }),
      button('right', () => app.setCompare('right', { session: app.capture!.id, kind: 'exchange', index: r.i }), {
        class: 'small',
        title: 'Use this exchange as the right side of a comparison',
        data: { compare: 'right' },
      }),
      button('JSON', () => app.exportWhat('exchange-json', r.i), { class: 'small', title: 'Export this exchange as JSON Lines (the h2lens schema)' }),
      button('HAR', () => app.exportWhat('exchange-har', r.i), { class: 'small', title: 'Export this exchange as HAR 1.2', disabled: r.tap }),
    ),
  );
  const sections = d.sections.map((s) => sectionView(app, s, d.carries));
  const messages: Child[] = [];
  if (call) {
    for (const m of call.request_messages ?? []) messages.push(messageView(m, 'Request'));
    for (const m of call.response_messages ?? []) messages.push(messageView(m, 'Response'));
  }
  const frames =
    d.frames.length === 0
      ? null
      : h(
          'section',
          { class: 'detail-section' },
          h('h3', null, `Frames of stream ${r.stream} (${d.frames.length})`),
          frameList(app, d.frames),
        );
  return h(
    'article',
    { class: 'detail', data: { kind: 'exchange' } },
    head,
    sections,
    messages.length > 0 ? h('section', { class: 'detail-section' }, h('h3', null, `gRPC messages (${messages.length})`), messages) : null,
    diagList(d.diagnostics),
    frames,
  );
}

interface Peer {
  ip?: string;
  port?: number;
  labels?: [string, string][];
}

function peer(p: Peer): string {
  const where = `${p.ip ?? '?'}${p.port !== undefined ? `:${p.port}` : ''}`;
  const labels = (p.labels ?? []).filter(([k]) => ['namespace', 'deployment', 'pod', 'service'].includes(k));
  return labels.length ? `${where} (${labels.map(([k, v]) => `${k} ${v}`).join(', ')})` : where;
}

function frameList(app: App, frames: number[]): HTMLElement {
  const c = app.capture!;
  const shown = frames.slice(0, 500);
  const list = h(
    'table',
    { class: 'mini' },
    h('thead', null, h('tr', null, ['Time', 'Dir', 'Frame', 'Type', 'Flags', 'Length'].map((t) => h('th', null, t)))),
    h(
      'tbody',
      null,
      shown.map((i) => {
        const f = c.frames;
        const type = frameTypeName(f.type.get(i));
        return h(
          'tr',
          { class: 'clickable', tabindex: 0, on: { click: () => app.showFrame(i), keydown: (e) => (e as KeyboardEvent).key === 'Enter' && app.showFrame(i) } },
          h('td', { class: 'num' }, rel(f.ts.get(i), c.start)),
          h('td', null, f.dir.get(i) ? 's→c' : 'c→s'),
          h('td', { class: 'num' }, String(f.index.get(i))),
          h('td', null, type),
          h('td', null, flagNames(type, f.flags.get(i))),
          h('td', { class: 'num' }, String(f.length_.get(i))),
        );
      }),
    ),
  );
  return frames.length > shown.length ? h('div', null, list, h('p', { class: 'note' }, `${frames.length - shown.length} more in the Frames tab.`)) : list;
}

function frameTypeName(code: number): string {
  return FRAME_TYPE_NAMES[code] ?? `0x${code.toString(16)}`;
}

function tableEventText(te: TableEvent, ev: HeaderBlockEvent): string {
  switch (te.kind) {
    case 'size_update':
      return `size update: maximum ${te.max_size} bytes (bytes ${te.span.start}–${te.span.end})`;
    case 'inserted': {
      const f = ev.fields[te.field];
      return `inserted entry #${te.entry} from field ${te.field} (${octets(f?.name)}: ${octets(f?.value)}), ${te.size} bytes`;
    }
    case 'evicted':
      return `evicted ${te.entry === undefined ? 'an entry from before the capture' : `entry #${te.entry}`} (${octets(te.name)}: ${octets(te.value)}), ${te.size} bytes${te.inserted_in_block === undefined ? '' : `, inserted by block ${te.inserted_in_block}`}`;
  }
}

export function blockView(app: App, d: BlockDetail, rerender: () => void): HTMLElement {
  const ev = d.event;
  const dir = ev.dir === 'client_to_server' ? 0 : 1;
  const state = ev.table_state;
  const stateText =
    state.state === 'synced'
      ? 'synced: every entry known'
      : state.state === 'partly_unknown'
        ? `partly unknown: entries inserted before ${state.cause === 'gap' ? 'a gap in the capture' : 'the capture began'} are not known`
        : `desynchronised since block ${state.since_block}: values may be wrong`;
  const head = h(
    'header',
    { class: 'detail-head' },
    h('h2', null, `Header block ${ev.id} · ${ev.role.replaceAll('_', ' ')}`),
    facts([
      ['Where', `connection ${ev.conn}, ${dirWords(ev.dir)}, stream ${ev.stream_id}`],
      ['Frames', `${ev.type}${ev.continuation_frames ? ` + ${ev.continuation_frames} CONTINUATION` : ''} (frame ${ev.frames.join(', ')})`],
      ['Packet', ev.packets.join(', ')],
      ['Size', `${blockBytes(ev)} bytes, ${ev.fields.length} fields`],
      ['Flags', [ev.end_stream ? 'END_STREAM' : '', ev.end_headers ? 'END_HEADERS' : 'no END_HEADERS (cut short)', ev.padded ? 'PADDED' : ''].filter(Boolean).join(' ')],
      ['HPACK block', `${ev.block} of this direction`],
      ['Dynamic table', h('span', { class: state.state === 'synced' ? '' : 'warn' }, stateText)],
      ['Table after', `${ev.table.entries} entries, ${ev.table.size} of ${ev.table.max_size} bytes`],
      ['Error', ev.error ? h('span', { class: 'status-bad' }, String((ev.error as { message?: string }).message ?? JSON.stringify(ev.error))) : ''],
    ]),
    h(
      'div',
      { class: 'toolbar' },
      modeSwitch(app, rerender),
      h('span', { class: 'spacer' }),
      button('Dynamic table before this block', () => app.showTable(d.index, dir), { class: 'small' }),
      button(`Other direction's table`, () => app.showTable(d.index, 1 - dir), { class: 'small' }),
      d.exchange !== null ? button('Exchange', () => app.showExchange(d.exchange!), { class: 'small' }) : null,
      button('Compare: left', () => app.setCompare('left', { session: app.capture!.id, kind: 'block', index: d.index }), { class: 'small', data: { compare: 'left' } }),
      button('right', () => app.setCompare('right', { session: app.capture!.id, kind: 'block', index: d.index }), { class: 'small', data: { compare: 'right' } }),
    ),
  );
  const body =
    app.headerMode === 'grouped' && d.metadata ? groupedTable(d.metadata) : wireTable(ev, d.metadata);
  const events = ev.table_events ?? [];
  return h(
    'article',
    { class: 'detail', data: { kind: 'block' } },
    head,
    h('section', { class: 'detail-section headers-section' }, h('h3', null, 'Fields'), body),
    events.length > 0
      ? h('section', { class: 'detail-section' }, h('h3', null, `Table changes (${events.length})`), h('ol', { class: 'table-events' }, events.map((te) => h('li', { class: `te-${te.kind}` }, tableEventText(te, ev)))))
      : null,
    ev.bytes !== undefined ? h('section', { class: 'detail-section' }, h('h3', null, 'Block bytes'), blockHex(ev)) : null,
    d.frames.length > 0 ? h('section', { class: 'detail-section' }, h('h3', null, 'Frames'), frameList(app, d.frames)) : null,
    diagList(d.diagnostics),
  );
}

function blockHex(ev: HeaderBlockEvent): HTMLElement {
  const hex = ev.bytes ?? '';
  const bytesArr = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytesArr.length; i++) bytesArr[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  const fields = ev.fields.map((f, k) => ({
    label: `#${k} ${octets(f.name)}: ${octets(f.value)}`,
    start: f.span.start,
    end: f.span.end,
    level: 1,
  }));
  for (const te of ev.table_events ?? []) {
    if (te.kind === 'size_update') fields.unshift({ label: `size update ${te.max_size}`, start: te.span.start, end: te.span.end, level: 1 });
  }
  return hexView(bytesArr, fields, null);
}

export function frameView(app: App, d: FrameDetail): HTMLElement {
  const ev = d.event;
  const type = String(ev.type);
  const parsed = ev.frame ? Object.entries(ev.frame).filter(([k]) => k !== 'type') : [];
  const head = h(
    'header',
    { class: 'detail-head' },
    h('h2', null, `${type} frame · ${dirWords(ev.dir)}`),
    facts([
      ['Where', `connection ${ev.conn}, stream ${ev.stream_id}, frame ${ev.index} of this direction`],
      ['Flags', flagNames(type, ev.flags) || 'none'],
      ['Length', `${ev.length} bytes payload (+9 header)`],
      ['Packet', ev.first_packet !== ev.packet ? `${ev.first_packet}–${ev.packet}` : String(ev.packet)],
      ['Time', rel(ev.ts, app.capture!.start)],
      ['Stream bytes', `${ev.span.start}–${ev.span.end} of this direction`],
      ['Payload', ev.frame ? '' : h('span', { class: 'status-bad' }, 'not parsed: it broke a frame rule (see anomalies)')],
      ['Reserved bit', ev.reserved_bit ? h('span', { class: 'warn' }, 'set (must be ignored, §4.1)') : ''],
    ]),
    h(
      'div',
      { class: 'toolbar' },
      d.block !== null ? button('Header block', () => app.showBlock(d.block!), { class: 'small' }) : null,
      d.exchange !== null ? button('Exchange', () => app.showExchange(d.exchange!), { class: 'small' }) : null,
    ),
  );
  const parsedView =
    parsed.length === 0
      ? null
      : h(
          'section',
          { class: 'detail-section' },
          h('h3', null, 'Parsed payload'),
          facts(parsed.map(([k, v]) => [k.replaceAll('_', ' '), typeof v === 'object' ? JSON.stringify(v) : String(v)])),
        );
  let hex: HTMLElement;
  if (d.bytes) {
    const cut = d.bytes.length < 9 + ev.length ? `Showing the first ${d.bytes.length} of ${9 + ev.length} bytes.` : null;
    hex = hexView(d.bytes, d.fields, cut);
  } else {
    hex = h(
      'p',
      { class: 'note' },
      app.capture!.done?.frameBytes === false
        ? 'Frame bytes are not kept for inputs this large (memory); the decoded fields are listed below.'
        : 'No bytes kept for this frame.',
    );
    hex = h('div', null, hex, h('ul', { class: 'hex-fields' }, d.fields.map((f) => h('li', { class: `hex-field level-${f.level}` }, h('span', { class: 'range' }, `${f.start}–${f.end}`), ' ', f.label))));
  }
  const data = ev.data !== undefined ? h('div', { class: 'sub mono' }, `data: ${typeof ev.data === 'string' ? ev.data : spacedHex(ev.data.hex)}`) : null;
  return h(
    'article',
    { class: 'detail', data: { kind: 'frame' } },
    head,
    parsedView,
    h('section', { class: 'detail-section' }, h('h3', null, 'Bytes'), hex, data),
    diagList(d.diagnostics),
  );
}

export function connectionView(app: App, conn: number): HTMLElement {
  const c = app.capture!;
  const r = c.connections.get(conn);
  if (!r) return h('p', null, `No connection ${conn}.`);
  return h(
    'article',
    { class: 'detail', data: { kind: 'connection' } },
    h(
      'header',
      { class: 'detail-head' },
      h('h2', null, `Connection ${conn}`),
      facts([
        ['Client', (r.client ?? 'unknown') + (r.rolesGuessed ? ' (guessed: no SYN seen)' : '')],
        ['Server', r.server ?? 'unknown'],
        ['Protocol', r.protocol],
        ['TLS', r.tls ? [r.tls.version, r.tls.cipherSuite, r.tls.sni && `SNI ${r.tls.sni}`, r.tls.alpn && `ALPN offered ${r.tls.alpn.join(', ')}`, r.tls.selectedAlpn && `chosen ${r.tls.selectedAlpn}`, r.tls.decrypted ? 'decrypted with the key log' : 'not decrypted'].filter(Boolean).join(' · ') : ''],
        ['Began', r.fromStart ? `in the capture (packet ${r.firstPacket})` : 'before the capture'],
        ['Frames', count(r.frames)],
        ['Streams', r.ended ? count(r.streams) : ''],
        ['Exchanges', r.ended ? count(r.exchanges) : ''],
        ['Anomalies', r.ended ? count(r.anomalies) : ''],
        ['Bytes', r.ended ? bytes(r.bytes) : ''],
      ]),
      h(
        'div',
        { class: 'toolbar' },
        button('Its calls', () => app.listConn('exchanges', conn), { class: 'small' }),
        button('Frame timeline', () => app.listConn('frames', conn), { class: 'small' }),
        button('Header blocks', () => app.listConn('blocks', conn), { class: 'small' }),
      ),
    ),
    r.tls && !r.tls.decrypted
      ? h('p', { class: 'note' }, 'TLS application data cannot be read without the session keys: open the client’s key log (SSLKEYLOGFILE) with “Key log…”. Until then h2lens reports what the handshake shows.')
      : null,
  );
}

export function anomalyView(app: App, i: number, where: { exchange: number | null; block: number | null; frame: number | null }): HTMLElement {
  const a = app.capture!.anomalies[i]!;
  return h(
    'article',
    { class: 'detail', data: { kind: 'anomaly' } },
    h(
      'header',
      { class: 'detail-head' },
      h('h2', { class: `sev-${a.severity}` }, a.message),
      facts([
        ['Severity', a.severity],
        ['Layer', a.layer],
        ['Code', h('code', null, a.code)],
        ['Rule', a.rfc ?? ''],
        ['Packet', a.packet === null ? '' : String(a.packet)],
        ['Where', [a.conn !== null && `connection ${a.conn}`, a.dir && dirWords(a.dir), a.stream !== null && `stream ${a.stream}`].filter(Boolean).join(', ')],
      ]),
      h(
        'div',
        { class: 'toolbar' },
        where.exchange !== null ? button('Open the exchange', () => app.showExchange(where.exchange!), { class: 'small' }) : null,
        where.block !== null ? button('Open the header block', () => app.showBlock(where.block!), { class: 'small' }) : null,
        where.frame !== null ? button('Open the frame', () => app.showFrame(where.frame!), { class: 'small' }) : null,
      ),
    ),
  );
}
