// Plain-words labels for values of the event schema (display only).

import { octetsText, type AnyEvent } from '../engine/schema';

/** A connection's protocol, as `h2lens summary` words it. */
export function describeProtocol(p: AnyEvent | Record<string, unknown>): string {
  switch (p.protocol) {
    case 'h2_prior_knowledge':
      return 'HTTP/2 (prior knowledge)';
    case 'h2c_upgrade':
      return 'HTTP/2 (h2c upgrade)';
    case 'h2_midstream':
      return 'HTTP/2 (joined mid-connection)';
    case 'http1':
      return 'HTTP/1.x';
    case 'tls': {
      const parts = [typeof p.version === 'string' ? p.version : 'TLS'];
      const alpn = Array.isArray(p.alpn) ? p.alpn.map((a) => octetsText(a)) : [];
      if (p.selected_alpn !== undefined) parts.push(`ALPN ${octetsText(p.selected_alpn as string)}`);
      else if (alpn.length > 0) parts.push(`ALPN offered ${alpn.join(',')}`);
      if (p.sni !== undefined) parts.push(`SNI ${octetsText(p.sni as string)}`);
      parts.push('needs a key log');
      return parts.join(', ');
    }
    case 'unknown':
      return 'unknown';
    default:
      return String(p.protocol ?? 'unknown');
  }
}
