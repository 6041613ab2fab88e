// Checks run-time values against the types declared in npm/h2lens/index.d.ts,
// using the TypeScript compiler's own view of those types (so unions,
// intersections, optional keys, literal tags, tuples and index signatures
// mean exactly what they mean to a TypeScript user).
//
// Strict both ways: a key the value has but the type does not declare is a
// problem, as is a required key the value lacks, or a value of another kind.

import ts from 'typescript';

export function loadSchema(dtsPath) {
  const program = ts.createProgram([dtsPath], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.esnext.disposable.d.ts'],
    types: [],
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(dtsPath);
  const exported = new Map();
  for (const symbol of checker.getExportsOfModule(checker.getSymbolAtLocation(source))) {
    if (symbol.flags & (ts.SymbolFlags.Interface | ts.SymbolFlags.TypeAlias)) {
      exported.set(symbol.name, checker.getDeclaredTypeOfSymbol(symbol));
    }
  }
  const shapes = new Map();

  /** Properties and string index signature of an object type (cached). */
  function shape(type) {
    let s = shapes.get(type);
    if (!s) {
      const props = checker.getPropertiesOfType(type).map((p) => ({
        name: p.name,
        optional: (p.flags & ts.SymbolFlags.Optional) !== 0,
        type: checker.getTypeOfSymbol(p),
      }));
      const index = checker.getIndexInfoOfType(type, ts.IndexKind.String);
      s = { props, names: new Set(props.map((p) => p.name)), index: index?.type };
      shapes.set(type, s);
    }
    return s;
  }

  function show(value) {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
  }

  function check(type, value, path, out) {
    const f = type.flags;
    if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
    if (type.isUnion()) {
      let best;
      for (const member of type.types) {
        // `x?: T` is `T | undefined`: for a present value, report T's problems.
        if (value !== undefined && member.flags & ts.TypeFlags.Undefined) continue;
        const problems = [];
        check(member, value, path, problems);
        if (problems.length === 0) return;
        if (!best || problems.length < best.length) best = problems;
      }
      out.push(...(best ?? [`${path}: no member of ${checker.typeToString(type)} fits ${show(value)}`]));
      return;
    }
    if (f & ts.TypeFlags.StringLiteral || f & ts.TypeFlags.NumberLiteral) {
      if (value !== type.value) out.push(`${path}: expected ${JSON.stringify(type.value)}, got ${show(value)}`);
      return;
    }
    if (f & ts.TypeFlags.BooleanLiteral) {
      const want = type.intrinsicName === 'true';
      if (value !== want) out.push(`${path}: expected ${want}, got ${show(value)}`);
      return;
    }
    for (const [flag, kind] of [
      [ts.TypeFlags.String, 'string'],
      [ts.TypeFlags.Number, 'number'],
      [ts.TypeFlags.Boolean, 'boolean'],
    ]) {
      if (f & flag) {
        if (typeof value !== kind) out.push(`${path}: expected a ${kind}, got ${show(value)}`);
        return;
      }
    }
    if (f & ts.TypeFlags.Null) {
      if (value !== null) out.push(`${path}: expected null, got ${show(value)}`);
      return;
    }
    if (f & ts.TypeFlags.Undefined) {
      if (value !== undefined) out.push(`${path}: expected undefined, got ${show(value)}`);
      return;
    }
    if (f & ts.TypeFlags.Never) {
      out.push(`${path}: no value allowed, got ${show(value)}`);
      return;
    }
    if (f & (ts.TypeFlags.Object | ts.TypeFlags.Intersection)) {
      if (value === null || typeof value !== 'object') {
        out.push(`${path}: expected an object (${checker.typeToString(type)}), got ${show(value)}`);
        return;
      }
      if (checker.isTupleType(type)) {
        const elements = checker.getTypeArguments(type);
        if (!Array.isArray(value) || value.length !== elements.length) {
          out.push(`${path}: expected a ${elements.length}-tuple, got ${show(value)}`);
          return;
        }
        elements.forEach((t, i) => check(t, value[i], `${path}[${i}]`, out));
        return;
      }
      if (checker.isArrayType(type)) {
        if (!Array.isArray(value)) {
          out.push(`${path}: expected an array, got ${show(value)}`);
          return;
        }
        const [element] = checker.getTypeArguments(type);
        value.forEach((v, i) => check(element, v, `${path}[${i}]`, out));
        return;
      }
      if (Array.isArray(value)) {
        out.push(`${path}: expected an object (${checker.typeToString(type)}), got an array`);
        return;
      }
      const s = shape(type);
      for (const p of s.props) {
        if (!Object.prototype.hasOwnProperty.call(value, p.name)) {
          if (!p.optional) out.push(`${path}.${p.name}: declared but missing`);
          continue;
        }
        check(p.type, value[p.name], `${path}.${p.name}`, out);
      }
      for (const key of Object.keys(value)) {
        if (s.names.has(key)) continue;
        if (s.index) check(s.index, value[key], `${path}.${key}`, out);
        else out.push(`${path}.${key}: returned but not declared in ${checker.typeToString(type)}`);
      }
      return;
    }
    out.push(`${path}: cannot check type ${checker.typeToString(type)}`);
  }

  return {
    /** Names of the exported types. */
    names: () => [...exported.keys()],
    /** Problems of `value` against the exported type `name` (empty: conforms). */
    check(name, value, path = name) {
      const type = exported.get(name);
      if (!type) return [`${path}: type ${name} is not exported by index.d.ts`];
      const out = [];
      check(type, value, path, out);
      return out;
    },
    /** The string literals of an exported union type such as `EventType`. */
    literals(name) {
      const type = exported.get(name);
      const members = type?.isUnion() ? type.types : type ? [type] : [];
      return members.filter((t) => t.isStringLiteral()).map((t) => t.value);
    },
  };
}
