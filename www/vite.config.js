import { defineConfig, searchForWorkspaceRoot } from 'vite';
import { fileURLToPath } from 'node:url';

// The dev server injects CSS with <style> elements and its error overlay
// with HTML: relax the page's policy for `vite` (dev) only. The built site
// keeps the strict policy of index.html.
const devPolicy = {
  name: 'h2lens-dev-csp',
  apply: 'serve',
  transformIndexHtml(html) {
    return html
      .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
      .replace(" require-trusted-types-for 'script'; trusted-types h2lens-worker", '');
  },
};

export default defineConfig({
  plugins: [devPolicy],
  // Relative asset URLs: the built site works from any folder of any
  // static host.
  base: './',
  // Top-level await in the entry module.
  build: { target: 'es2022' },
  // The decoder runs in a module worker that imports the wasm package.
  worker: { format: 'es' },
  server: {
    host: '127.0.0.1',
    // The package is linked from npm/h2lens (npm workspaces).
    fs: {
      allow: [
        searchForWorkspaceRoot(process.cwd()),
        fileURLToPath(new URL('../npm/h2lens', import.meta.url)),
      ],
    },
  },
  // Vite 7's dependency pre-bundling would rewrite the package's
  // `new URL('./pkg/h2lens_bg.wasm', import.meta.url)` so the dev server
  // answers the .wasm request with index.html.
  optimizeDeps: { exclude: ['h2lens'] },
});
