// Display formats (text only).

import type { Octets, Representation } from '../engine/schema';

/**
 * Display text of raw bytes. Control characters become `\xNN` (as the
 * core already writes bytes that are not UTF-8), and characters that
 * reorder or hide text (bidi overrides and isolates, zero-width ones)
 * become `<U+202E>`, so what is shown is what was sent, never a reordered
 * look-alike.
 */
export function octets(o: Octets | undefined | null): string {
  if (o === undefined || o === null) return '';
  return visible(typeof o === 'string' ? o : o.text);
}

// C0 controls and DEL; bidi embeddings/overrides/isolates, marks, and
// zero-width characters.
const INVISIBLE = /[\u0000-\u001f\u007f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

export function visible(text: string): string {
  if (!INVISIBLE.test(text)) return text;
  INVISIBLE.lastIndex = 0;
  return text.replace(INVISIBLE, (c) => {
    const code = c.charCodeAt(0);
    if (code === 0x0a) return '\\n';
    if (code === 0x0d) return '\\r';
    if (code === 0x09) return '\\t';
    if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
    return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
  });
}

export function isBinary(o: Octets | undefined | null): o is { text: string; hex: string } {
  return typeof o === 'object' && o !== null;
}

export function bytes(n: number): string {
  if (n < 0) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function ms(n: number): string {
  if (n < 0) return '';
  if (n < 1) return `${(n * 1000).toFixed(0)} µs`;
  if (n < 1000) return `${n.toFixed(n < 10 ? 2 : 1)} ms`;
  return `${(n / 1000).toFixed(2)} s`;
}

/** Seconds since `t0`, Wireshark style. */
export function rel(ts: number, t0: number): string {
  if (ts < 0 || !Number.isFinite(ts)) return '';
  return (ts - t0).toFixed(6);
}

export function dirArrow(dir: string | number | null): string {
  if (dir === 'client_to_server' || dir === 0) return 'c→s';
  if (dir === 'server_to_client' || dir === 1) return 's→c';
  return '';
}

export function dirWords(dir: string | number | null): string {
  if (dir === 'client_to_server' || dir === 0) return 'client → server';
  if (dir === 'server_to_client' || dir === 1) return 'server → client';
  return '';
}

/** Short names of the representations (RFC 7541 §6), as in the table column. */
export const REPR_LABEL: Record<Representation, string> = {
  indexed: 'indexed',
  incremental_indexing: 'incremental',
  without_indexing: 'not indexed',
  never_indexed: 'never indexed',
};

/** The RFC's full names (and Wireshark's), for tooltips. */
export const REPR_TITLE: Record<Representation, string> = {
  indexed: 'Indexed Header Field (RFC 7541 §6.1)',
  incremental_indexing: 'Literal Header Field with Incremental Indexing (RFC 7541 §6.2.1)',
  without_indexing: 'Literal Header Field without Indexing (RFC 7541 §6.2.2)',
  never_indexed: 'Literal Header Field Never Indexed (RFC 7541 §6.2.3)',
};


/** Flag names by frame type (RFC 9113 §6). */
export function flagNames(type: string, flags: number): string {
  const names: string[] = [];
  const has = (bit: number) => (flags & bit) !== 0;
  switch (type) {
    case 'DATA':
      if (has(0x1)) names.push('END_STREAM');
      if (has(0x8)) names.push('PADDED');
      break;
    case 'HEADERS':
      if (has(0x1)) names.push('END_STREAM');
      if (has(0x4)) names.push('END_HEADERS');
      if (has(0x8)) names.push('PADDED');
      if (has(0x20)) names.push('PRIORITY');
      break;
    case 'PUSH_PROMISE':
      if (has(0x4)) names.push('END_HEADERS');
      if (has(0x8)) names.push('PADDED');
      break;
    case 'CONTINUATION':
      if (has(0x4)) names.push('END_HEADERS');
      break;
    case 'SETTINGS':
    case 'PING':
      if (has(0x1)) names.push('ACK');
      break;
  }
  const known = names.length;
  if (flags !== 0 && known === 0) return `0x${flags.toString(16).padStart(2, '0')}`;
  return names.join(' ');
}

export function hexOf(o: Octets): string {
  if (typeof o !== 'string') return o.hex;
  return Array.from(new TextEncoder().encode(o), (b) => b.toString(16).padStart(2, '0')).join('');
}

export function spacedHex(hex: string, max = 64): string {
  const pairs = hex.match(/../g) ?? [];
  const cut = pairs.length > max;
  return pairs.slice(0, max).join(' ') + (cut ? ` … (${pairs.length} bytes)` : '');
}

/** Class of a header-name cell: names stay on one line unless very long. */
export function nameClass(name: string): string {
  return name.length > 28 ? 'name mono long' : 'name mono';
}
