// Imports TypeScript modules of the inspector (www/src) into Node tests:
// esbuild (Vite's own transpiler) bundles the entry into a temporary ES
// module, leaving the `h2lens` package external so Node loads its Node
// entry.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { repoRoot } from './paths.mjs';

/** Bundles `www/src/<entry>` and returns its exports. */
export async function importWww(entry) {
  // Inside the repository, so the bundle's `import 'h2lens'` resolves to
  // the workspace package.
  const parent = join(repoRoot, 'tests', 'artifacts', 'bundles');
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, 'www-'));
  const outfile = join(dir, 'bundle.mjs');
  try {
    await build({
      entryPoints: [join(repoRoot, 'www', 'src', entry)],
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      outfile,
      external: ['h2lens'],
      logLevel: 'silent',
      // Resolve `h2lens` from the repository (npm workspace link).
      absWorkingDir: repoRoot,
    });
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
