#!/usr/bin/env node
// A tiny static file server for 127.0.0.1: serves the built inspector for
// `npm start` and for the browser tests. `.wasm` goes out as
// `application/wasm` so browsers can compile it while it streams.
//
//   node scripts/serve.mjs [DIR] [--port N] [--host H]     (default www/dist, $PORT or 8080)

import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.pcap': 'application/vnd.tcpdump.pcap',
  '.pcapng': 'application/octet-stream',
};

// The inspector's Content-Security-Policy, also sent as a header: a <meta>
// policy covers only the document, and the decoding worker (a separate
// script) gets the policy of its own response. Keep in step with
// www/index.html.
export const CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types h2lens-worker",
].join('; ');

function fileFor(root, urlPath) {
  let path;
  try {
    path = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return null;
  }
  const full = resolve(root, '.' + path);
  if (full !== root && !full.startsWith(root + sep)) return null; // no ../ escapes
  try {
    const st = statSync(full);
    if (st.isDirectory()) return fileFor(root, join(path, 'index.html'));
    return st.isFile() ? { full, size: st.size } : null;
  } catch {
    return null;
  }
}

/**
 * Serves `root` on host:port (port 0 picks a free one). Resolves to
 * `{ server, url, close }` once listening.
 */
export function startServer({ root, host = '127.0.0.1', port = 0 }) {
  const base = resolve(root);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const file = fileFor(base, req.url ?? '/');
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file.full)] ?? 'application/octet-stream',
      'content-length': file.size,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-security-policy': CSP,
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file.full).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      resolvePromise({
        server,
        url: `http://${host}:${actual}/`,
        close: () => new Promise((r) => server.close(r)),
      });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  let root = fileURLToPath(new URL('../www/dist', import.meta.url));
  let port = Number(process.env.PORT ?? 8080);
  let host = '127.0.0.1';
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--port') port = Number(args[++i]);
    else if (args[i] === '--host') host = args[++i];
    else root = resolve(args[i]);
  }
  try {
    statSync(join(root, 'index.html'));
  } catch {
    console.error(`error: ${root}/index.html not found: build first (npm run build)`);
    process.exit(1);
  }
  startServer({ root, host, port }).then(
    ({ url }) => {
      console.log(`h2lens inspector: ${url}  (serving ${root}; Ctrl-C to stop)`);
    },
    (err) => {
      if (err.code === 'EADDRINUSE') {
        console.error(`error: ${host}:${port} is in use; choose another port, e.g. PORT=8181 npm start`);
      } else {
        console.error(`error: ${err.message}`);
      }
      process.exit(1);
    },
  );
}
