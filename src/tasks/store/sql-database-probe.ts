import type { HealthProbe } from '../cleanup/health-probe';
import type { SqlExecutor } from './sql-executor';

/** Health probe of the shared database: one round trip, and which dialect answered. */
export function createSqlDatabaseProbe(sql: SqlExecutor): HealthProbe {
  return {
    name: 'database',
    async check() {
      const row = await sql.get<{ ok: number }>('SELECT 1 AS ok');
      if (Number(row?.ok) !== 1) throw new Error('SELECT 1 returned no row');
      return { dialect: sql.dialect === 'postgres' ? 'postgresql' : 'sqlite' };
    },
  };
}
