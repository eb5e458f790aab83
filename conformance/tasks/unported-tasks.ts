/**
 * Tasks of Celery's t/integration/tasks.py that this port leaves unregistered, with why: each needs
 * an API celeriac's tasks do not have yet. A test calling one fails with NotRegistered.
 */
export const UNPORTED_TASKS: Readonly<Record<string, string>> = {
  chain_add: 'builds and applies a chain inside the task (no canvas from TypeScript)',
  chord_add: 'builds and applies a chord inside the task (no canvas from TypeScript)',
  build_chain_inside_task: 'builds and applies a chain inside the task (no canvas from TypeScript)',
  add_replaced: 'task.replace()',
  replace_with_chain: 'task.replace() with a chain',
  replace_with_chain_which_raises: 'task.replace() with a chain',
  replace_with_empty_chain: 'task.replace() with an empty chain',
  add_to_all: 'task.replace() with a group',
  add_to_all_to_chord: 'task.add_to_chord()',
  add_chord_to_chord: 'task.add_to_chord() with a chord',
  second_order_replace1: 'task.replace() with a chain',
  second_order_replace2: 'task.replace() with a chain',
  fail_replaced: 'task.replace()',
  replace_with_stamped_task: 'task.replace() plus a stamping visitor (on_replace)',
};
