// Turns the per-test outcomes of both modes into the per-module table and the JSON report.
import type { ConformanceMode, PytestModeRun, TestOutcome } from './run-pytest-mode';

/** passed / failed / skipped of one module in one mode. */
export interface ModuleCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/** One mode's figures in the report. */
export interface ModeReport {
  durationSec: number;
  pytestExitCode: number | null;
  pytestLog: string;
  workerLog: string | null;
  modules: Record<string, ModuleCounts>;
  total: ModuleCounts;
  /** Failed test id → first line of its failure. */
  failures: Record<string, string>;
  outcomes: Record<string, TestOutcome>;
}

/** The JSON report `npm run conformance` writes. */
export interface ConformanceReport {
  celeryVersion: string;
  date: string;
  machine: string;
  modules: string[];
  k: string | null;
  timeoutSec: number;
  modes: Partial<Record<ConformanceMode, ModeReport>>;
  /** Report the stock figures were taken from (CONFORMANCE_STOCK_FROM), null when run here. */
  stockReusedFrom: string | null;
  /** Tests that pass with the stock worker and not with celeriac (when both modes ran). */
  passStockNotCeleriac: string[];
  /** Tests that pass with celeriac and not with the stock worker. */
  passCeleriacNotStock: string[];
}

/** `t/integration/test_tasks.py::test_x` → `test_tasks.py`. */
export function moduleOf(testId: string): string {
  const file = testId.split('::')[0] ?? testId;
  return file.slice(file.lastIndexOf('/') + 1);
}

/** Counts and failures of one mode's run. */
export function buildModeReport(run: PytestModeRun, modules: string[]): ModeReport {
  const counts: Record<string, ModuleCounts> = {};
  for (const m of modules) counts[m] = { passed: 0, failed: 0, skipped: 0 };
  const total: ModuleCounts = { passed: 0, failed: 0, skipped: 0 };
  const failures: Record<string, string> = {};
  for (const [id, o] of Object.entries(run.outcomes).sort(([a], [b]) => a.localeCompare(b))) {
    const c = (counts[moduleOf(id)] ??= { passed: 0, failed: 0, skipped: 0 });
    c[o.outcome] += 1;
    total[o.outcome] += 1;
    if (o.outcome === 'failed') failures[id] = o.message;
  }
  return { durationSec: run.durationSec, pytestExitCode: run.exitCode, pytestLog: run.pytestLog, workerLog: run.workerLog,
    modules: counts, total, failures, outcomes: run.outcomes };
}

function passedIn(r: ModeReport | undefined): Set<string> {
  return new Set(Object.entries(r?.outcomes ?? {}).filter(([, o]) => o.outcome === 'passed').map(([id]) => id));
}

/** Ids passing in `a` and not in `b`. */
export function passOnlyIn(a: ModeReport | undefined, b: ModeReport | undefined): string[] {
  if (!a || !b) return [];
  const other = passedIn(b);
  return [...passedIn(a)].filter((id) => !other.has(id)).sort();
}

function cell(c: ModuleCounts | undefined): string {
  return c ? `${c.passed} / ${c.failed} / ${c.skipped}` : '-';
}

/** The side-by-side table, as Markdown (README pastes it as is). */
export function formatTable(report: ConformanceReport): string {
  const { celeriac, stock } = report.modes;
  const names = [...new Set([...report.modules, ...Object.keys(celeriac?.modules ?? {}), ...Object.keys(stock?.modules ?? {})])];
  const lines = ['| module | celeriac passed / failed / skipped | stock Python worker passed / failed / skipped |', '|---|---|---|'];
  for (const m of names) {
    const n = Math.max(...[celeriac, stock].map((r) => { const c = r?.modules[m]; return c ? c.passed + c.failed + c.skipped : 0; }));
    lines.push(`| ${m} (${n}) | ${cell(celeriac?.modules[m])} | ${cell(stock?.modules[m])} |`);
  }
  lines.push(`| **total** | **${cell(celeriac?.total)}** | **${cell(stock?.total)}** |`);
  return lines.join('\n');
}
