// The tasks of Celery's t/integration/tasks.py that return nested canvas signatures as data and the
// one that checks such data rebuilds into signatures. A Python signature is a dict on the wire
// (task, args, kwargs, options, subtask_type, immutable); these build the same shapes by hand.
import type { Celery } from '../../src/index';
import { T } from './register-basic-tasks';

/** A signature as Python serializes one. */
interface SignatureDict {
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  options: Record<string, unknown>;
  subtask_type: string | null;
  immutable: boolean;
}

function sig(task: string, kwargs: Record<string, unknown> = {}, subtaskType: string | null = null): SignatureDict {
  return { task, args: [], kwargs, options: {}, subtask_type: subtaskType, immutable: false };
}
const add = (): SignatureDict => sig(`${T}add`);
const chain = (...tasks: SignatureDict[]): SignatureDict => sig('celery.chain', { tasks }, 'chain');
// group(group([...])) takes the inner group's tasks, as Python's group constructor does.
const group = (...tasks: SignatureDict[]): SignatureDict => sig('celery.group',
  { tasks: tasks.length === 1 && tasks[0]?.subtask_type === 'group' ? tasks[0].kwargs.tasks : tasks }, 'group');
// chord(header, body): a group header contributes its tasks; any other signature is a one-task header.
const chord = (header: SignatureDict, body: SignatureDict): SignatureDict => sig('celery.chord',
  { header: header.subtask_type === 'group' ? header.kwargs.tasks : [header], body, kwargs: {} }, 'chord');

const NESTED: Record<string, () => SignatureDict> = {
  return_nested_signature_chain_chain: () => chain(chain(add())),
  return_nested_signature_chain_group: () => chain(group(add())),
  return_nested_signature_chain_chord: () => chain(chord(group(add()), add())),
  return_nested_signature_group_chain: () => group(chain(add())),
  return_nested_signature_group_group: () => group(group(add())),
  return_nested_signature_group_chord: () => group(chord(group(add()), add())),
  return_nested_signature_chord_chain: () => chord(chain(add()), add()),
  return_nested_signature_chord_group: () => chord(group(add()), add()),
  return_nested_signature_chord_chord: () => chord(chord(group(add()), add()), add()),
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** rebuild_signature's walk: every node, chain/group member, chord header member and body must be a signature. */
function checkSignature(v: unknown): void {
  if (!isRecord(v) || typeof v.task !== 'string') throw new TypeError(`${JSON.stringify(v)} is not a signature object`);
  const kwargs = isRecord(v.kwargs) ? v.kwargs : {};
  const type = v.subtask_type;
  if (type === 'chain' || type === 'group') for (const t of asList(kwargs.tasks)) checkSignature(t);
  if (type === 'chord') {
    const header = isRecord(kwargs.header) ? asList(isRecord(kwargs.header.kwargs) ? kwargs.header.kwargs.tasks : []) : asList(kwargs.header);
    for (const t of header) checkSignature(t);
    checkSignature(kwargs.body);
  }
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Registers the signature-returning tasks and rebuild_signature on `app`. */
export function registerSignatureTasks(app: Celery): void {
  for (const [name, build] of Object.entries(NESTED)) app.task(`${T}${name}`, () => build());
  app.task(`${T}rebuild_signature`, (sigDict: unknown) => {
    checkSignature(sigDict);
    return null;
  }, { params: ['sig_dict'] });
}
