import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Celery } from '../app/celery';
import { requireAppModule } from '../app/require-app-module';
import { CeleriacError } from '../errors/celeriac-error';

/**
 * Loads an app module (`-A ./path/to/app.js` or `-A ./src/app.ts`): its default export (or
 * `module.exports`, or an `app` export) must be a Celery app. CommonJS and ES modules both load
 * (Node ≥ 20.19 `require()`s ES modules); `.ts`/`.mts`/`.cts` apps load through tsx, registered
 * only for them. A syntax error is one line naming file:line; type errors are not checked.
 */
export function loadApp(path: string, cwd: string = process.cwd()): Celery {
  const full = resolve(cwd, path);
  if (!existsSync(full)) throw new CeleriacError('CELERIAC_CLI_APP_NOT_FOUND', `app module not found: ${full} (from -A ${path})`);
  let mod: unknown;
  try {
    mod = requireAppModule(full);
  } catch (err) {
    if (err instanceof CeleriacError) throw err;
    throw new CeleriacError('CELERIAC_CLI_APP_LOAD_FAILED', `cannot load app module ${full}: ${firstLine((err as Error)?.message ?? String(err))}`, { cause: err });
  }
  const app = findApp(mod);
  if (!app) {
    throw new CeleriacError('CELERIAC_CLI_NOT_AN_APP', `app module ${full} does not export a Celery app (export default new Celery(...))`);
  }
  return app;
}

/** The app among a module's exports: `default`, then `app`, then the module itself. */
function findApp(mod: unknown): Celery | undefined {
  const candidates = [(mod as { default?: unknown } | null)?.default, (mod as { app?: unknown } | null)?.app, mod];
  return candidates.find(isApp);
}

/** Duck-typed so an app built with another copy of the package still loads. */
function isApp(v: unknown): v is Celery {
  return typeof v === 'object' && v !== null
    && typeof (v as Celery).getTask === 'function' && typeof (v as Celery).taskNames === 'function' && typeof (v as Celery).conf === 'object';
}

/** Errors print as one line; Node's "Require stack" and esbuild's error lists follow the first. */
function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? text;
}
