import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM files of a throw-away PKI: a CA, a server certificate for localhost/127.0.0.1, a client pair, and an unrelated CA. */
export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A CA that signed nothing here: trusting only it must fail the handshake. */
  otherCaCert: string;
  remove(): void;
}

/** Makes the files with the `openssl` command (Debian's openssl package), valid for two days. */
export async function createTestPki(): Promise<TestPki> {
  const dir = mkdtempSync(join(tmpdir(), 'celeriac-pki-'));
  const f = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): Promise<unknown> => run('openssl', args, { cwd: dir });
  const selfSigned = (name: string, cn: string): Promise<unknown> => openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`),
    '-out', f(`${name}.crt`), '-days', '2', '-subj', `/CN=${cn}`);
  const signed = async (name: string, cn: string, ext: string): Promise<void> => {
    writeFileSync(f(`${name}.ext`), ext);
    await openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`);
    await openssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f(`${name}.crt`),
      '-days', '2', '-extfile', f(`${name}.ext`));
  };
  try {
    await Promise.all([selfSigned('ca', 'celeriac test CA'), selfSigned('other-ca', 'celeriac unrelated CA')]);
    await signed('server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    await signed('client', 'celeriac test client', 'extendedKeyUsage=clientAuth\n');
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot make test certificates with openssl: ${(err as Error).message}`);
  }
  return { dir, caCert: f('ca.crt'), serverCert: f('server.crt'), serverKey: f('server.key'), clientCert: f('client.crt'), clientKey: f('client.key'),
    otherCaCert: f('other-ca.crt'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
