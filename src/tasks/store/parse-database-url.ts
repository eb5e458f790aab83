import { StoreError } from './store-error';

/** Which database to open. */
export type LmsDatabaseTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; connectionString: string };

/**
 * Reads `DATABASE_URL` as lms_api/db.py does: `postgres://` / `postgresql://` (a SQLAlchemy
 * `postgresql+driver://` too) is PostgreSQL; `sqlite:///relative` or `sqlite:////absolute` is a
 * SQLite file; unset or empty means the SQLite file `defaultSqlitePath` (pure).
 */
export function parseDatabaseUrl(url: string | undefined, defaultSqlitePath: string): LmsDatabaseTarget {
  const text = url?.trim() ?? '';
  if (text === '') return { kind: 'sqlite', path: defaultSqlitePath };
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql' || scheme?.startsWith('postgresql+')) {
    return { kind: 'postgres', connectionString: text.replace(/^postgresql\+[a-z0-9]+:/i, 'postgresql:') };
  }
  if (scheme === 'sqlite') {
    const path = text.slice('sqlite:///'.length);
    if (!text.toLowerCase().startsWith('sqlite:///') || path === '') {
      throw new StoreError('CELERIAC_STORE_BAD_URL', 'DATABASE_URL: want sqlite:///relative/path.db or sqlite:////absolute/path.db');
    }
    return { kind: 'sqlite', path };
  }
  throw new StoreError('CELERIAC_STORE_BAD_URL', `DATABASE_URL: unsupported scheme ${scheme ?? '(none)'} (want postgresql:// or sqlite:///)`);
}
