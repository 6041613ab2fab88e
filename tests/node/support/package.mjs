// Installs the npm package the way a user gets it: `npm pack` the built
// package, then `npm install` the tarball into a fresh project under the OS
// temp dir. Tests then run code from inside that project.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const pkgDir = join(repoRoot, 'npm', 'h2lens');
export const builtWasm = join(pkgDir, 'pkg', 'h2lens_bg.wasm');

// `npm test` exports npm_* variables describing *this* repository; a nested
// npm in another project must not see them.
function cleanEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^npm_/i.test(k)) env[k] = v;
  }
  return env;
}

function npm(args, cwd) {
  return execFileSync('npm', args, { cwd, env: cleanEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Packs npm/h2lens and installs the tarball into a new temp project.
 * Returns `{ dir, tarball, files, cleanup }`; `files` lists the paths the
 * tarball contains.
 */
export function installPackedPackage(prefix = 'h2lens-npm-') {
  if (!existsSync(builtWasm)) {
    throw new Error(`${builtWasm} is missing: run scripts/build-wasm.sh first`);
  }
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const [info] = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], pkgDir));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'h2lens-user', private: true, type: 'module' }, null, 2),
  );
  npm(['install', '--no-audit', '--no-fund', '--no-package-lock', `./${info.filename}`], dir);
  return {
    dir,
    tarball: join(dir, info.filename),
    files: info.files.map((f) => f.path).sort(),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Runs an ES module script in `dir` with a fresh Node process and returns
 * what it printed as JSON on its last stdout line.
 */
export function runModule(dir, source) {
  const file = join(dir, `probe-${process.pid}-${Date.now()}.mjs`);
  writeFileSync(file, source);
  const out = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (out.status !== 0) {
    throw new Error(`node ${file} exited with ${out.status}:\n${out.stderr}`);
  }
  const lines = out.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

/**
 * Imports the package installed in `dir` by name, resolved the way Node
 * resolves `import 'h2lens'` there (the `exports` map, `node` condition).
 */
export async function importInstalled(dir) {
  const require = createRequire(join(dir, 'package.json'));
  return import(pathToFileURL(require.resolve('h2lens')).href);
}

export const fixturesDir = join(repoRoot, 'tests', 'fixtures');

/**
 * Every decodable input under tests/fixtures (captures, tap streams), as
 * paths relative to tests/fixtures; oracle and documentation files are left
 * out.
 */
export function fixtureInputs() {
  const out = [];
  for (const area of ['corpus', 'extra', 'net', 'tap']) {
    for (const name of readdirSync(join(fixturesDir, area)).sort()) {
      if (/\.(pcap|pcapng|pb)$/.test(name) || /^(envoy|linkerd)_.*\.(json|jsonl)$/.test(name)) {
        out.push(`${area}/${name}`);
      }
    }
  }
  return out;
}
