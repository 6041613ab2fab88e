// The hand-written TypeScript declarations (npm/h2lens/index.d.ts): they
// compile for a user, and they describe what the module really returns.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { defaultConfig } from 'h2lens';
import { pkgDir, repoRoot } from './support/package.mjs';

test('tsc --noEmit accepts tests/node/types-usage.ts and its expected errors', () => {
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const out = spawnSync(process.execPath, [tsc, '--noEmit', '-p', join(repoRoot, 'tests/node/tsconfig.json')], {
    encoding: 'utf8',
  });
  assert.equal(out.status, 0, `tsc failed:\n${out.stdout}${out.stderr}`);
});

/** Property names of each interface declared in index.d.ts, and which interface each refers to. */
function declaredInterfaces() {
  const file = join(pkgDir, 'index.d.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const interfaces = new Map();
  for (const statement of source.statements) {
    if (!ts.isInterfaceDeclaration(statement)) continue;
    const props = new Map();
    for (const member of statement.members) {
      if (!ts.isPropertySignature(member)) continue;
      const type = member.type && ts.isTypeReferenceNode(member.type) ? member.type.typeName.getText(source) : member.type?.getText(source);
      props.set(member.name.getText(source), type);
    }
    interfaces.set(statement.name.text, props);
  }
  return interfaces;
}

const JS_TYPE = { number: 'number', boolean: 'boolean', string: 'string' };

/** Compares a run-time value with a declared interface, recursively; returns the differences. */
function diff(interfaces, name, value, path) {
  const props = interfaces.get(name);
  if (!props) return [`${path}: interface ${name} is not declared`];
  const problems = [];
  const actual = new Set(Object.keys(value));
  for (const [prop, type] of props) {
    if (!actual.has(prop)) {
      problems.push(`${path}.${prop}: declared (${type}) but not returned`);
    } else if (interfaces.has(type)) {
      problems.push(...diff(interfaces, type, value[prop], `${path}.${prop}`));
    } else if (JS_TYPE[type] && typeof value[prop] !== JS_TYPE[type]) {
      problems.push(`${path}.${prop}: declared ${type}, returned ${typeof value[prop]}`);
    }
  }
  for (const prop of actual) {
    if (!props.has(prop)) problems.push(`${path}.${prop}: returned but not declared in ${name}`);
  }
  return problems;
}

test('the Config declaration matches what defaultConfig() returns (drift guard)', () => {
  const problems = diff(declaredInterfaces(), 'Config', defaultConfig(), 'Config');
  assert.deepEqual(problems, [], `index.d.ts is out of step with crates/h2lens/src/config.rs:\n${problems.join('\n')}`);
});
