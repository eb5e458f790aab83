import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** How to start a pool thread: a compiled entry file, or (when running from TypeScript sources) an eval'd bootstrap. */
export interface ThreadEntry {
  /** A file path, or JavaScript source when `eval` is true. */
  filename: string;
  eval: boolean;
}

/**
 * The pool thread's entry. Built code (`dist/`) has `thread-entry.js` next to this file. From
 * sources (ts-jest) there is only `thread-entry.ts`: the thread then registers a `.ts` loader
 * that transpiles with the project's TypeScript, so the thread loads the same sources (and an app
 * module that requires them) as the main thread.
 */
export function resolveThreadEntry(dir: string = __dirname): ThreadEntry {
  const js = join(dir, 'thread-entry.js');
  if (existsSync(js)) return { filename: js, eval: false };
  const ts = join(dir, 'thread-entry.ts');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const typescript = require.resolve('typescript');
  const source = `
const fs = require('node:fs');
const ts = require(${JSON.stringify(typescript)});
require.extensions['.ts'] = (module, filename) => {
  const out = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: false },
  });
  module._compile(out.outputText, filename);
};
require(${JSON.stringify(ts)});
`;
  return { filename: source, eval: true };
}
