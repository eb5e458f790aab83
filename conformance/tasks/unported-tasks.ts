/**
 * Tasks of Celery's t/integration/tasks.py that this port leaves unregistered, with why: each needs
 * an API celeriac's tasks do not have yet. A test calling one fails with NotRegistered. Empty since
 * the canvas, replace and add_to_chord tasks were ported (register-canvas-tasks.ts).
 */
export const UNPORTED_TASKS: Readonly<Record<string, string>> = {};
