import type { KombuMessage } from '../protocol/kombu-message';

/**
 * Adds `origin` to a task message's properties right after `reply_to`, where kombu puts it when
 * Celery passes an `origin` option through to `Producer.publish` (captured on Python's retry
 * messages, spec §1.3 "quirk"). Mutates and returns `message`.
 */
export function withOriginProperty(message: KombuMessage, origin: string): KombuMessage {
  const reordered: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message.properties)) {
    if (key === 'origin') continue;
    reordered[key] = value;
    if (key === 'reply_to') reordered.origin = origin;
  }
  if (!('origin' in reordered)) reordered.origin = origin;
  message.properties = reordered;
  return message;
}
