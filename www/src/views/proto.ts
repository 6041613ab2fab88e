// gRPC messages as trees: by the user's protoset when one was given (the
// core's JSON mapping of the message), else the raw protobuf field tree
// (like `protoc --decode_raw`).

import type { GrpcMessage, ProtoField, ProtoMessage } from '../engine/schema';
import { h, type Child } from '../ui/dom';
import { bytes, isBinary, octets, spacedHex } from '../ui/format';

const WIRE_TYPES: Record<number, string> = {
  0: 'varint',
  1: 'fixed64',
  2: 'length-delimited',
  5: 'fixed32',
};

function rawField(f: ProtoField): HTMLElement {
  const v = f.value;
  const head = h(
    'span',
    { class: 'pf-head' },
    h('span', { class: 'pf-num' }, `#${f.number}`),
    ' ',
    h('span', { class: 'dim' }, WIRE_TYPES[f.wire_type] ?? `wire type ${f.wire_type}`),
    ' ',
  );
  if (v.kind === 'message' && v.message) {
    return h(
      'li',
      null,
      h('details', { class: 'pf' }, h('summary', null, head, h('span', { class: 'dim' }, `message (${f.span.end - f.span.start} bytes)`)), rawMessage(v.message)),
    );
  }
  const parts: Child[] = [];
  switch (v.kind) {
    case 'string':
      parts.push(h('span', { class: 'pf-str mono' }, `"${octets(v.value as string)}"`));
      break;
    case 'bytes':
      parts.push(h('span', { class: 'mono' }, isBinary(v.value as never) ? spacedHex((v.value as { hex: string }).hex) : octets(v.value as string)));
      break;
    case 'varint': {
      const extra: string[] = [];
      if (v.sint64 !== undefined && v.sint64 !== v.value) extra.push(`zigzag ${String(v.sint64)}`);
      if (v.int64 !== undefined && v.int64 !== v.value) extra.push(`int64 ${String(v.int64)}`);
      parts.push(h('span', { class: 'mono' }, String(v.value)), extra.length ? h('span', { class: 'dim' }, ` (${extra.join(', ')})`) : null);
      break;
    }
    default: {
      const rest = Object.entries(v)
        .filter(([k]) => k !== 'kind' && k !== 'payload')
        .map(([k, x]) => `${k} ${typeof x === 'object' ? JSON.stringify(x) : String(x)}`);
      parts.push(h('span', { class: 'mono' }, `${v.kind}${rest.length ? ': ' + rest.join(', ') : ''}`));
    }
  }
  return h('li', null, head, ...parts);
}

function rawMessage(m: ProtoMessage): HTMLElement {
  return h('ul', { class: 'proto-tree' }, m.fields.map(rawField));
}

/** A JSON value as a tree (text only). */
function jsonTree(value: unknown, key: string | null): HTMLElement {
  const label = key === null ? null : h('span', { class: 'pf-num' }, key);
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    return h(
      'li',
      null,
      h(
        'details',
        { class: 'pf' },
        h('summary', null, label, ' ', h('span', { class: 'dim' }, Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`)),
        h('ul', { class: 'proto-tree' }, entries.map(([k, v]) => jsonTree(v, k))),
      ),
    );
  }
  return h('li', null, label, label ? ': ' : null, h('span', { class: 'mono pf-str' }, JSON.stringify(value)));
}

export function messageView(m: GrpcMessage, direction: string): HTMLElement {
  const title = `${direction} message ${m.index + 1}: ${bytes(m.declared_len)}${m.compressed ? ', compressed' : ''}`;
  const body: Child[] = [];
  if (m.decoded) {
    const tree = h('ul', { class: 'proto-tree' }, jsonTree(m.decoded.json, m.decoded.type_name));
    tree.querySelector('details')?.setAttribute('open', '');
    body.push(h('div', { class: 'proto-block' }, h('div', { class: 'dim' }, 'Decoded with the protoset'), tree));
  }
  const raw = m.raw?.message;
  if (raw) {
    body.push(
      h(
        'details',
        { class: 'proto-block' },
        h('summary', null, m.decoded ? 'Raw field tree' : 'Field tree (raw protobuf; drop a .protoset to decode by type)'),
        rawMessage(raw),
      ),
    );
    if (!m.decoded) (body[body.length - 1] as HTMLElement).setAttribute('open', '');
  } else if (m.raw) {
    body.push(h('div', { class: 'note' }, 'Not a protobuf message: ', JSON.stringify(m.raw).slice(0, 200)));
  }
  if (m.payload !== undefined) {
    const hex = isBinary(m.payload)
      ? m.payload.hex
      : Array.from(new TextEncoder().encode(m.payload), (b) => b.toString(16).padStart(2, '0')).join('');
    body.push(h('div', { class: 'sub mono' }, `payload: ${spacedHex(hex, 48)}`));
  }
  for (const d of m.diagnostics ?? []) body.push(h('div', { class: 'sub warn' }, d.message));
  return h('div', { class: 'grpc-message' }, h('h4', null, title), body);
}
