/**
 * Sends a follow-up task by name, as Python's `app.send_task`. A celeriac `Celery` app satisfies it
 * as it is (`sender: app`); tests pass a recorder.
 */
export interface TaskSender {
  sendTask(name: string, args: unknown[], kwargs: Record<string, unknown>, options: { taskId: string; queue?: string }): Promise<{ id: string }>;
}
