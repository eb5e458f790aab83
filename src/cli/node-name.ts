/**
 * Expands Celery's node-name placeholders (celery/utils/nodenames.py): `%h` full host name,
 * `%n` its first label, `%d` the rest (domain), `%%` a percent sign. A name without `@` gets
 * `celery@` in front, as Celery does.
 */
export function expandNodeName(template: string, host: string): string {
  const dot = host.indexOf('.');
  const name = dot >= 0 ? host.slice(0, dot) : host;
  const domain = dot >= 0 ? host.slice(dot + 1) : '';
  const expanded = template.replace(/%([hnd%])/g, (_m, k: string) => (k === 'h' ? host : k === 'n' ? name : k === 'd' ? domain : '%'));
  return expanded.includes('@') ? expanded : `celery@${expanded}`;
}
