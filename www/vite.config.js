import { defineConfig, searchForWorkspaceRoot } from 'vite';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  // Top-level await in the entry module.
  build: { target: 'es2022' },
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
