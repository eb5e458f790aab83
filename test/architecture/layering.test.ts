import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

// The layering of ../shared/STYLE.md, checked on every `npm test` (a rule nothing checks is a wish):
// - src/protocol is pure: no sockets, files, processes, timers' hosts, loggers or clients;
// - src/worker, src/beat and src/tasks know brokers and backends only through their interfaces:
//   no transport/redis*, backend/redis*, backend/chord/redis*, ioredis or amqplib;
// - no import cycles among src/ files, type-only imports included.
// KNOWN lists what is still wrong today; each entry must still be a real violation, so fixing one
// forces its removal here and the list only shrinks. It is empty: every rule holds (issue 10, part 1).

const SRC = resolve(__dirname, '../../src');

/** Node built-ins and packages src/protocol may use: pure computation only. */
const PROTOCOL_MAY_IMPORT = new Set(['node:zlib', 'node:crypto', 'node:buffer', 'node:util', 'zod']);
const BROKER_SPECIFIC = /^(transport\/redis|backend\/redis|backend\/chord\/redis)|^(ioredis|amqplib)$/;

const KNOWN = new Set<string>([]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every module specifier a file imports or re-exports (static, dynamic and `import type` alike). */
function specifiers(file: string): string[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      out.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** A relative specifier as a path under src/ (`../transport/redis/x` from worker/a.ts → `transport/redis/x`). */
function target(file: string, spec: string): string {
  return spec.startsWith('.') ? relative(SRC, resolve(dirname(file), spec)) : spec;
}

function resolveFile(file: string, spec: string): string | null {
  const base = resolve(dirname(file), spec);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(candidate)) return candidate;
  return null;
}

/** Strongly connected components with more than one file (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(relative(SRC, w));
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) connect(v);
  return found;
}

function violations(): string[] {
  const files = sourceFiles(SRC);
  const out: string[] = [];
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const rel = relative(SRC, file);
    const specs = specifiers(file);
    graph.set(file, specs.filter((s) => s.startsWith('.')).map((s) => resolveFile(file, s)).filter((f): f is string => f !== null));
    for (const spec of specs) {
      const to = target(file, spec);
      if (rel.startsWith('protocol/') && !spec.startsWith('.') && !PROTOCOL_MAY_IMPORT.has(spec)) out.push(`${rel} -> ${spec}`);
      if (rel.startsWith('protocol/') && spec.startsWith('.') && !to.startsWith('protocol/') && !to.startsWith('errors/')) out.push(`${rel} -> ${to}`);
      if (/^(worker|beat|tasks)\//.test(rel) && BROKER_SPECIFIC.test(to)) out.push(`${rel} -> ${to}`);
    }
  }
  for (const c of cycles(graph)) out.push(`cycle: ${c.join(', ')}`);
  return [...new Set(out)].sort();
}

describe('layering of src/ (STYLE.md)', () => {
  const found = violations();

  it('has no violation beyond the known ones', () => {
    expect(found.filter((v) => !KNOWN.has(v))).toEqual([]);
  });

  it('lists only known violations that still exist (fixed ones must leave KNOWN)', () => {
    expect([...KNOWN].filter((v) => !found.includes(v))).toEqual([]);
  });

  it('catches what it claims to: a cycle and a broker import in a fixture graph', () => {
    const graph = new Map([[join(SRC, 'a.ts'), [join(SRC, 'b.ts')]], [join(SRC, 'b.ts'), [join(SRC, 'a.ts')]], [join(SRC, 'c.ts'), []]]);
    expect(cycles(graph)).toEqual([['a.ts', 'b.ts']]);
    expect(BROKER_SPECIFIC.test(target(join(SRC, 'worker', 'x.ts'), '../transport/redis/redis-transport'))).toBe(true);
    expect(BROKER_SPECIFIC.test(target(join(SRC, 'worker', 'x.ts'), '../transport/transport'))).toBe(false);
  });
});
