import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
// esbuild is what tsx transpiles with (installed with it): its TransformError is the one a .ts app's syntax error raises.
import { transformSync } from 'esbuild';
import { CeleriacError } from '../../../src/errors/celeriac-error';
import { findTsconfig, isTypeScriptPath, locateSyntaxError } from '../../../src/app/require-app-module';

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'celeriac-require-app-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

/** What tsx's register saw of TSX_TSCONFIG_PATH, one entry per call (tsx itself is replaced by this spy). */
const mockRegisterCalls: Array<string | undefined> = [];
jest.mock('tsx/cjs/api', () => ({ register: () => { mockRegisterCalls.push(process.env.TSX_TSCONFIG_PATH); return () => undefined; } }));

/** A fresh copy of the module (its "registered once" flag cleared) and the spy's calls from now on. */
function withRegisterSpy(): { requireAppModule: (p: string) => unknown; calls: Array<string | undefined> } {
  mockRegisterCalls.length = 0;
  let requireAppModule!: (p: string) => unknown;
  jest.isolateModules(() => {
    ({ requireAppModule } = jest.requireActual<typeof import('../../../src/app/require-app-module')>('../../../src/app/require-app-module'));
  });
  return { requireAppModule, calls: mockRegisterCalls };
}

describe('requireAppModule', () => {
  it('registers the TypeScript loader for .ts/.mts/.cts only, and once', () => {
    expect(['a.ts', 'a.mts', 'a.cts', 'A.TS'].map(isTypeScriptPath)).toEqual([true, true, true, true]);
    expect(['a.js', 'a.mjs', 'a.cjs', 'a.ts.js', 'a.d'].map(isTypeScriptPath)).toEqual([false, false, false, false, false]);
    const js = join(dir, 'app.js');
    writeFileSync(js, 'module.exports = { kind: "js" };\n');
    const ts = join(dir, 'app.ts');
    writeFileSync(ts, 'export const kind: string = "ts";\n');
    const { requireAppModule, calls } = withRegisterSpy();
    expect(requireAppModule(js)).toEqual({ kind: 'js' });
    expect(calls).toHaveLength(0);
    expect(requireAppModule(ts)).toMatchObject({ kind: 'ts' });
    requireAppModule(ts);
    expect(calls).toHaveLength(1);
  });

  it("points tsx at the tsconfig nearest the app while registering (paths aliases), unless TSX_TSCONFIG_PATH is set", () => {
    mkdirSync(join(dir, 'src', 'deep'), { recursive: true });
    writeFileSync(join(dir, 'tsconfig.json'), '{}');
    const ts = join(dir, 'src', 'deep', 'app.ts');
    writeFileSync(ts, 'export default 1;\n');
    const saved = process.env.TSX_TSCONFIG_PATH;
    delete process.env.TSX_TSCONFIG_PATH;
    try {
      const first = withRegisterSpy();
      first.requireAppModule(ts);
      expect(first.calls).toEqual([join(dir, 'tsconfig.json')]);
      expect(process.env.TSX_TSCONFIG_PATH).toBeUndefined();
      process.env.TSX_TSCONFIG_PATH = '/elsewhere/tsconfig.json';
      const second = withRegisterSpy();
      second.requireAppModule(ts);
      expect(second.calls).toEqual(['/elsewhere/tsconfig.json']);
      expect(process.env.TSX_TSCONFIG_PATH).toBe('/elsewhere/tsconfig.json');
    } finally {
      if (saved === undefined) delete process.env.TSX_TSCONFIG_PATH;
      else process.env.TSX_TSCONFIG_PATH = saved;
    }
  });

  it('rethrows errors that are not syntax errors unchanged', () => {
    const js = join(dir, 'throws.js');
    writeFileSync(js, 'throw new RangeError("boom at start");\n');
    const { requireAppModule } = withRegisterSpy();
    expect(() => requireAppModule(js)).toThrow(RangeError);
  });
});

describe('findTsconfig', () => {
  it('finds the nearest tsconfig.json at or above a folder', () => {
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    writeFileSync(join(dir, 'tsconfig.json'), '{}');
    expect(findTsconfig(join(dir, 'a', 'b'))).toBe(join(dir, 'tsconfig.json'));
    writeFileSync(join(dir, 'a', 'tsconfig.json'), '{}');
    expect(findTsconfig(join(dir, 'a', 'b'))).toBe(join(dir, 'a', 'tsconfig.json'));
  });
});

describe('locateSyntaxError', () => {
  it("reads file:line:column from esbuild's TransformError (what tsx throws)", () => {
    let thrown: unknown;
    try {
      transformSync('const a: number = 1;\nconst b = {\n  x: 1,,\n};\n', { loader: 'ts', sourcefile: '/app/src/app.ts' });
    } catch (err) {
      thrown = err;
    }
    expect(locateSyntaxError(thrown)).toBe('/app/src/app.ts:3:7: Expected identifier but found ","');
  });

  it("reads file:line from Node's own SyntaxError", () => {
    let thrown: unknown;
    try {
      new Script('const a = 1;\nconst b = {\n  x: 1,,\n};\n', { filename: '/app/app.js' });
    } catch (err) {
      thrown = err;
    }
    expect(locateSyntaxError(thrown)).toBe("/app/app.js:3: Unexpected token ','");
  });

  it('is null for other errors, a SyntaxError without a file position included', () => {
    let parseError: unknown;
    try {
      JSON.parse('{oops: 12');
    } catch (err) {
      parseError = err;
    }
    expect(locateSyntaxError(parseError)).toBeNull();
    expect(locateSyntaxError(new Error('Cannot find module x'))).toBeNull();
    expect(locateSyntaxError('text')).toBeNull();
    expect(locateSyntaxError(new CeleriacError('CELERIAC_X', 'x'))).toBeNull();
  });
});
