/**
 * No export that nobody imports: every name a module of src exports is imported by another module of the
 * project (src, test, e2e, bench, tools, the configs), or it is not exported. The imports are read from the
 * syntax trees (TypeScript's parser): named, default and namespace imports (a namespace's `ns.name`),
 * `export { name } from` and `export * from` chains, dynamic `import()` (destructured or `.name`) and
 * `import('...').Name` types.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const TREES = ['src', 'test', 'e2e', 'bench', 'tools'];
const CONFIGS = ['vite.config.ts', 'playwright.config.ts'];
/** The module's exports that something outside the project imports: Vite and Playwright read their configs' default. */
const ENTRY_EXPORTS = new Set(['vite.config.ts:default', 'playwright.config.ts:default']);
/** Exports that work on its way into main imports; empty once that work is merged. */
const AWAITED = new Set<string>([]);

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

interface Module {
  /** Names declared and exported here (`export function f`, `export { f }`, `export default`). */
  own: Set<string>;
  /** `export { a as b } from './x'`: b -> [x, a]. */
  forwards: Map<string, [string, string]>;
  /** `export * from './x'`. */
  stars: string[];
}

/** A use of a module's export: [module, name], or [module, '*'] for every export. */
type Use = [string, string];

function resolveSpecifier(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const path = relative(ROOT, resolve(ROOT, dirname(from), spec.replace(/\?.*$/, '')));
  for (const candidate of [path, `${path}.ts`, `${path}.tsx`, join(path, 'index.ts')]) {
    if (MODULES.has(candidate)) return candidate;
  }
  return null;
}

function hasExportModifier(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

function isDefault(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
}

function bindingNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : bindingNames(e.name)));
}

/** Reads a file's exports and the uses it makes of other modules' exports. */
function scan(file: string, text: string): { module: Module; uses: Use[] } {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const module: Module = { own: new Set(), forwards: new Map(), stars: [] };
  const uses: Use[] = [];
  const namespaces = new Map<string, string>();
  const target = (spec: ts.Expression | undefined) => (spec && ts.isStringLiteral(spec) ? resolveSpecifier(file, spec.text) : null);

  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st)) {
      const from = target(st.moduleSpecifier);
      const clause = st.importClause;
      if (!from || !clause) continue;
      if (clause.name) uses.push([from, 'default']);
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) namespaces.set(bindings.name.text, from);
      if (bindings && ts.isNamedImports(bindings)) for (const el of bindings.elements) uses.push([from, (el.propertyName ?? el.name).text]);
    } else if (ts.isExportDeclaration(st)) {
      const from = target(st.moduleSpecifier);
      if (st.moduleSpecifier && !from) continue;
      if (!st.exportClause) {
        if (from) module.stars.push(from);
      } else if (ts.isNamedExports(st.exportClause)) {
        for (const el of st.exportClause.elements) {
          const local = (el.propertyName ?? el.name).text;
          if (from) module.forwards.set(el.name.text, [from, local]);
          else module.own.add(el.name.text);
        }
      } else if (from) {
        module.forwards.set(st.exportClause.name.text, [from, '*']);
      }
    } else if (ts.isExportAssignment(st)) {
      module.own.add('default');
    } else if (hasExportModifier(st)) {
      if (isDefault(st)) module.own.add('default');
      else if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) bindingNames(d.name).forEach((n) => module.own.add(n));
      else if ('name' in st && st.name && ts.isIdentifier(st.name as ts.Node)) module.own.add((st.name as ts.Identifier).text);
    }
  }

  const visit = (node: ts.Node): void => {
    // import('./x.ts'): `const { a } = await import(...)`, `(await import(...)).a`, or the whole module.
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const from = target(node.arguments[0]);
      if (from) {
        let outer: ts.Node = node.parent;
        while (ts.isAwaitExpression(outer) || ts.isParenthesizedExpression(outer)) outer = outer.parent;
        if (ts.isVariableDeclaration(outer) && ts.isObjectBindingPattern(outer.name)) {
          for (const el of outer.name.elements) uses.push([from, (el.propertyName && ts.isIdentifier(el.propertyName) ? el.propertyName : el.name as ts.Identifier).text]);
        } else if (ts.isPropertyAccessExpression(outer) && outer.name.text === 'then') {
          // import(...).then((m) => ... m.name ...): the names read off the callback's parameter.
          const callback = ts.isCallExpression(outer.parent) ? outer.parent.arguments[0] : undefined;
          const param = callback && (ts.isArrowFunction(callback) || ts.isFunctionExpression(callback)) ? callback.parameters[0]?.name : undefined;
          if (param && ts.isIdentifier(param)) {
            const read = (n: ts.Node): void => {
              if (ts.isIdentifier(n) && n.text === param.text && n.parent !== param.parent) {
                uses.push([from, ts.isPropertyAccessExpression(n.parent) && n.parent.expression === n ? n.parent.name.text : '*']);
              }
              ts.forEachChild(n, read);
            };
            read((callback as ts.ArrowFunction).body);
          } else {
            uses.push([from, '*']);
          }
        } else if (ts.isPropertyAccessExpression(outer)) {
          uses.push([from, outer.name.text]);
        } else {
          uses.push([from, '*']);
        }
      }
    }
    // import('./x.ts').Name as a type.
    if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      const from = resolveSpecifier(file, node.argument.literal.text);
      if (from) uses.push([from, node.qualifier ? (ts.isIdentifier(node.qualifier) ? node.qualifier.text : node.qualifier.left.getText()) : '*']);
    }
    if (ts.isIdentifier(node) && namespaces.has(node.text)) {
      const from = namespaces.get(node.text)!;
      const parent = node.parent;
      if (ts.isPropertyAccessExpression(parent) && parent.expression === node) uses.push([from, parent.name.text]);
      else if (ts.isQualifiedName(parent) && parent.left === node) uses.push([from, parent.right.text]);
      else if (!(ts.isNamespaceImport(parent))) uses.push([from, '*']);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { module, uses };
}

