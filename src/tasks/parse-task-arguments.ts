import type { z } from 'zod';
import { TaskArgumentError } from '../app/bind-arguments';

/**
 * Validates a task's arguments with a zod schema and returns the parsed value. A rejection throws
 * TaskArgumentError('ValueError'), which Python stores as `ValueError` (the same class the worker
 * uses when a task's `schema` option rejects its arguments), naming every bad field at once.
 */
export function parseTaskArguments<S extends z.ZodType>(taskLabel: string, schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(arguments)'}: ${i.message}`);
  throw new TaskArgumentError('ValueError', `invalid arguments for ${taskLabel}: ${problems.join('; ')}`);
}
