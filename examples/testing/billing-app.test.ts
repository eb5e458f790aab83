// How to test an app's tasks with celeriac/testing: a real worker on an in-memory broker and result
// store, a manual clock for countdowns and retries, and a record of every message sent.
import { createTestWorker, type TestWorker } from 'celeriac/testing';
import { createBillingApp, GatewayUnavailable, type Gateway } from './billing-app';

describe('billing tasks', () => {
  let tw: TestWorker;
  afterEach(async () => { await tw.close(); });

  it('charges the invoice and sends the receipt to the emails queue', async () => {
    const gateway: Gateway = { charge: async (invoiceId) => ({ chargeId: `ch_${invoiceId}` }) };
    const app = createBillingApp(gateway);
    tw = await createTestWorker(app);

    const result = await app.sendTask<string>('billing.charge_invoice', [], { invoice_id: 'inv1', cents: 500 },
      { headers: { request_id: 'req-42' } });
    await tw.drain();

    expect(await result.get({ timeout: 1 })).toBe('ch_inv1');
    const [receipt] = tw.sentTasks('billing.send_receipt');
    expect(receipt).toMatchObject({ queue: 'emails', args: ['inv1', 'ch_inv1'], parentId: result.id });
    // The request id the caller passed travels with the tasks this one sends.
    expect(receipt?.headers.request_id).toBe('req-42');
    expect(await (await tw.result(receipt?.id ?? '')).get({ timeout: 1 })).toEqual({ invoiceId: 'inv1', chargeId: 'ch_inv1', sent: true });
  });

  it('retries after 60 s while the gateway is down, then succeeds', async () => {
    let calls = 0;
    const gateway: Gateway = {
      charge: async () => {
        calls++;
        if (calls === 1) throw new GatewayUnavailable('timeout');
        return { chargeId: 'ch_2' };
      },
    };
    const app = createBillingApp(gateway);
    tw = await createTestWorker(app);

    const result = await app.sendTask('billing.charge_invoice', ['inv2', 900]);
    await tw.drain();
    expect(await result.state()).toBe('RETRY');
    expect(tw.sentTasks('billing.charge_invoice').map((s) => s.retries)).toEqual([0, 1]);

    await tw.advance(59_000);
    expect(calls).toBe(1);
    await tw.advance(1_000);
    expect(calls).toBe(2);
    expect(await result.get({ timeout: 1 })).toBe('ch_2');
  });

  it('fails with the gateway error once retries are exhausted', async () => {
    const app = createBillingApp({ charge: async () => { throw new GatewayUnavailable('down'); } });
    tw = await createTestWorker(app);
    const result = await app.sendTask('billing.charge_invoice', ['inv3', 100]);
    await tw.drain();
    await tw.advance(60_000);
    await tw.advance(60_000);
    await expect(result.get({ timeout: 1 })).rejects.toMatchObject({ name: 'GatewayUnavailable', message: 'down' });
    expect(tw.sentTasks({ task: 'billing.send_receipt' })).toHaveLength(0);
  });
});
