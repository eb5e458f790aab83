import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

// Every ```ts block of README.md is type-checked against the real package (`celeriac` maps to
// src/index.ts through tsconfig paths), as files of a virtual folder: the block with
// `export default app` is app.ts, the others import it as './app'. README cannot drift from the API.

const ROOT = resolve(__dirname, '../..');
const DIR = join(ROOT, 'test', 'types', '__readme__');

function readmeBlocks(): string[] {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
}

function typeCheck(files: Record<string, string>): string[] {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const options: ts.CompilerOptions = { ...parsed.options, noEmit: true };
  const host = ts.createCompilerHost(options);
  const virtual = new Map(Object.entries(files).map(([name, body]) => [join(DIR, name), body]));
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => virtual.has(f) || fileExists.call(host, f);
  host.readFile = (f) => virtual.get(f) ?? readFile.call(host, f);
  const { directoryExists } = host;
  host.directoryExists = (d) => d === DIR || (directoryExists ? directoryExists.call(host, d) : ts.sys.directoryExists(d));
  host.getSourceFile = (f, lang, ...rest) => {
    const body = virtual.get(f);
    return body !== undefined ? ts.createSourceFile(f, body, lang) : getSourceFile.call(host, f, lang, ...rest);
  };
  const program = ts.createProgram([...virtual.keys()], options, host);
  return ts.getPreEmitDiagnostics(program)
    .filter((d) => d.file && virtual.has(d.file.fileName))
    .map((d) => `${d.file?.fileName.slice(DIR.length + 1)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

function asFiles(blocks: string[]): Record<string, string> {
  const files: Record<string, string> = {};
  blocks.forEach((body, i) => { files[/export default app/.test(body) ? 'app.ts' : `block-${i + 1}.ts`] = body; });
  return files;
}

describe("README's TypeScript examples", () => {
  const blocks = readmeBlocks();

  it('has an app example to check', () => {
    expect(blocks.some((b) => /export default app/.test(b))).toBe(true);
  });

  it('type-check against the package as it is', () => {
    expect(typeCheck(asFiles(blocks))).toEqual([]);
  });

  it('would catch a wrong call (the check is real)', () => {
    const files = asFiles(blocks);
    files['wrong.ts'] = "import { add } from './app';\nvoid add.delay('2', 3);\n";
    expect(typeCheck(files).some((e) => e.startsWith('wrong.ts'))).toBe(true);
  });
});
