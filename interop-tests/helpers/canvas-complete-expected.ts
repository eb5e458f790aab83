// What a stock Python Celery 5.6.2 worker gives for each case of interop-tests/python/canvas_complete_calls.py,
// shared by the Redis (worker-canvas-complete.test.ts) and RabbitMQ (amqp-canvas.test.ts) runs of that script;
// each run checks that the Python worker still gives these values.

/** The script's report: {case: {ok: value} | {error: text}}. */
export type CanvasCompleteReport = Record<string, { ok?: unknown; error?: string }>;

/** What a stock Python 5.6.2 worker gives for every case (the Python runs check it again every time). */
export const CANVAS_COMPLETE_EXPECTED: Record<string, unknown> = {
  chain_group_task: { value: 9, parent: [4, 5] },
  chain_ending_group: [12, 22],
  chord_mid_chain: 109,
  chord_into_chord: 15,
  chain_in_group_in_chain: [14, 14],
  chord_header_link_error: { raised: 'KeyError', count: 1, body: 'ChordError' },
  chord_header_link_error_allowed: { raised: 'KeyError', count: 2, body: 'ChordError' },
  // Python 5.6 also broadcasts a revoke for the body members and every Python worker then stores REVOKED
  // for them, racing with the FAILURE it stores: either may be read (celeriac stores FAILURE only)
  chord_group_body_fails: { raised: expect.stringMatching(/^(ExpectedException|TaskRevokedError)$/),
    states: [expect.stringMatching(/^(FAILURE|REVOKED)$/), expect.stringMatching(/^(FAILURE|REVOKED)$/)] },
  nested_shape: [[42, 42]],
  chain_in_header_fails: { raised: { cls: 'KeyError', text: "'no key for 2'" }, body: 'ChordError', text: "Dependency <id> raised KeyError('no key for 2')" },
  // the children of a step whose next step is a chord: the chord header's GroupResult, as a tuple
  chain_children: [['GroupResult', [['<id>', null], [[['<id>', null], null], [['<id>', null], null]]]]],
  chord_as_link: { body: 7, header: [3, 4], children: [[['<id>', null], [[['<id>', null], null], [['<id>', null], null]]]] },
  chord_as_errback: { same_as_failed: [true, true] },
  chord_in_header: 12,
  two_chords_in_chain: 42,
  group_body_succeeds: [6, 6],
  chord_body_link: { value: 6, count: 1 },
  group_of_chains_with_chord: [7, 10],
  new_style_errback: 1,
  chord_new_style_errback: 1,
  xmap: [3, 12],
  xstarmap: [3, 7],
  chunks: [[0, 2], [4, 6], [8]],
};

/** Report values with task ids replaced, so they compare with CANVAS_COMPLETE_EXPECTED. */
export function normalisedCanvasReport(report: CanvasCompleteReport): Record<string, unknown> {
  const text = JSON.stringify(report).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>');
  const parsed = JSON.parse(text) as CanvasCompleteReport;
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, v.error !== undefined ? `raised ${v.error}` : v.ok]));
}
