// `npm run conformance`: Celery's own integration suite (t/integration of the pinned Celery's sdist,
// fetched at run time) against the stock Python worker and against one celeriac worker, on the same
// private redis-server, printed per module side by side and written as a JSON report.
//
// Environment: CONFORMANCE_MODULES (files under t/integration, comma/space separated), CONFORMANCE_K
// (pytest -k), CONFORMANCE_MODES (default "stock,celeriac"), CONFORMANCE_REPORT (JSON path),
// CONFORMANCE_TIMEOUT (seconds per test, 60), CELERIAC_VENV (python venv, default .venv).
import { cpus, platform, release } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { startRedisServer } from '../test/helpers/redis-server';
import { buildModeReport, formatTable, passOnlyIn, type ConformanceReport } from './conformance-report';
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

async function main(): Promise<number> {
  const repoRoot = resolve(__dirname, '..');
  const cacheDir = join(repoRoot, '.cache', 'conformance');
  const python = join(process.env.CELERIAC_VENV ?? join(repoRoot, '.venv'), 'bin', 'python');
  const modules = list(process.env.CONFORMANCE_MODULES, DEFAULT_MODULES);
  const modes = list(process.env.CONFORMANCE_MODES, ['stock', 'celeriac']) as ConformanceMode[];
  const k = process.env.CONFORMANCE_K || undefined;
  const timeoutSec = Number(process.env.CONFORMANCE_TIMEOUT ?? 60);
  const reportPath = resolve(process.env.CONFORMANCE_REPORT ?? join(cacheDir, 'report.json'));
  mkdirSync(cacheDir, { recursive: true });

  const suite = await fetchCelerySuite(cacheDir, CELERY_VERSION, python);
  console.log(`== Celery ${suite.version} t/integration: ${modules.join(' ')}${k ? ` -k '${k}'` : ''}; ${timeoutSec} s per test, no reruns`);
  const redisServer = await startRedisServer();
  const report: ConformanceReport = {
    celeryVersion: suite.version, date: new Date().toISOString(), machine: `${platform()} ${release()}, ${cpus().length} CPUs`,
    modules, k: k ?? null, timeoutSec, modes: {}, passStockNotCeleriac: [], passCeleriacNotStock: [],
  };
  try {
    for (const mode of modes) {
      // Same server for both modes, emptied in between (it is ours: started above).
      const admin = new Redis(redisServer.port, '127.0.0.1');
      await admin.flushall();
      admin.disconnect();
      console.log(`== ${mode}: running pytest`);
      const run = await runPytestMode({
        mode, repoRoot, suiteRoot: suite.root, python, modules, k, timeoutSec, runTimeoutMs: 3 * 3600_000, outDir: cacheDir,
        redis: { host: '127.0.0.1', port: redisServer.port, broker: redisServer.url(1), backend: redisServer.url(2) },
      });
      const r = buildModeReport(run, modules);
      report.modes[mode] = r;
      console.log(`   ${mode}: ${r.total.passed} passed, ${r.total.failed} failed, ${r.total.skipped} skipped in ${r.durationSec} s (log ${run.pytestLog})`);
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
