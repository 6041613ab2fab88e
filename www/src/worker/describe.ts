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
      // As the core's Protocol::describe words it.
      let head = typeof p.version === 'string' ? p.version : 'TLS';
      const decrypted = p.decrypted === true;
      if (decrypted) {
        const inner = p.inner as Record<string, unknown> | undefined;
        const kind = inner?.protocol;
        if (kind === 'h2_prior_knowledge' || kind === 'h2c_upgrade' || kind === 'h2_midstream') {
          head = `HTTP/2 over ${head} (decrypted)`;
        } else if (kind === 'http1') head = `HTTP/1.x over ${head} (decrypted)`;
        else if (inner) head = `${describeProtocol(inner)} over ${head} (decrypted)`;
        else head = `${head} (decrypted)`;
      }
      const parts = [head];
      const alpn = Array.isArray(p.alpn) ? p.alpn.map((a) => octetsText(a)) : [];
      if (p.selected_alpn !== undefined) parts.push(`ALPN ${octetsText(p.selected_alpn as string)}`);
      else if (alpn.length > 0) parts.push(`ALPN offered ${alpn.join(',')}`);
      if (p.sni !== undefined) parts.push(`SNI ${octetsText(p.sni as string)}`);
      if (!decrypted) parts.push('needs a key log');
      return parts.join(', ');
    }
    case 'unknown':
      return 'unknown';
    default:
      return String(p.protocol ?? 'unknown');
  }
}
