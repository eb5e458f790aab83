import { isIP } from 'node:net';
import { checkServerIdentity, type ConnectionOptions } from 'node:tls';
import { TransportError } from '../../errors/celeriac-error';

/** The keys of py-amqp's ssl dict (SSLTransport._wrap_socket_sni) that celeriac reads. */
const AMQP_SSL_KEYS = ['ca_certs', 'certfile', 'keyfile', 'cert_reqs', 'server_hostname'] as const;

const CERT_REQS: Record<string, boolean> = {
  required: true, optional: true, none: false, CERT_REQUIRED: true, CERT_OPTIONAL: true, CERT_NONE: false, 2: true, 1: true, 0: false,
};

/** TLS for an AMQP broker: the socket options amqplib hands to `tls.connect`, and what to log. */
export interface AmqpTls {
  socket: ConnectionOptions;
  warnings: readonly string[];
}

/**
 * TLS for an AMQP broker URL as kombu's py-amqp transport takes it: `amqps://` or Celery's
 * `broker_use_ssl` (true, or `{ca_certs, certfile, keyfile, cert_reqs, server_hostname}`) turn it
 * on; the chain is verified unless `cert_reqs` is none; `ca_certs` replaces the default CAs;
 * `server_hostname` is the SNI name (null: the URL's host, as kombu). Unlike py-amqp, which checks
 * the name only when server_hostname is given, Node always checks it against that name or the host.
 * Returns null for a plain connection; throws TransportError CELERIAC_TRANSPORT_BAD_URL naming a bad
 * key, value or unreadable file.
 */
export function amqpTlsOptions(scheme: string, host: string, useSsl: unknown, where: string, readFile: (path: string) => Buffer): AmqpTls | null {
  if (useSsl === undefined || useSsl === null || useSsl === false) {
    if (scheme !== 'amqps') return null;
    useSsl = true;
  }
  if (useSsl !== true && (typeof useSsl !== 'object' || Array.isArray(useSsl))) {
    throw bad(where, `broker_use_ssl must be true, false or an object of ${AMQP_SSL_KEYS.join(', ')}`);
  }
  const ssl = (useSsl === true ? {} : useSsl) as Record<string, unknown>;
  for (const key of Object.keys(ssl)) {
    if (!(AMQP_SSL_KEYS as readonly string[]).includes(key)) {
      const hint = key.startsWith('ssl_') ? ` (the ssl_* names are Redis'; RabbitMQ takes ${key.slice(4)})` : '';
      throw bad(where, `broker_use_ssl: unknown key "${key}" for RabbitMQ${hint}; known: ${AMQP_SSL_KEYS.join(', ')}`);
    }
  }
  const verify = ssl.cert_reqs === undefined ? true : CERT_REQS[String(ssl.cert_reqs)];
  if (verify === undefined) throw bad(where, `broker_use_ssl.cert_reqs "${String(ssl.cert_reqs)}" is not one of required, optional, none (or CERT_REQUIRED, CERT_OPTIONAL, CERT_NONE)`);
  const file = (key: string): Buffer | undefined => {
    const path = ssl[key];
    if (path === undefined || path === null || path === '') return undefined;
    if (typeof path !== 'string') throw bad(where, `broker_use_ssl.${key} must be a file path, got ${JSON.stringify(path)}`);
    try {
      return readFile(path);
    } catch (err) {
      throw bad(where, `cannot read broker_use_ssl.${key} "${path}": ${(err as Error).message}`);
    }
  };
  if (ssl.keyfile && !ssl.certfile) throw bad(where, 'broker_use_ssl.keyfile is set without certfile');
  const named = ssl.server_hostname;
  if (named !== undefined && named !== null && typeof named !== 'string') throw bad(where, `broker_use_ssl.server_hostname must be a host name or null, got ${JSON.stringify(named)}`);
  const name = typeof named === 'string' && named !== '' ? named : host;
  const socket: ConnectionOptions = { rejectUnauthorized: verify };
  // SNI carries names only (RFC 6066); the certificate is still checked against an address.
  if (isIP(name) === 0) socket.servername = name;
  if (name !== host) socket.checkServerIdentity = (_host, cert) => checkServerIdentity(name, cert);
  const ca = file('ca_certs');
  const cert = file('certfile');
  const key = file('keyfile') ?? cert;
  Object.assign(socket, ca ? { ca } : {}, cert ? { cert } : {}, key ? { key } : {});
  const warnings = verify ? [] : [`${where}: broker_use_ssl.cert_reqs=none: the server's certificate is not verified: anyone on the path can read and change the traffic`];
  return { socket, warnings };
}

function bad(where: string, why: string): TransportError {
  return new TransportError('CELERIAC_TRANSPORT_BAD_URL', `${where}: ${why}`);
}
