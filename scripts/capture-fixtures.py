#!/usr/bin/env python
"""Capture golden Celery wire fixtures from the real Python Celery (spec section 11).

Run with the project venv:

    /work/main/.venv/bin/python scripts/capture-fixtures.py --out test/fixtures/python
    /work/main/.venv/bin/python scripts/capture-fixtures.py --redis-url redis://127.0.0.1:6390/0 --out ...

Without --redis-url a private redis-server is started on a free port and stopped at the end.
With --redis-url, the database must be disposable: the script deletes every key it reads.

For every producer vector the script publishes with FIXED task ids, then reads every Redis list
(LRANGE) and writes `<name>.json` = {"name", "description", "elements": [{"key", "raw"}], ...}.
`raw` is the list element exactly as kombu wrote it. With --metas (default on) it also runs a real
Python worker (-P solo) on a few tasks and stores the `celery-task-meta-*` values it writes.
"""
import argparse
import datetime as dt
import decimal
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid

from celery import Celery, chain, chord, group

APP = Celery('tapp')
APP.conf.update(result_extended=False, task_serializer='json', accept_content=['json'])


@APP.task(name='tapp.add')
def add(x, y):
    return x + y


@APP.task(name='tapp.echo')
def echo(*args, **kwargs):
    return [args, kwargs]


@APP.task(name='tapp.tsum')
def tsum(values):
    return sum(values)


@APP.task(name='tapp.fail')
def fail(key):
    raise KeyError(key)


@APP.task(name='tapp.boom')
def boom(text):
    raise ValueError(text)


@APP.task(name='tapp.progress', bind=True)
def progress(self, total):
    self.update_state(state='PROGRESS', meta={'current': 1, 'total': total})
    return total


@APP.task(name='tapp.retry_once', bind=True, max_retries=1, default_retry_delay=3600)
def retry_once(self):
    raise self.retry(exc=RuntimeError('try again'))


def tid(n):
    """Fixed, readable uuid-shaped ids: 00000NNN-0000-4000-8000-000000000NNN."""
    return f'{n:08d}-0000-4000-8000-{n:012d}'


def producer_vectors():
    """(name, description, send) triples; send() publishes with fixed ids."""
    aware = dt.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=dt.timezone.utc)
    return [
        ('v01-plain', 'add.apply_async((2, 3)) on the default queue',
         lambda: add.apply_async((2, 3), task_id=tid(1))),
        ('v02-countdown-expires-priority', 'countdown=10, expires=60, priority=5',
         lambda: add.apply_async((2, 3), task_id=tid(2), countdown=10, expires=60, priority=5)),
        ('v03-priority-9', 'priority=9',
         lambda: add.apply_async((2, 3), task_id=tid(3), priority=9)),
        ('v04-queue-q2', "queue='q2'",
         lambda: add.apply_async((2, 3), task_id=tid(4), queue='q2')),
        ('v05-non-ascii', "args ('\u00e9', '\u2713')",
         lambda: add.apply_async(('\u00e9', '\u2713'), task_id=tid(5))),
        ('v06-typed-naive', 'naive datetime and Decimal args',
         lambda: add.apply_async((dt.datetime(2024, 1, 2, 3, 4, 5), decimal.Decimal('1.5')), task_id=tid(6))),
        ('v06b-typed-more', 'aware datetime, date, time, uuid, utf-8 bytes, binary bytes',
         lambda: echo.apply_async(([aware, dt.date(2024, 2, 29), dt.time(13, 14, 15, 16),
                                   uuid.UUID('12345678-1234-5678-1234-567812345678'), b'text', b'\xff\x00\xfe'],
                                  {'when': aware}), task_id=tid(16))),
        ('v07-link-link-error', 'link=add.s(10), link_error=add.si(0, 0)',
         lambda: add.apply_async((2, 3), task_id=tid(7),
                                 link=add.s(10).set(task_id=tid(71)), link_error=add.si(0, 0).set(task_id=tid(72)))),
        ('v08-chain-first', 'chain(add.s(1, 1), add.s(2), add.s(3)) first message',
         lambda: chain(add.s(1, 1).set(task_id=tid(8)), add.s(2).set(task_id=tid(81)),
                       add.s(3).set(task_id=tid(82))).apply_async()),
        ('v09-group', 'group(add.s(1, 1), add.s(2, 2)).apply_async(task_id=G)',
         lambda: group(add.s(1, 1).set(task_id=tid(91)), add.s(2, 2).set(task_id=tid(92))).apply_async(task_id=tid(9))),
        ('v10-chord-header', 'chord([add.s(1, 1), add.s(2, 2)], tsum.s()) header messages',
         lambda: chord([add.s(1, 1).set(task_id=tid(101)), add.s(2, 2).set(task_id=tid(102))],
                       tsum.s().set(task_id=tid(103))).apply_async(task_id=tid(10))),
        ('v11-send-task-headers', 'send_task with headers, time limits and shadow',
         lambda: APP.send_task('tapp.add', [1, 2], task_id=tid(11), headers={'x-custom': 'v'},
                               time_limit=30, soft_time_limit=20, shadow='alias')),
        ('v20-priority-50', 'priority=50 (clamped to bucket 9 on Redis)',
         lambda: add.apply_async((2, 3), task_id=tid(20), priority=50)),
        ('v21-zlib', "compression='zlib'",
         lambda: add.apply_async((2, 3), task_id=tid(21), compression='zlib')),
        ('v22-kwargs-heavy', 'kwargs of every JSON type',
         lambda: echo.apply_async(task_id=tid(22), kwargs={
             'x': 1, 'y': -2.5, 'name': "it's \"q\"\n\t\\", 'flag': True, 'none': None,
             'nested': {'a': [1, 2, {'b': False}], 'empty': {}}, 'tuple': (1,), 'big': 2 ** 53 + 1})),
        ('v23-astral', "astral unicode '\U0001F600' in args and kwargs",
         lambda: echo.apply_async(('\U0001F600',), {'k': 'caf\u00e9 \U0001F600'}, task_id=tid(23))),
        ('v24-pickle', "serializer='pickle' (must be refused unless accepted)",
         lambda: add.apply_async((2, 3), task_id=tid(24), serializer='pickle')),
    ]


