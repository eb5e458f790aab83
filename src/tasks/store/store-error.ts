import { CeleriacError } from '../../errors/celeriac-error';

/**
 * A task family's database failed or was configured wrongly. Codes: `CELERIAC_STORE_BAD_URL`,
 * `CELERIAC_STORE_OPEN_FAILED`, `CELERIAC_STORE_QUERY_FAILED`, `CELERIAC_STORE_MIGRATION_FAILED`, `CELERIAC_STORE_CLOSED`,
 * `CELERIAC_STORE_CERTIFICATE_NUMBER_TAKEN`.
 */
export class StoreError extends CeleriacError {}
