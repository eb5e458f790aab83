// A fast subset of `npm run conformance` (issue 13 item 4): a handful of tests of Celery 5.6.2's own
// t/integration, run by scripts/conformance.sh against the stock Python worker and against a celeriac
// worker running conformance/tasks/; every test the stock worker passes must pass with celeriac.
// The runner installs what it needs (pytest & co. into the venv, the sdist from PyPI into .cache/).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConformanceReport, ModeReport } from '../conformance/conformance-report';
import { killAllChildren, trackChild, waitForExit } from './helpers/child-registry';
import { REPO_ROOT } from './helpers/python';

/** Tests that pass in both modes today (README "Conformance"), selected with pytest -k. */
const SUBSET_MODULES = 'test_tasks.py test_inspect.py test_canvas.py';
const SUBSET_K = [
  'test_tasks and (test_simple_call or test_basic_task or test_ignore_result)',
  'test_Inspect and (test_ping or test_active_queues)',
  'test_chain and (test_simple_chain or test_single_chain)',
].map((e) => `(${e})`).join(' or ');
/** How many tests the expression selects: a changed suite or a broken -k fails the test instead of passing vacuously. */
const SUBSET_SIZE = 7;

let scratch: string;

beforeAll(() => { scratch = mkdtempSync(join(tmpdir(), 'celeriac-conformance-')); });
afterAll(async () => {
  await killAllChildren();
  rmSync(scratch, { recursive: true, force: true });
});

function passed(mode: ModeReport | undefined): string[] {
  return Object.entries(mode?.outcomes ?? {}).filter(([, o]) => o.outcome === 'passed').map(([id]) => id).sort();
}

test('celeriac passes every test the stock Python worker passes on a subset of Celery\'s t/integration', async () => {
  const reportPath = join(scratch, 'report.json');
  let output = '';
  const child = trackChild(spawn('bash', [join(REPO_ROOT, 'scripts', 'conformance.sh')], {
    cwd: REPO_ROOT,
    // npm test built dist/ already (scripts/ensure-deps.sh); the worker runs from it.
    env: { ...process.env, CONFORMANCE_MODULES: SUBSET_MODULES, CONFORMANCE_K: SUBSET_K, CONFORMANCE_REPORT: reportPath, CONFORMANCE_NO_BUILD: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
  child.stdout?.on('data', (c: Buffer) => { output += c.toString(); });
  child.stderr?.on('data', (c: Buffer) => { output += c.toString(); });
  // SIGTERM, not SIGKILL: the runner then kills its pytest process group and stops its redis-server.
  const timer = setTimeout(() => child.kill('SIGTERM'), 280_000);
  const { code } = await waitForExit(child);
  clearTimeout(timer);
  expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });

  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as ConformanceReport;
  const stock = passed(report.modes.stock);
  expect(stock).toHaveLength(SUBSET_SIZE);
  // Failure messages of celeriac's run, so a regression says what broke.
  expect({ passed: passed(report.modes.celeriac), failures: report.modes.celeriac?.failures }).toEqual({ passed: stock, failures: {} });
}, 300_000);
