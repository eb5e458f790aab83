import { randomUUID } from 'node:crypto';
import type { SignatureWire } from '../protocol/task-message';
import { buildSignatureMessage, type PlannedMessage, type SignatureApplyContext } from './build-signature-message';
import { CanvasError } from './canvas-error';
import { encodeSignature, parseSignature, type Signature } from './signature';

/**
 * Celery's result tuple for `children` and `AsyncResult`/`GroupResult.as_tuple()`:
 * task `[[id, parentTuple|null], null]`, group `[[gid, null], [memberTuples...]]`.
 */
export type ResultTuple = [[string, ResultTuple | null], ResultTuple[] | null];

/** Messages one `apply_async` publishes, in order, and the result tuple Python would record. */
export interface AppliedSignature {
  messages: PlannedMessage[];
  resultTuple: ResultTuple;
}

/**
 * `signature(sig).apply_async(args, **options)` for the canvas types a worker meets as follow-ups:
 * a plain task, a `group` (every member with the group id and its index), a `chain` (first step
 * carries the rest, reversed, in `embed.chain`). Other types (`chord`, `chunks`, `xmap`, ...) throw
 * CanvasError CELERIAC_CANVAS_UNSUPPORTED.
 */
export function applySignature(sig: Signature, ctx: SignatureApplyContext): AppliedSignature {
  switch (sig.subtaskType) {
    case null: {
      const planned = buildSignatureMessage(sig, ctx);
      return { messages: [planned], resultTuple: [[planned.taskId, null], null] };
    }
    case 'group':
      return applyGroup(sig, ctx);
    case 'chain':
      return applyChain(sig, ctx);
    default:
      throw new CanvasError('CELERIAC_CANVAS_UNSUPPORTED',
        `cannot apply a "${sig.subtaskType}" signature (${sig.task}) as a follow-up; celeriac applies plain tasks, groups and chains`);
  }
}

/** `group.apply_async`: group id = the group's frozen `task_id` or a new uuid; members get `group_id`/`group_index`. */
export function applyGroup(sig: Signature, ctx: SignatureApplyContext): AppliedSignature {
  const members = canvasTasks(sig);
  const groupId = typeof sig.options.task_id === 'string' ? sig.options.task_id : (ctx.newId ?? randomUUID)();
  const { task_id: _ownId, ...groupOptions } = sig.options;
  const messages: PlannedMessage[] = [];
  const tuples: ResultTuple[] = [];
  members.forEach((member, index) => {
    const options = { ...groupOptions, ...ctx.options, group_id: groupId, group_index: index };
    const memberSig: Signature = { ...member, options: { ...member.options } };
    // a member's own group_id must not win here: the group assigns it (group._prepared / _freeze_gid)
    delete memberSig.options.group_id;
    const applied = applySignature(memberSig, { ...ctx, options });
    messages.push(...applied.messages);
    tuples.push(applied.resultTuple);
  });
  return { messages, resultTuple: [[groupId, null], tuples] };
}

/** `_chain.run`: freezes every step (task id, reply_to), publishes the first with the rest reversed in `chain`. */
export function applyChain(sig: Signature, ctx: SignatureApplyContext): AppliedSignature {
  const steps = canvasTasks(sig);
  if (steps.length === 0) throw new CanvasError('CELERIAC_CANVAS_UNSUPPORTED', 'cannot apply an empty chain');
  const newId = ctx.newId ?? randomUUID;
  const { task_id: lastId, link, link_error: linkError, ...chainOptions } = sig.options;
  const frozen = steps.map((step, i): Signature => {
    const isLast = i === steps.length - 1;
    if (step.subtaskType !== null) {
      throw new CanvasError('CELERIAC_CANVAS_UNSUPPORTED', `chain step ${i} is a "${step.subtaskType}"; celeriac chains plain tasks only`);
    }
    const options: Record<string, unknown> = {
      ...step.options,
      task_id: step.options.task_id ?? (isLast && typeof lastId === 'string' ? lastId : newId()),
      reply_to: step.options.reply_to ?? ctx.replyTo,
    };
    if (linkError !== undefined && linkError !== null) options.link_error = linkError;
    if (isLast && link !== undefined && link !== null) options.link = link;
    return { ...step, options };
  });
  const [first, ...rest] = frozen as [Signature, ...Signature[]];
  const chain: SignatureWire[] = rest.reverse().map(encodeSignature);
  const planned = buildSignatureMessage(first, { ...ctx, options: { ...chainOptions, ...ctx.options, chain } });
  let tuple: ResultTuple = [[planned.taskId, null], null];
  for (const step of frozen.slice(1)) tuple = [[step.options.task_id as string, tuple], null];
  return { messages: [planned], resultTuple: tuple };
}

function canvasTasks(sig: Signature): Signature[] {
  const tasks = sig.kwargs.tasks;
  if (!Array.isArray(tasks)) throw new CanvasError('CELERIAC_CANVAS_UNSUPPORTED', `${sig.task} signature has no kwargs.tasks list`);
  return tasks.map((t, i) => parseSignature(t, `${sig.task}.kwargs.tasks[${i}]`));
}
