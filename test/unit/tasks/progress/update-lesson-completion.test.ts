import pino from 'pino';
import { TaskArgumentError } from '../../../../src/app/bind-arguments';
import { createProgressTasks, type ProgressTasksOptions } from '../../../../src/tasks/progress/create-progress-tasks';
import type { TaskSender } from '../../../../src/tasks/progress/task-sender';
import { MemoryEnrollmentStore } from '../../../../src/tasks/store/memory-enrollment-store';
import { MemoryLmsTables } from '../../../../src/tasks/store/memory-lms-tables';

const at = new Date('2026-03-01T10:00:00Z');
const task = { log: pino({ level: 'silent' }) };

class RecordingSender implements TaskSender {
  readonly sent: Array<{ name: string; args: unknown[]; kwargs: Record<string, unknown>; options: { taskId: string; queue?: string } }> = [];
  failNext = false;
  async sendTask(name: string, args: unknown[], kwargs: Record<string, unknown>, options: { taskId: string; queue?: string }): Promise<{ id: string }> {
    if (this.failNext) { this.failNext = false; throw new Error('broker down'); }
    this.sent.push({ name, args, kwargs, options });
    return { id: options.taskId };
  }
}

function setup(over: Partial<ProgressTasksOptions> = {}) {
  const tables = new MemoryLmsTables();
  tables.insert({
    users: [{ id: 'u1', email: 'ada@example.com', fullName: 'Ada Lovelace', createdAt: at }],
    courses: [{ id: 'c1', title: 'Engines', createdAt: at }],
    lessons: [{ id: 'l1', courseId: 'c1', title: 'One' }, { id: 'l2', courseId: 'c1', title: 'Two' }],
    enrollments: [{ id: 'e1', userId: 'u1', courseId: 'c1', enrolledAt: at }],
  });
  const sender = new RecordingSender();
  let clock = at.getTime();
  const tasks = createProgressTasks({ enrollments: new MemoryEnrollmentStore(tables), sender, now: () => new Date(clock), ...over });
  return { tables, sender, tasks, advance: (ms: number) => { clock += ms; } };
}

describe('update_lesson_completion', () => {
  it('returns the new percentage and sends nothing before the course is complete', async () => {
    const { tasks, sender } = setup();
    expect(await tasks.updateLessonCompletion(task, 'e1', 'l1', 'u1')).toEqual({
      enrollment_id: 'e1', lesson_id: 'l1', lesson_newly_completed: true, completed_lessons: 1, total_lessons: 2,
      progress_percentage: 50, course_completed: false, certificate_task_id: null,
    });
    expect(sender.sent).toEqual([]);
  });

  it('on completion sends generate_certificate then the completion email, with stable ids, once', async () => {
    const { tasks, sender, tables } = setup();
    await tasks.updateLessonCompletion(task, 'e1', 'l1', 'u1');
    const done = await tasks.updateLessonCompletion(task, 'e1', 'l2', 'u1');
    expect(done).toMatchObject({ progress_percentage: 100, course_completed: true });
    expect(sender.sent.map((s) => [s.name, s.args, s.kwargs, s.options.queue])).toEqual([
      ['app.tasks.certificate_tasks.generate_certificate', ['e1'], {}, 'certificates'],
      ['app.tasks.email_tasks.send_course_completion_email', [], { email: 'ada@example.com', full_name: 'Ada Lovelace', course_title: 'Engines' }, 'emails'],
    ]);
    expect(done.certificate_task_id).toBe(sender.sent[0]!.options.taskId);
    expect(sender.sent[0]!.options.taskId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(tables.enrollments.get('e1')!.dispatchedAt).not.toBeNull();
    expect((await tasks.updateLessonCompletion(task, 'e1', 'l2', 'u1')).certificate_task_id).toBeNull();
    expect(sender.sent).toHaveLength(2);
  });

  it('a chain that failed to send is sent by the redelivered task once the claim expires, under the same ids', async () => {
    const { tasks, sender, advance } = setup({ dispatchLeaseMs: 60_000 });
    await tasks.updateLessonCompletion(task, 'e1', 'l1', 'u1');
    sender.failNext = true;
    await expect(tasks.updateLessonCompletion(task, 'e1', 'l2', 'u1')).rejects.toThrow('broker down');
    expect((await tasks.updateLessonCompletion(task, 'e1', 'l2', 'u1')).certificate_task_id).toBeNull(); // claim still live
    advance(60_000);
    const redelivered = await tasks.updateLessonCompletion(task, 'e1', 'l2', 'u1');
    expect(redelivered.certificate_task_id).not.toBeNull();
    expect(sender.sent.map((s) => s.name)).toEqual(['app.tasks.certificate_tasks.generate_certificate', 'app.tasks.email_tasks.send_course_completion_email']);
  });

  it('takes Python ints as ids, and configurable task names and email keywords', async () => {
    const { tasks, sender, tables } = setup({
      certificateTask: { name: 'certs.make' },
      completionEmailTask: { name: 'mail.done', queue: 'mail', buildKwargs: (o) => ({ to: o.student.email }) },
    });
    tables.insert({ users: [{ id: '7', email: 'b@example.com', fullName: 'B', createdAt: at }], enrollments: [{ id: '9', userId: '7', courseId: 'c1', enrolledAt: at }] });
    await tasks.updateLessonCompletion(task, 9, 'l1', 7);
    await tasks.updateLessonCompletion(task, 9, 'l2', 7);
    expect(sender.sent.map((s) => [s.name, s.options.queue, s.kwargs])).toEqual([['certs.make', undefined, {}], ['mail.done', 'mail', { to: 'b@example.com' }]]);
  });

  it('refuses bad arguments as ValueError', async () => {
    const { tasks } = setup();
    await expect(tasks.updateLessonCompletion(task, '', 'l1', 'u1')).rejects.toBeInstanceOf(TaskArgumentError);
    await expect(tasks.updateLessonCompletion(task, 'e1', { id: 1 }, 'u1')).rejects.toMatchObject({ pythonType: 'ValueError' });
  });
});
