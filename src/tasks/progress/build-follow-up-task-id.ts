import { createHash } from 'node:crypto';

/**
 * A UUID-shaped task id derived from what the follow-up is for (`certificate`, enrollment id), so a
 * chain sent again after a crash reuses the ids of the first attempt and its results overwrite
 * instead of piling up. Version nibble 5 and RFC 4122 variant, as `uuid.uuid5` produces.
 */
export function buildFollowUpTaskId(kind: string, subjectId: string): string {
  const hex = createHash('sha256').update(`celeriac:${kind}:${subjectId}`).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
