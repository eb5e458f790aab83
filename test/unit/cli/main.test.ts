// The top-level CLI: usage lists each command once, --version, every subcommand's --help, exit codes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS, main, packageVersion, USAGE } from '../../../src/cli/main';

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out += String(chunk); return true; });
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { err += String(chunk); return true; });
  try {
    return { code: await main(argv, {}), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('celeriac (main)', () => {
  it('the usage text lists each command exactly once', async () => {
    const names = USAGE.split('\n').map((l) => /^ {2}([a-z]+) {2,}/.exec(l)?.[1]).filter((n): n is string => n !== undefined);
    expect(names).toEqual(['worker', 'beat', 'call', 'result', 'purge', 'status', 'inspect', 'control', 'dlq']);
    expect(await run(['--help'])).toEqual({ code: 0, out: `${USAGE}\n`, err: '' });
    expect(await run([])).toEqual({ code: 2, out: '', err: `${USAGE}\n` });
  });

  it('--version (and version, -V) prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(packageVersion()).toBe(version);
    for (const flag of ['--version', '-V', 'version']) expect(await run([flag])).toEqual({ code: 0, out: `${version}\n`, err: '' });
  });

  it.each(Object.keys(COMMANDS))('celeriac %s --help (and -h, and help <command>) prints its usage and exits 0 without connecting', async (name) => {
    const usage = COMMANDS[name]?.usage ?? '';
    expect(usage).toMatch(new RegExp(`^Usage: celeriac ${name}`));
    expect(await run([name, '--help'])).toEqual({ code: 0, out: `${usage}\n`, err: '' });
    expect(await run([name, 'x', '-h'])).toEqual({ code: 0, out: `${usage}\n`, err: '' });
    expect(await run(['help', name])).toEqual({ code: 0, out: `${usage}\n`, err: '' });
  });

  it('an unknown command or usage error exits 2 with one line first', async () => {
    const unknown = await run(['frob']);
    expect(unknown.code).toBe(2);
    expect(unknown.err.split('\n')[0]).toBe('celeriac: unknown command "frob"');
    expect(await run(['toString'])).toMatchObject({ code: 2 });
    expect(await run(['call'])).toEqual({ code: 2, out: '', err: expect.stringMatching(/^celeriac: call needs a task name[^\n]*\n$/) });
    expect(await run(['call', 't', '--args', '{'])).toMatchObject({ code: 2, err: expect.stringMatching(/^celeriac: --args is not valid JSON/) });
  });
});
