/** One dependency the health check looks at (the database, storage, ...). */
export interface HealthProbe {
  /** Key in the health report (`database`, `storage`). */
  name: string;
  /** Resolves (optionally with details) when healthy; throws when not. */
  check(): Promise<Record<string, unknown> | void>;
}
