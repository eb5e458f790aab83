/** Normalises anything a `catch` can receive into an Error, so handlers never see a bare string or object. */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === 'string') return new Error(thrown);
  let text: string;
  try {
    text = JSON.stringify(thrown) ?? String(thrown);
  } catch {
    text = String(thrown);
  }
  const err = new Error(`non-error thrown: ${text}`);
  (err as Error & { thrown?: unknown }).thrown = thrown;
  return err;
}
