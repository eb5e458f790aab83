/**
 * True for a failed TLS handshake: the server's certificate not trusted, expired or for another name
 * (Node's `SELF_SIGNED_CERT_IN_CHAIN`, `ERR_TLS_CERT_ALTNAME_INVALID`, ...), or no TLS spoken
 * (`ERR_SSL_WRONG_VERSION_NUMBER`). Looks along `cause`; celeriac's own TLS codes count too.
 */
export function isTlsError(err: unknown): boolean {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'CELERIAC_TRANSPORT_TLS' || code === 'CELERIAC_BACKEND_TLS') return true;
    if (typeof code === 'string' && /^(ERR_SSL_|ERR_TLS_)|CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET_ISSUER)/.test(code)) return true;
  }
  return false;
}

/** Where a transport takes the CA to trust and the client certificate, as the messages name them. */
export interface TlsSettingNames {
  ca: string;
  clientCert: string;
}

/** One line for a TLS handshake failure (isTlsError), saying what to fix in the settings `names`. */
export function describeTlsError(err: unknown, names: TlsSettingNames): string {
  const { code, message } = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' && message ? message.split('\n')[0] as string : String(code);
  if (/WRONG_VERSION_NUMBER/.test(String(code))) return `TLS handshake failed (${text}): is the server speaking TLS on that port?`;
  // An alert is the server refusing us, most often for want of a client certificate.
  if (/ALERT/.test(String(code))) return `TLS handshake refused by the server: ${text} (${String(code)}); does it require a client certificate (${names.clientCert})?`;
  return `TLS handshake failed: ${text} (${String(code)}); trust the server's CA with ${names.ca}, or check the host name`;
}
