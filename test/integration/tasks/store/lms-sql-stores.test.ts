import { startPostgresServer, type PostgresServer } from '../../../helpers/postgres-server';
import { createPostgresBackend, createSqliteBackend } from './lms-store-backends';
import { describeLmsSqlStoresContract } from './lms-sql-stores-contract';

describeLmsSqlStoresContract('SQLite', async () => createSqliteBackend());

describe('PostgreSQL', () => {
  let server: PostgresServer;
  beforeAll(async () => { server = await startPostgresServer(); }, 60_000);
  afterAll(async () => { await server?.stop(); });
  describeLmsSqlStoresContract('PostgreSQL', () => createPostgresBackend(server));
});
