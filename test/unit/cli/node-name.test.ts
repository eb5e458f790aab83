import { expandNodeName } from '../../../src/cli/node-name';

describe('expandNodeName', () => {
  it.each([
    ['ts1@%h', 'web-1.example.com', 'ts1@web-1.example.com'],
    ['ts1@%n', 'web-1.example.com', 'ts1@web-1'],
    ['%n@%d', 'web-1.example.com', 'web-1@example.com'],
    ['celery@%h', 'box', 'celery@box'],
    ['worker1', 'box', 'celery@worker1'],
    ['a%%b@%h', 'box', 'a%b@box'],
  ])('%s on %s → %s', (template, host, expected) => {
    expect(expandNodeName(template, host)).toBe(expected);
  });
});
