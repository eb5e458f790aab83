/** A broker/backend URL fit for logs: any password (and `password=` query value) replaced by `***`. */
export function safeUrl(url: string): string {
  return url
    .split(';')
    .map((part) => part.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i, (_m, scheme: string, auth: string) => {
      const colon = auth.indexOf(':');
      return `${scheme}${colon >= 0 ? `${auth.slice(0, colon)}:***` : auth}@`;
    }).replace(/([?&]password=)[^&]*/gi, '$1***'))
    .join(';');
}
