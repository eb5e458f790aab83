// `npm run conformance`: Celery's own integration suite (t/integration of the pinned Celery's sdist,
// fetched at run time) against the stock Python worker and against one celeriac worker, on the same
// private redis-server, printed per module side by side and written as a JSON report.
//
// Environment: CONFORMANCE_MODULES (files under t/integration, comma/space separated), CONFORMANCE_K
// (pytest -k), CONFORMANCE_MODES (default "stock,celeriac"), CONFORMANCE_REPORT (JSON path; the pytest
// and worker logs are written beside it),
// CONFORMANCE_TIMEOUT (seconds per test, 60), CELERIAC_VENV (python venv, default .venv),
// CONFORMANCE_STOCK_FROM (an earlier report whose stock figures are reused instead of re-running the
// stock worker: its outcomes depend only on Celery, not on celeriac; same modules and -k required).
import { cpus, platform, release } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Redis from 'ioredis';
import { CeleriacError } from '../src/errors/celeriac-error';
import { startRedisServer } from '../test/helpers/redis-server';
import { buildModeReport, formatTable, passOnlyIn, type ConformanceReport, type ModeReport } from './conformance-report';
import { fetchCelerySuite } from './fetch-celery-suite';
import { runPytestMode, type ConformanceMode } from './run-pytest-mode';

/** The Celery whose suite is run: the version interop-tests/python/requirements.txt pins. */
export const CELERY_VERSION = '5.6.2';
/** The modules of the default run (231 tests in Celery 5.6.2); the rest need RabbitMQ, Azure, Django, ... */
export const DEFAULT_MODULES = ['test_tasks.py', 'test_canvas.py', 'test_inspect.py', 'test_security.py'];

function list(value: string | undefined, fallback: string[]): string[] {
  const items = (value ?? '').split(/[\s,]+/).filter(Boolean);
  return items.length > 0 ? items : fallback;
}

/** The stock figures of an earlier report, refused when it ran another selection. */
function loadStockBaseline(path: string, current: ConformanceReport): ModeReport {
  const earlier = JSON.parse(readFileSync(path, 'utf8')) as ConformanceReport;
  const same = earlier.celeryVersion === current.celeryVersion && earlier.k === current.k
    && earlier.modules.join(' ') === current.modules.join(' ') && earlier.timeoutSec === current.timeoutSec;
  if (!same || !earlier.modes.stock) {
    throw new CeleriacError('CELERIAC_CONFORMANCE_BASELINE', `${path} has no stock run of the same selection (Celery ${earlier.celeryVersion}, modules ${earlier.modules.join(' ')}, -k ${earlier.k})`);
  }
  console.log(`== stock: figures of ${earlier.date} reused from ${path}`);
  return earlier.modes.stock;
}

async function main(): Promise<number> {
  const repoRoot = resolve(__dirname, '..');
  const cacheDir = join(repoRoot, '.cache', 'conformance');
  const python = join(process.env.CELERIAC_VENV ?? join(repoRoot, '.venv'), 'bin', 'python');
  const modules = list(process.env.CONFORMANCE_MODULES, DEFAULT_MODULES);
  const modes = list(process.env.CONFORMANCE_MODES, ['stock', 'celeriac']) as ConformanceMode[];
  const k = process.env.CONFORMANCE_K || undefined;
  const timeoutSec = Number(process.env.CONFORMANCE_TIMEOUT ?? 60);
  const reportPath = resolve(process.env.CONFORMANCE_REPORT ?? join(cacheDir, 'report.json'));
  // Logs and outcome files go beside the report, so two runs with different reports never share them.
  const outDir = dirname(reportPath);
  mkdirSync(cacheDir, { recursive: true });
  mkdirSync(outDir, { recursive: true });

  const suite = await fetchCelerySuite(cacheDir, CELERY_VERSION, python);
  console.log(`== Celery ${suite.version} t/integration: ${modules.join(' ')}${k ? ` -k '${k}'` : ''}; ${timeoutSec} s per test, no reruns`);
  const stockFrom = process.env.CONFORMANCE_STOCK_FROM || undefined;
  const report: ConformanceReport = {
    celeryVersion: suite.version, date: new Date().toISOString(), machine: `${platform()} ${release()}, ${cpus().length} CPUs`,
    modules, k: k ?? null, timeoutSec, modes: {}, stockReusedFrom: stockFrom ?? null, passStockNotCeleriac: [], passCeleriacNotStock: [],
  };
  if (stockFrom) report.modes.stock = loadStockBaseline(stockFrom, report);
  const redisServer = await startRedisServer();
  try {
    for (const mode of modes.filter((m) => !(stockFrom && m === 'stock'))) {
      // Same server for both modes, emptied in between (it is ours: started above).
      const admin = new Redis(redisServer.port, '127.0.0.1');
      await admin.flushall();
      admin.disconnect();
      console.log(`== ${mode}: running pytest`);
      const run = await runPytestMode({
        mode, repoRoot, suiteRoot: suite.root, python, modules, k, timeoutSec, runTimeoutMs: 3 * 3600_000, outDir,
        redis: { host: '127.0.0.1', port: redisServer.port, broker: redisServer.url(1), backend: redisServer.url(2) },
      });
      const r = buildModeReport(run, modules);
      report.modes[mode] = r;
      console.log(`   ${mode}: ${r.total.passed} passed, ${r.total.failed} failed, ${r.total.skipped} skipped in ${r.durationSec} s (log ${run.pytestLog})`);
      // pytest exits 3 on an INTERNALERROR (seen once: formatting a traceback a timeout interrupted): the rest did not run.
      if (run.exitCode !== 0 && run.exitCode !== 1) console.log(`   ${mode}: pytest exited ${run.exitCode}: the run is INCOMPLETE (see its log)`);
    }
  } finally {
    await redisServer.stop();
  }
  report.passStockNotCeleriac = passOnlyIn(report.modes.stock, report.modes.celeriac);
  report.passCeleriacNotStock = passOnlyIn(report.modes.celeriac, report.modes.stock);
  writeFileSync(reportPath, `${JSON.stringify(report, null, 1)}\n`);
  console.log(`\n${formatTable(report)}\n`);
  const celeriacFailures = report.modes.celeriac?.failures ?? {};
  if (report.passStockNotCeleriac.length > 0) {
    console.log(`Pass with the stock worker, not with celeriac (${report.passStockNotCeleriac.length}):`);
    for (const id of report.passStockNotCeleriac) console.log(`  ${id}: ${celeriacFailures[id] ?? report.modes.celeriac?.outcomes[id]?.outcome ?? 'not run'}`);
  }
  console.log(`report: ${reportPath}`);
  return 0;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
