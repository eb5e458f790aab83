// An app module as a user writes it (`celeriac worker -A ./examples/testing/billing-app.ts`); its test
// is billing-app.test.ts next to it, run by `npm test` with celeriac/testing (no Redis).
import { Celery } from 'celeriac';

/** What the billing tasks need from the outside world: a payment gateway the test replaces. */
export interface Gateway {
  charge(invoiceId: string, cents: number): Promise<{ chargeId: string }>;
}

/** Thrown by a gateway that cannot be reached right now: the charge is retried. */
export class GatewayUnavailable extends Error {
  override readonly name = 'GatewayUnavailable';
}

/** Builds the app around a gateway (no module-level connections). */
export function createBillingApp(gateway: Gateway): Celery {
  const app = new Celery('billing', { conf: { worker_log_context_fields: ['request_id'] } });

  const sendReceipt = app.task('billing.send_receipt', (invoiceId: string, chargeId: string) => ({ invoiceId, chargeId, sent: true }),
    { queue: 'emails' });

  app.task('billing.charge_invoice', async (task, invoiceId: string, cents: number) => {
    try {
      const { chargeId } = await gateway.charge(invoiceId, cents);
      task.log.info({ invoiceId, chargeId }, 'invoice charged');
      await sendReceipt.delay(invoiceId, chargeId);
      return chargeId;
    } catch (err) {
      if (err instanceof GatewayUnavailable) return task.retry({ countdown: 60, exc: err, maxRetries: 2 });
      throw err;
    }
  }, { bind: true, params: ['invoice_id', 'cents'] });

  return app;
}
