/**
 * The Message-ID of the mail a task sends: `<celeriac.{taskId}@{domain}>`. A retry of a Celery task
 * keeps its id, so every attempt carries the same Message-ID, and a receiver (or an SMTP catcher)
 * that saw the message already can drop the copy a retry sends after a lost `250`.
 */
export function buildMessageId(taskId: string, domain: string): string {
  const safeId = taskId.replace(/[^A-Za-z0-9._-]/g, '-');
  const safeDomain = domain.replace(/[^A-Za-z0-9.-]/g, '-') || 'localhost';
  return `<celeriac.${safeId}@${safeDomain}>`;
}

/** The domain of an address (`"LMS" <no-reply@lms.example>` → `lms.example`), or null. */
export function domainOfAddress(address: string): string | null {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(address.trim());
  return match?.[1] ?? null;
}