const FILES = [...TREES.flatMap(sourceFiles), ...CONFIGS];
const MODULES = new Map<string, Module>(FILES.map((f) => [f, { own: new Set(), forwards: new Map(), stars: [] }]));
const scanned = FILES.map((f) => ({ file: f, ...scan(f, readFileSync(join(ROOT, f), 'utf8')) }));
for (const s of scanned) MODULES.set(s.file, s.module);

/** The export names of a module, its own, forwarded and through `export *`. */
function exportNames(file: string, seen = new Set<string>()): Set<string> {
  const m = MODULES.get(file)!;
  if (seen.has(file)) return new Set();
  seen.add(file);
  return new Set([...m.own, ...m.forwards.keys(), ...m.stars.flatMap((s) => [...exportNames(s, seen)].filter((n) => n !== 'default'))]);
}

/** Marks a use of `name` from `file`, following forwards and `export *` to where it is declared. */
function markUsed(used: Set<string>, file: string, name: string, seen = new Set<string>()): void {
  const key = `${file}:${name}`;
  if (seen.has(key)) return;
  seen.add(key);
  if (name === '*') {
    for (const n of exportNames(file)) markUsed(used, file, n, seen);
    return;
  }
  used.add(key);
  const m = MODULES.get(file)!;
  const forward = m.forwards.get(name);
  if (forward) markUsed(used, forward[0], forward[1], seen);
  if (!m.own.has(name) && !forward) for (const s of m.stars) if (exportNames(s).has(name)) markUsed(used, s, name, seen);
}

function unusedExports(): string[] {
  const used = new Set([...ENTRY_EXPORTS, ...AWAITED]);
  for (const s of scanned) for (const [file, name] of s.uses) if (file !== s.file) markUsed(used, file, name);
  return scanned
    .filter((s) => s.file.startsWith('src/') && !/\.test\.tsx?$/.test(s.file))
    .flatMap((s) => [...s.module.own, ...s.module.forwards.keys()].filter((n) => !used.has(`${s.file}:${n}`)).map((n) => `${s.file}: ${n}`))
    .sort();
}

describe('the public face of src', () => {
  it('reads the imports it judges by (the scan sees named, namespace, dynamic and type imports)', () => {
    const uses = new Set(scanned.flatMap((s) => s.uses.map(([f, n]) => `${f}:${n}`)));
    // A named import, a dynamic import's `.name`, one read in its `.then`, and re-exports.
    expect(uses).toContain('src/cli/args.ts:parseArgs');
    expect(uses).toContain('src/cli/preprocess.ts:runPreprocess');
    expect(uses).toContain('src/app/views/RunView.tsx:RunView');
    expect(MODULES.get('src/model/weights/index.ts')!.forwards.get('openWeights')).toEqual(['src/model/weights/open.ts', 'openWeights']);
    expect(MODULES.get('src/analysis/index.ts')!.stars).toContain('src/analysis/analyze.ts');
  });

  it('exports no name that no other module imports', () => {
    expect(unusedExports()).toEqual([]);
  });
});
