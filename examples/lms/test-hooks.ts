// Test-only hooks of the LMS app, off unless their LMS_TEST_* variable is set (interop-tests/lms-e2e).
// They make a moment of a task observable from outside the process; they never change what a task does.
import { existsSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MessageSender } from '../../src/tasks/bulk/message-sender';
import type { CertificateStore } from '../../src/tasks/certificate';

/** Polls for a file every 25 ms until it appears (the process is killed meanwhile, or the test releases it). */
async function waitForFile(path: string): Promise<void> {
  while (!existsSync(path)) await new Promise((r) => setTimeout(r, 25));
}

/**
 * With `LMS_TEST_HOLD_DIR`: after generate_certificate recorded the certificate of an enrollment that
 * has a `hold-<enrollment id>` file there (PDF stored, row written, follow-ups not yet sent), writes
 * `held-<enrollment id>` (containing the pid) and waits for `release-<enrollment id>`. A test kills the
 * worker in that window to prove the redelivered task issues nothing twice.
 */
export function holdAfterRecording(store: CertificateStore, holdDir: string | null): CertificateStore {
  if (holdDir === null) return store;
  return {
    findEnrollment: (id) => store.findEnrollment(id),
    findCertificate: (id) => store.findCertificate(id),
    markCertificateNotified: (number, at) => store.markCertificateNotified(number, at),
    async recordCertificate(certificate) {
      const recorded = await store.recordCertificate(certificate);
      const id = certificate.enrollmentId;
      if (existsSync(join(holdDir, `hold-${id}`))) {
        // Written whole, then renamed into place: a watcher that sees `held-<id>` reads the pid, never an empty file.
        const held = join(holdDir, `held-${id}`);
        await writeFile(`${held}.tmp`, String(process.pid));
        await rename(`${held}.tmp`, held);
        await waitForFile(join(holdDir, `release-${id}`));
      }
      return recorded;
    },
  };
}

/** With `LMS_TEST_SEND_DELAY_MS`: each bulk message takes that long (a slow SMS gateway), so PROGRESS is seen moving. */
export function slowSender(sender: MessageSender, delayMs: number): MessageSender {
  if (delayMs <= 0) return sender;
  return {
    async send(message) {
      await new Promise((r) => setTimeout(r, delayMs));
      return sender.send(message);
    },
  };
}
