// The decoding worker: owns the WebAssembly module and every decoded
// input (a "session"), and answers the page's requests.

/// <reference lib="webworker" />

import {
  diffHeaders,
  engineVersion,
  groupMetadata,
  hpackDecode,
  initEngine,
  pairExchanges,
  supportsKeylog,
} from '../engine/h2lens';
import type { Header } from '../engine/schema';
import type { DiffResult, DiffSide, Notice, PairRow, Reply, Request } from '../shared/protocol';
import { Session } from './session';

declare const self: DedicatedWorkerGlobalScope;

const sessions = new Map<string, Session>();
const engine = initEngine();

function post(notice: Notice, transfer: Transferable[] = []): void {
  self.postMessage(notice, transfer);
}

self.onmessage = async (e: MessageEvent<{ id: number; request: Request }>) => {
  const { id, request } = e.data;
  try {
    await engine;
    const [value, transfer] = await handle(request);
    const reply: Reply = { id, ok: true, value };
    self.postMessage(reply, transfer);
  } catch (err) {
    const reply: Reply = { id, ok: false, error: err instanceof Error ? err.message : String(err) };
    self.postMessage(reply);
  }
};

function session(id: string): Session {
  const s = sessions.get(id);
  if (!s) throw new Error(`no open input ${id}`);
  return s;
}

async function handle(r: Request): Promise<[unknown, Transferable[]]> {
  switch (r.op) {
    case 'version':
      return [{ version: engineVersion(), keylog: supportsKeylog() }, []];
    case 'open': {
      sessions.get(r.session)?.close();
      const s = new Session(r.session, r.source, r.options, post);
      sessions.set(r.session, s);
      void s.run();
      return [null, []];
    }
    case 'cancel':
      sessions.get(r.session)?.cancel();
      return [null, []];
    case 'close':
      sessions.get(r.session)?.close();
      sessions.delete(r.session);
      return [null, []];
    case 'query': {
      const rows = session(r.session).query(r.list, r.filter, r.sort);
      return [rows, rows ? [rows.buffer] : []];
    }
    case 'exchange':
      return [session(r.session).exchange(r.index), []];
    case 'block':
      return [session(r.session).block(r.index), []];
    case 'frame': {
      const d = session(r.session).frame(r.index);
      return [d, []];
    }
    case 'locate':
      return [session(r.session).locate(r.index), []];
    case 'table':
      return [session(r.session).table(r.block, r.dir), []];
    case 'hpack': {
      const bytes = parseHex(r.hex);
      const block = hpackDecode(bytes) as { fields?: Header[] };
      let metadata = null;
      try {
        metadata = groupMetadata((block.fields ?? []).map((f) => ({ name: f.name, value: f.value })));
      } catch {
        metadata = null;
      }
      return [{ bytes, block, metadata }, []];
    }
    case 'diff':
      return [diff(r.left, r.right), []];
    case 'pair':
      return [pair(r.left, r.right), []];
    case 'export': {
      const s = session(r.session);
      const index = r.exchange ?? null;
      switch (r.what) {
        case 'all-json':
          return [s.allEventsJson(), []];
        case 'exchange-json':
          if (index === null) throw new Error('no exchange chosen');
          return [s.exchangeJson(index), []];
        case 'all-har':
        case 'exchange-har':
          return [
            await s.har(r.what === 'all-har' ? null : index, (bytes) =>
              post({ ev: 'progress', progress: { session: s.id, bytes, total: s.total, elapsed: 0 } }),
            ),
            [],
          ];
      }
    }
  }
  throw new Error('unknown request');
}

/** Bytes from hex text; spaces, newlines, `0x` and `\x` prefixes are ignored. */
export function parseHex(text: string): Uint8Array {
  const clean = text.replace(/0x|\\x/gi, '').replace(/[\s:,]/g, '');
  if (!/^[0-9a-f]*$/i.test(clean)) throw new Error('not hex: use 0-9 and a-f only');
  if (clean.length % 2 !== 0) throw new Error('odd number of hex digits');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function sideHeaders(side: DiffSide): { label: string; lists: Map<string, Header[]> } {
  const s = session(side.session);
  const lists = new Map<string, Header[]>();
  if (side.kind === 'block') {
    const d = s.block(side.index);
    const ev = d.event;
    lists.set(ev.role, ev.fields.map((f) => ({ name: f.name, value: f.value })));
    return {
      label: `${s.source.name}: block ${ev.id} (conn ${ev.conn}, stream ${ev.stream_id}, ${ev.role.replaceAll('_', ' ')})`,
      lists,
    };
  }
  const d = s.exchange(side.index);
  for (const sec of d.sections) lists.set(sec.role, sec.headers);
  const where = d.row.conn === null ? `exchange ${side.index + 1}` : `conn ${d.row.conn}, stream ${d.row.stream}`;
  return { label: `${s.source.name}: ${d.row.method} ${d.row.path} (${where})`, lists };
}

const ROLE_TITLES: Record<string, string> = {
  request: 'Request headers',
  informational: 'Informational response',
  response: 'Response headers',
  request_trailers: 'Request trailers',
  response_trailers: 'Response trailers',
  push_request: 'Promised request',
  unknown: 'Header block',
};

function diff(left: DiffSide, right: DiffSide): DiffResult {
  const l = sideHeaders(left);
  const r = sideHeaders(right);
  const sections: DiffResult['sections'] = [];
  if (left.kind === 'block' || right.kind === 'block') {
    // Two header blocks: compare them whatever their roles.
    const a = [...l.lists.values()][0] ?? [];
    const b = [...r.lists.values()][0] ?? [];
    sections.push({ title: 'Header block', diff: diffHeaders(a, b), left: a.length, right: b.length });
  } else {
    const roles = [...new Set([...l.lists.keys(), ...r.lists.keys()])];
    for (const role of roles) {
      const a = l.lists.get(role) ?? [];
      const b = r.lists.get(role) ?? [];
      sections.push({
        title: ROLE_TITLES[role] ?? role,
        diff: diffHeaders(a, b),
        left: a.length,
        right: b.length,
      });
    }
  }
  return { sections, leftLabel: l.label, rightLabel: r.label };
}

function pair(left: string, right: string): PairRow[] {
  const a = session(left);
  const b = session(right);
  const label = (s: Session, i: number | undefined) => {
    if (i === undefined) return '';
    const row = s.exchanges[i]?.row;
    if (!row) return '';
    const where = row.conn === null ? `#${i + 1}` : `conn ${row.conn} stream ${row.stream}`;
    return `${row.method} ${row.path} (${where})`;
  };
  const short = (s: Session, i: number | undefined) => {
    const row = i === undefined ? undefined : s.exchanges[i]?.row;
    if (!row) return '';
    const last = row.path.split('/').filter(Boolean).at(-1) ?? row.path;
    return `${last} · ${row.conn === null ? `#${i! + 1}` : `${row.conn}/${row.stream}`}`;
  };
  return pairExchanges(a.pairKeys(), b.pairKeys()).map((p) => ({
    left: p.left ?? null,
    right: p.right ?? null,
    by: p.by,
    leftLabel: label(a, p.left),
    rightLabel: label(b, p.right),
    leftShort: short(a, p.left),
    rightShort: short(b, p.right),
  }));
}

