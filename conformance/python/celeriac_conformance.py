"""pytest plugin that run-conformance.ts loads into Celery's t/integration (``-p celeriac_conformance``).

In both modes:
- every test gets CONFORMANCE_TIMEOUT seconds (default 60), replacing the suite's own
  ``@pytest.mark.timeout(300)`` marks: ours is put first, so it is the closest mark pytest-timeout reads;
- each test's outcome (passed / failed / skipped, with the first line of the failure) is written to
  the JSON file named by CONFORMANCE_OUTCOMES when the session ends; an expected failure (xfail)
  counts as skipped, and a failed subtest fails its test.

With CONFORMANCE_WORKER=celeriac the suite's worker is replaced. t/integration/conftest.py gets its
``celery_session_worker`` fixture by ``from celery.contrib.pytest import celery_session_worker``;
this plugin is imported before any conftest, so rebinding that module attribute here makes the
conftest import our fixture instead. Ours starts one celeriac worker process (the command line in
CONFORMANCE_CELERIAC_ARGV, JSON) under the node name the suite expects of its in-process worker
(``anon_nodename()``, i.e. gen<pytest pid>@<host>), waits until it answers ping, and stops it at the
end of the session. Tests that use the worker object itself get None.
"""
import json
import os
import subprocess
import time

import pytest
import celery.contrib.pytest as celery_pytest
from celery.utils.nodenames import anon_nodename

TIMEOUT = float(os.environ.get('CONFORMANCE_TIMEOUT', '60'))
_outcomes = {}


def pytest_collection_modifyitems(items):
    for item in items:
        item.add_marker(pytest.mark.timeout(TIMEOUT), append=False)


def _first_line(report):
    longrepr = getattr(report, 'longrepr', None)
    crash = getattr(longrepr, 'reprcrash', None)
    if crash is not None:
        text = crash.message
    elif isinstance(longrepr, tuple):  # a skip: (path, line, reason)
        text = str(longrepr[-1])
    else:
        text = str(longrepr or getattr(report, 'wasxfail', ''))
    return text.strip().splitlines()[0][:300] if text.strip() else ''


def pytest_runtest_logreport(report):
    entry = _outcomes.setdefault(report.nodeid, {'outcome': 'passed', 'message': ''})
    if entry['outcome'] == 'failed':
        return  # a failed setup, call, subtest or teardown decides the test
    if report.failed:
        entry.update(outcome='failed', message=f'{report.when}: {_first_line(report)}')
    elif report.skipped and report.when in ('setup', 'call'):
        entry.update(outcome='skipped', message=_first_line(report))


def pytest_sessionfinish(session):
    path = os.environ.get('CONFORMANCE_OUTCOMES')
    if path:
        with open(path, 'w') as f:
            json.dump(_outcomes, f, indent=1, sort_keys=True)


def _wait_for_pong(app, node, proc, deadline_s=60.0):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f'celeriac worker exited with {proc.returncode} before answering ping')
        if app.control.ping([node], timeout=0.5):
            return
    raise RuntimeError(f'celeriac worker {node} did not answer ping within {deadline_s} s')


if os.environ.get('CONFORMANCE_WORKER') == 'celeriac':
    @pytest.fixture(scope='session', name='celery_session_worker')
    def celeriac_session_worker(celery_session_app):
        """One celeriac worker process for the whole session, in place of the in-process Python worker."""
        node = anon_nodename()
        argv = json.loads(os.environ['CONFORMANCE_CELERIAC_ARGV']) + ['-n', node]
        with open(os.environ.get('CONFORMANCE_WORKER_LOG', os.devnull), 'ab') as log:
            proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            try:
                _wait_for_pong(celery_session_app, node, proc)
                yield None
            finally:
                proc.terminate()  # SIGTERM: celeriac's warm shutdown
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

    celery_pytest.celery_session_worker = celeriac_session_worker
