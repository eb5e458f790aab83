import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CeleriacError } from '../errors/celeriac-error';

/** App module paths that need the TypeScript loader; `.js`/`.mjs`/`.cjs` apps load without it. */
const TYPESCRIPT_PATH = /\.[cm]?ts$/i;

/** The part of `tsx/cjs/api` used here (typed locally: `moduleResolution: node` does not read package exports). */
interface TsxCjsApi {
  register(): () => void;
}

/** Set once per thread: require hooks live in each thread's own module system. */
let tsxRegistered = false;

/** True when loading this path needs the TypeScript loader. */
export function isTypeScriptPath(path: string): boolean {
  return TYPESCRIPT_PATH.test(path);
}

/**
 * `require()`s an app module by absolute path, in the CLI's main thread and in pool threads alike.
 * A `.ts`/`.mts`/`.cts` path first registers tsx's CommonJS hooks (esbuild transpiling, no type
 * checking), which compile ES-module and CommonJS syntax alike and resolve `paths` aliases from the
 * tsconfig.json nearest to the app. JavaScript apps load with plain `require` and pay nothing.
 * A syntax error becomes one CeleriacError line naming file:line (CELERIAC_APP_SYNTAX).
 */
export function requireAppModule(fullPath: string): unknown {
  if (isTypeScriptPath(fullPath)) registerTypeScriptLoader(fullPath);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(fullPath);
  } catch (err) {
    const located = locateSyntaxError(err);
    if (located) throw new CeleriacError('CELERIAC_APP_SYNTAX', `syntax error in app module: ${located}`, { cause: err });
    throw err;
  }
}

/**
 * Registers tsx once. Its tsconfig (for `paths` aliases) is the one nearest to the app module,
 * unless TSX_TSCONFIG_PATH names one; tsx reads that variable only while registering.
 */
function registerTypeScriptLoader(fullPath: string): void {
  if (tsxRegistered) return;
  const previous = process.env.TSX_TSCONFIG_PATH;
  const tsconfig = previous === undefined ? findTsconfig(dirname(fullPath)) : undefined;
  if (tsconfig !== undefined) process.env.TSX_TSCONFIG_PATH = tsconfig;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('tsx/cjs/api') as TsxCjsApi).register();
    tsxRegistered = true;
  } finally {
    if (tsconfig !== undefined) delete process.env.TSX_TSCONFIG_PATH;
  }
}

/** The nearest `tsconfig.json` in `dir` or above it, if any. */
export function findTsconfig(dir: string): string | undefined {
  for (let current = dir; ; current = dirname(current)) {
    const candidate = join(current, 'tsconfig.json');
    if (existsSync(candidate)) return candidate;
    if (dirname(current) === current) return undefined;
  }
}

/**
 * `file:line[:column]: message` for a syntax error thrown while loading a module, or null for any
 * other error. Reads esbuild's TransformError (`<file>:<line>:<col>: ERROR: <text>` lines) and
 * Node's own SyntaxError (stack starting with `<file>:<line>`, the offending line and a caret).
 */
export function locateSyntaxError(thrown: unknown): string | null {
  // Duck-typed: errors from another realm (vm, a test sandbox) fail `instanceof Error`.
  if (typeof thrown !== 'object' || thrown === null || typeof (thrown as Error).message !== 'string') return null;
  const err = thrown as Error;
  if (err.name === 'TransformError' || err.message.startsWith('Transform failed')) {
    const first = /^(.+?:\d+:\d+): ERROR: (.+)$/m.exec(err.message);
    return first ? `${first[1]}: ${first[2]}` : null;
  }
  if (err.name === 'SyntaxError') {
    const where = /^((?:\/|[A-Za-z]:\\|file:).*?:\d+)\n/.exec(err.stack ?? '');
    return where ? `${where[1]}: ${err.message}` : null;
  }
  return null;
}
