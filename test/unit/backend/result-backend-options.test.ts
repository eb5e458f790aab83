import { buildGlobalKeyPrefix, buildTaskKey, parseResultBackendOptions } from '../../../src/backend/result-backend-options';
import { ConfigError } from '../../../src/errors/celeriac-error';

describe('parseResultBackendOptions', () => {
  it('defaults to one day, no prefix', () => {
    expect(parseResultBackendOptions(undefined)).toEqual({ resultExpiresSec: 86400, keyPrefix: '' });
  });

  it('accepts Celery names and ignores unrelated transport options', () => {
    expect(parseResultBackendOptions({ result_expires: 60, global_keyprefix: 'app', master_name: 'mymaster', retry_policy: {} }))
      .toEqual({ resultExpiresSec: 60, keyPrefix: 'app_', masterName: 'mymaster' });
  });

  it('prefers camelCase names when both are given', () => {
    expect(parseResultBackendOptions({ resultExpiresSec: 5, result_expires: 60, globalKeyprefix: 'x:', global_keyprefix: 'y' }))
      .toMatchObject({ resultExpiresSec: 5, keyPrefix: 'x:' });
  });

  it('treats 0 and null as never expiring', () => {
    expect(parseResultBackendOptions({ result_expires: 0 }).resultExpiresSec).toBeNull();
    expect(parseResultBackendOptions({ resultExpiresSec: null }).resultExpiresSec).toBeNull();
  });

  it('reports every bad option at once', () => {
    let caught: unknown;
    try {
      parseResultBackendOptions({ result_expires: -3, global_keyprefix: 7 });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems).toHaveLength(2);
    expect((caught as ConfigError).problems.join('\n')).toMatch(/result_expires[\s\S]*global_keyprefix/);
  });
});

describe('buildGlobalKeyPrefix', () => {
  it.each([
    [undefined, ''], ['', ''], ['app', 'app_'], ['app:', 'app:'], ['app_', 'app_'], ['app-', 'app-'], ['app.', 'app.'], ['app/', 'app/_'],
  ])('%p -> %p', (input, expected) => {
    expect(buildGlobalKeyPrefix(input)).toBe(expected);
  });

  it('builds the task key with the prefix in front of celery-task-meta-', () => {
    expect(buildTaskKey('app_', 'abc')).toBe('app_celery-task-meta-abc');
  });
});
