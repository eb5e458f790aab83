import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CeleriacError } from '../../../src/errors/celeriac-error';
import { loadApp } from '../../../src/cli/load-app';

// tsx's hooks stay out of the jest worker (jest loads .ts through ts-jest); interop-tests/cli-ts-app.test.ts runs the real one.
jest.mock('tsx/cjs/api', () => ({ register: () => () => undefined }));

const SRC = join(__dirname, '..', '..', '..', 'src', 'index');

let dir: string;
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'celeriac-load-app-')); });
afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

function write(name: string, text: string): string {
  writeFileSync(join(dir, name), text);
  return name;
}

function loadError(path: string): CeleriacError {
  try {
    loadApp(path, dir);
  } catch (err) {
    if (err instanceof CeleriacError) return err;
    throw err;
  }
  throw new Error(`loadApp(${path}) did not throw`);
}

describe('loadApp', () => {
  it('finds the app as module.exports, the default export or an `app` export, relative to cwd', () => {
    write('cjs.js', `const { Celery } = require(${JSON.stringify(SRC)}); module.exports = new Celery('cjs');`);
    write('default.ts', `import { Celery } from ${JSON.stringify(SRC)};\nexport default new Celery('dflt');\n`);
    write('named.js', `const { Celery } = require(${JSON.stringify(SRC)}); exports.app = new Celery('named'); exports.other = 1;`);
    expect(loadApp('cjs.js', dir).main).toBe('cjs');
    expect(loadApp('./default.ts', dir).main).toBe('dflt');
    expect(loadApp(join(dir, 'named.js'), '/').main).toBe('named');
  });

  it('names a missing module, and one that exports no app', () => {
    const missing = loadError('nope/app.ts');
    expect(missing.code).toBe('CELERIAC_CLI_APP_NOT_FOUND');
    expect(missing.message).toBe(`app module not found: ${join(dir, 'nope/app.ts')} (from -A nope/app.ts)`);
    write('empty.js', 'module.exports = { tasks: [] };');
    expect(loadError('empty.js').code).toBe('CELERIAC_CLI_NOT_AN_APP');
  });

  it('reports a module that throws while loading in one line, without the require stack', () => {
    write('needs.js', "require('./not-there');");
    const err = loadError('needs.js');
    expect(err.code).toBe('CELERIAC_CLI_APP_LOAD_FAILED');
    expect(err.message).toMatch(new RegExp(`^cannot load app module ${join(dir, 'needs.js')}: Cannot find module './not-there'`));
    expect(err.message).not.toContain('\n');
  });
});