def v1_vector(url):
    app1 = Celery('tapp', broker=url, backend=url)
    app1.conf.task_protocol = 1
    add1 = app1.task(name='tapp.add')(add.run)
    return ('v19-protocol-v1', 'task_protocol=1 add.apply_async((2, 3))',
            lambda: add1.apply_async((2, 3), task_id=tid(19)))


def list_elements(client):
    out = []
    for key in sorted(client.keys('*')):
        if client.type(key) == b'list':
            for raw in reversed(client.lrange(key, 0, -1)):  # oldest first (LPUSH + BRPOP = FIFO)
                out.append({'key': key.decode('latin-1'), 'raw': raw.decode('utf-8')})
    return out


def other_keys(client):
    out = {}
    for key in sorted(client.keys('*')):
        kind = client.type(key)
        if kind == b'string':
            out[key.decode('latin-1')] = client.get(key).decode('utf-8')
        elif kind == b'set':
            out[key.decode('latin-1')] = sorted(m.decode('latin-1') for m in client.smembers(key))
    return out


def clear(client):
    keys = client.keys('*')
    if keys:
        client.delete(*keys)


def write(out_dir, name, data):
    path = os.path.join(out_dir, f'{name}.json')
    with open(path, 'w', encoding='utf-8') as fh:
        json.dump(data, fh, indent=2, ensure_ascii=True)
        fh.write('\n')
    print(f'wrote {path}')


def capture_producer(url, out_dir):
    import redis
    client = redis.Redis.from_url(url)
    clear(client)
    APP.conf.update(broker_url=url, result_backend=url)
    vectors = producer_vectors() + [v1_vector(url)]
    for name, description, send in vectors:
        send()
        write(out_dir, name, {'name': name, 'description': description,
                              'celery': __import__('celery').__version__, 'kombu': __import__('kombu').__version__,
                              'elements': list_elements(client), 'otherKeys': other_keys(client)})
        clear(client)


def capture_metas(url, out_dir):
    """Runs a real Python worker over a few tasks and records the metas it stores."""
    import redis
    client = redis.Redis.from_url(url)
    clear(client)
    APP.conf.update(broker_url=url, result_backend=url)
    add.apply_async((2, 3), task_id=tid(301))
    fail.apply_async(('missing 7',), task_id=tid(302))
    progress.apply_async((2,), task_id=tid(303))
    retry_once.apply_async(task_id=tid(304))
    chain(add.s(1, 1).set(task_id=tid(306)), add.s(5).set(task_id=tid(307))).apply_async()
    boom.apply_async(('\u00e9 \U0001F600',), task_id=tid(308))
    worker = subprocess.Popen([sys.executable, __file__, '--run-worker', url],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wanted = {tid(n): None for n in (301, 302, 304, 306, 307, 308)}
    deadline = time.time() + 60
    try:
        while time.time() < deadline:
            got = {k: client.get(f'celery-task-meta-{k}') for k in wanted}
            done = {k: v for k, v in got.items() if v and json.loads(v)['status'] in ('SUCCESS', 'FAILURE', 'RETRY')}
            if len(done) == len(wanted) and client.get(f'celery-task-meta-{tid(303)}'):
                break
            time.sleep(0.2)
        else:
            raise SystemExit('python worker did not store every meta within 60 s')
    finally:
        worker.terminate()
        worker.wait(30)
    metas = {}
    for key in sorted(client.keys('celery-task-meta-*')):
        metas[key.decode()] = client.get(key).decode('utf-8')
    write(out_dir, 'metas', {'name': 'metas', 'description': 'result metas written by a Python worker (-P solo)',
                             'celery': __import__('celery').__version__, 'metas': metas})
    clear(client)


def run_worker(url):
    APP.conf.update(broker_url=url, result_backend=url)
    APP.worker_main(['worker', '-P', 'solo', '-c', '1', '--without-mingle', '--without-gossip', '-l', 'WARNING',
                     '-n', 'pyworker@fixtures'])


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def start_redis():
    tmp = tempfile.mkdtemp(prefix='celeriac-fixtures-')
    port = free_port()
    proc = subprocess.Popen(['redis-server', '--port', str(port), '--bind', '127.0.0.1', '--save', '',
                             '--appendonly', 'no', '--dir', tmp], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    for line in proc.stdout:
        if b'Ready to accept connections' in line:
            break
    return proc, tmp, f'redis://127.0.0.1:{port}/0'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--redis-url')
    parser.add_argument('--out', default=os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'python'))
    parser.add_argument('--no-metas', action='store_true')
    parser.add_argument('--run-worker', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_worker:
        return run_worker(args.run_worker)
    os.makedirs(args.out, exist_ok=True)
    proc = tmp = None
    url = args.redis_url
    if not url:
        proc, tmp, url = start_redis()
    try:
        capture_producer(url, args.out)
        if not args.no_metas:
            capture_metas(url, args.out)
    finally:
        if proc:
            proc.terminate()
            proc.wait(10)
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
