// Where each decoded part of a frame lies in its bytes, for the hex view.
//
// Offsets are relative to the frame's first byte. The 9-octet header has a
// fixed layout (RFC 9113 §4.1); payload parts come from the spans the
// decoder reports (relative to the payload, so +9), or from the fixed
// layouts of §6 for frames whose parts carry no span. HPACK field spans are
// relative to the header block, which is the concatenation of the block's
// fragments; `fragments` says where each lies in the direction's byte
// stream, and the frame's `span` is in that same stream.

import { octetsText, type FrameEvent, type HeaderBlockEvent, type Span } from '../engine/schema';
import type { HexField } from '../shared/protocol';

const HEADER = 9;

export function frameFields(ev: FrameEvent, block: HeaderBlockEvent | null): HexField[] {
  const out: HexField[] = [
    { label: `Length: ${ev.length}`, start: 0, end: 3, level: 0 },
    { label: `Type: ${ev.type}`, start: 3, end: 4, level: 0 },
    { label: `Flags: 0x${ev.flags.toString(16).padStart(2, '0')}`, start: 4, end: 5, level: 0 },
    {
      label: `Stream identifier: ${ev.stream_id}${ev.reserved_bit ? ' (reserved bit set)' : ''}`,
      start: 5,
      end: 9,
      level: 0,
    },
  ];
  const f = ev.frame as Record<string, unknown> | undefined;
  if (!f) return out;
  const end = HEADER + ev.length;
  const pad = typeof f.pad_length === 'number' ? f.pad_length : null;
  if (pad !== null) {
    out.push({ label: `Pad length: ${pad}`, start: HEADER, end: HEADER + 1, level: 0 });
    if (pad > 0) out.push({ label: `Padding (${pad} bytes)`, start: end - pad, end, level: 0 });
  }
  const payloadSpan = (s: unknown, label: string) => {
    const span = s as Span | undefined;
    if (span && typeof span.start === 'number') {
      out.push({ label, start: HEADER + span.start, end: HEADER + span.end, level: 0 });
    }
  };
  const at = HEADER + (pad !== null ? 1 : 0);
  switch (f.type) {
    case 'DATA': {
      const data = f.data as Span;
      payloadSpan(data, `Data (${data.end - data.start} bytes)`);
      break;
    }
    case 'HEADERS':
    case 'PUSH_PROMISE':
    case 'CONTINUATION': {
      let p = at;
      if (f.type === 'PUSH_PROMISE') {
        out.push({ label: `Promised stream: ${String(f.promised_stream_id)}`, start: p, end: p + 4, level: 0 });
        p += 4;
      }
      const prio = f.priority as { exclusive: boolean; dependency: number; weight: number } | undefined;
      if (prio) {
        out.push({
          label: `Stream dependency: ${prio.dependency}${prio.exclusive ? ' (exclusive)' : ''}`,
          start: p,
          end: p + 4,
          level: 0,
        });
        out.push({ label: `Weight: ${prio.weight + 1}`, start: p + 4, end: p + 5, level: 0 });
      }
      const fragment = f.fragment as Span;
      payloadSpan(fragment, `Header block fragment (${fragment.end - fragment.start} bytes)`);
      if (block) out.push(...hpackFields(ev, block));
      break;
    }
    case 'SETTINGS': {
      const settings = (f.settings as { id: string | number; value: number }[] | undefined) ?? [];
      settings.forEach((s, k) => {
        const start = HEADER + 6 * k;
        out.push({ label: `${s.id} = ${s.value}`, start, end: start + 6, level: 0 });
      });
      break;
    }
    case 'WINDOW_UPDATE':
      out.push({ label: `Window size increment: ${String(f.increment)}`, start: HEADER, end: HEADER + 4, level: 0 });
      break;
    case 'RST_STREAM':
      out.push({ label: `Error code: ${String(f.error_code)}`, start: HEADER, end: HEADER + 4, level: 0 });
      break;
    case 'PING':
      out.push({ label: `Opaque data: ${String(f.opaque_data)}`, start: HEADER, end: HEADER + 8, level: 0 });
      break;
    case 'GOAWAY':
      out.push({ label: `Last stream: ${String(f.last_stream_id)}`, start: HEADER, end: HEADER + 4, level: 0 });
      out.push({ label: `Error code: ${String(f.error_code)}`, start: HEADER + 4, end: HEADER + 8, level: 0 });
      if (end > HEADER + 8) {
        out.push({ label: `Debug data: ${octetsText(f.debug_data as string)}`, start: HEADER + 8, end, level: 0 });
      }
      break;
    case 'PRIORITY': {
      const prio = f as unknown as { exclusive?: boolean; dependency?: number; weight?: number };
      out.push({
        label: `Stream dependency: ${String(prio.dependency)}${prio.exclusive ? ' (exclusive)' : ''}`,
        start: HEADER,
        end: HEADER + 4,
        level: 0,
      });
      out.push({ label: `Weight: ${(prio.weight ?? 0) + 1}`, start: HEADER + 4, end: HEADER + 5, level: 0 });
      break;
    }
  }
  return out;
}

/** The HPACK fields of `block` that lie (at least partly) in frame `ev`. */
function hpackFields(ev: FrameEvent, block: HeaderBlockEvent): HexField[] {
  const out: HexField[] = [];
  let blockOffset = 0;
  for (const frag of block.fragments) {
    const len = frag.end - frag.start;
    if (frag.start >= ev.span.start && frag.end <= ev.span.end) {
      // This fragment is in this frame: stream offset → frame offset.
      const base = frag.start - ev.span.start;
      block.fields.forEach((field, k) => {
        const s = Math.max(field.span.start, blockOffset);
        const e = Math.min(field.span.end, blockOffset + len);
        if (s >= e) return;
        const cut = s !== field.span.start || e !== field.span.end ? ' (continues in another frame)' : '';
        out.push({
          label: `#${k} ${octetsText(field.name)}: ${octetsText(field.value)} (${field.repr.replaceAll('_', ' ')})${cut}`,
          start: base + (s - blockOffset),
          end: base + (e - blockOffset),
          level: 1,
        });
      });
      for (const te of block.table_events ?? []) {
        if (te.kind !== 'size_update') continue;
        const s = Math.max(te.span.start, blockOffset);
        const e = Math.min(te.span.end, blockOffset + len);
        if (s < e) {
          out.push({
            label: `Dynamic table size update: ${te.max_size}`,
            start: base + (s - blockOffset),
            end: base + (e - blockOffset),
            level: 1,
          });
        }
      }
    }
    blockOffset += len;
  }
  return out;
}
