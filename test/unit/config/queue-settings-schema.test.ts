import { loadConfig } from '../../../src/config/load-config';

describe('task_queues from the environment', () => {
  it('reads the dict and the list form as JSON', () => {
    expect(loadConfig({ CELERY_TASK_QUEUES: '{"orders": {"exchange": "orders", "exchange_type": "topic", "queue_arguments": {"x-queue-type": "quorum"}}}' }, {})
      .task_queues).toEqual({ orders: { exchange: 'orders', exchange_type: 'topic', queue_arguments: { 'x-queue-type': 'quorum' } } });
    expect(loadConfig({ CELERY_TASK_QUEUES: '[{"name": "a"}, {"name": "b", "routing_key": "b.#"}]' }, {}).task_queues)
      .toEqual([{ name: 'a' }, { name: 'b', routing_key: 'b.#' }]);
  });

  it('names the variable and says whether the text is not JSON or not a queue table', () => {
    expect(() => loadConfig({ CELERY_TASK_QUEUES: '{"orders": {' }, {})).toThrow(/CELERY_TASK_QUEUES.*not valid JSON/s);
    for (const bad of ['{"orders": {"queue_arguments": 5}}', '[1, 2]', '[{"routing_key": "x"}]', '"orders"']) {
      expect(() => loadConfig({ CELERY_TASK_QUEUES: bad }, {})).toThrow(/CELERY_TASK_QUEUES.*expected \{"<queue>"/s);
    }
  });
});
