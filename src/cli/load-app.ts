import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Celery } from '../app/celery';
import { CeleriacError } from '../errors/celeriac-error';

/**
 * Loads an app module (`-A ./path/to/app.js`): its default export (or `module.exports`) must be a
 * Celery app. CommonJS and ES modules both load (Node ≥ 20.19 `require()`s ES modules).
 */
export function loadApp(path: string, cwd: string = process.cwd()): Celery {
  const full = resolve(cwd, path);
  if (!existsSync(full)) throw new CeleriacError('CELERIAC_CLI_APP_NOT_FOUND', `app module not found: ${full} (from -A ${path})`);
  let mod: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(full);
  } catch (err) {
    throw new CeleriacError('CELERIAC_CLI_APP_LOAD_FAILED', `cannot load app module ${full}: ${(err as Error).message}`, { cause: err });
  }
  const candidates = [(mod as { default?: unknown } | null)?.default, (mod as { app?: unknown } | null)?.app, mod];
  const app = candidates.find(isApp);
  if (!app) {
    throw new CeleriacError('CELERIAC_CLI_NOT_AN_APP', `app module ${full} does not export a Celery app (export default new Celery(...))`);
  }
  return app;
}

/** Duck-typed so an app built with another copy of the package still loads. */
function isApp(v: unknown): v is Celery {
  return typeof v === 'object' && v !== null
    && typeof (v as Celery).getTask === 'function' && typeof (v as Celery).taskNames === 'function' && typeof (v as Celery).conf === 'object';
}
