import { ConfigError } from '../errors/celeriac-error';
import { findClosestName } from './closest-name';
import { settingNames, settingsSchema, type Settings, type SettingsInput } from './settings-schema';

/** Environment variable names that differ from `CELERY_<SETTING_NAME>`. */
const ENV_ALIASES: Record<string, keyof Settings> = {
  CELERY_BROKER_URL: 'broker_url',
  CELERY_RESULT_BACKEND: 'result_backend',
  CELERY_BROKER_TRANSPORT_OPTIONS: 'broker_transport_options',
  CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS: 'result_backend_transport_options',
  CELERY_TIMEZONE: 'timezone',
};

/**
 * Merges flags over environment over app conf over defaults and validates the result, reporting
 * every problem at once (ConfigError.problems). Pure: pass `process.env` in.
 */
export function loadConfig(env: Record<string, string | undefined>, flags: SettingsInput, appConf: SettingsInput = {}): Settings {
  const problems: string[] = [];
  const known = new Set<string>(settingNames);
  for (const key of Object.keys(appConf)) if (!known.has(key)) problems.push(`app conf: unknown setting "${key}"`);
  const fromEnv: Record<string, string> = {};
  for (const name of settingNames) {
    const value = env[`CELERY_${name.toUpperCase()}`];
    if (value !== undefined && value !== '') fromEnv[name] = value;
  }
  for (const [envName, name] of Object.entries(ENV_ALIASES)) {
    const value = env[envName];
    if (value !== undefined && value !== '') fromEnv[name] = value;
  }
  const merged: Record<string, unknown> = { ...stripUndefined(appConf), ...fromEnv, ...stripUndefined(flags) };
  const parsed = settingsSchema.safeParse(merged);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '');
      problems.push(`${name} (${sourceOf(name, flags, fromEnv)}): ${issue.message}; got ${JSON.stringify(merged[name])}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return parsed.data;
}

/** Celery environment variables that are not settings (Python's loader, debugger, worker pool); never warned about. */
const CELERY_NON_SETTINGS = new Set(['CELERY_CONFIG_MODULE', 'CELERY_LOADER', 'CELERY_CUSTOM_WORKER_POOL', 'CELERY_RDB_HOST',
  'CELERY_RDB_PORT', 'CELERY_RDBSIG', 'CELERY_TRACE_APP', 'CELERY_BENCH', 'CELERY_CHDIR']);

/** An environment variable that looks like a setting but is none; `closest` is the known variable it most resembles. */
export interface UnknownEnvSetting {
  variable: string;
  closest: string | null;
}

/**
 * `CELERY_*` environment variables loadConfig does not read (a typo such as CELERY_BROKER_ULR is
 * otherwise ignored silently), each with the nearest known variable by edit distance. Pure.
 */
export function findUnknownEnvSettings(env: Record<string, string | undefined>): UnknownEnvSetting[] {
  const known = [...new Set([...settingNames.map((n) => `CELERY_${n.toUpperCase()}`), ...Object.keys(ENV_ALIASES)])];
  const knownSet = new Set(known);
  return Object.keys(env)
    .filter((v) => v.startsWith('CELERY_') && !knownSet.has(v) && !CELERY_NON_SETTINGS.has(v))
    .sort()
    .map((variable) => ({ variable, closest: findClosestName(variable, known) }));
}

function sourceOf(name: string, flags: SettingsInput, env: Record<string, string>): string {
  if ((flags as Record<string, unknown>)[name] !== undefined) return 'command-line flag';
  if (env[name] !== undefined) return `environment CELERY_${name.toUpperCase()}`;
  return 'app conf';
}

function stripUndefined(o: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
