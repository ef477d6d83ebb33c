"""Threads sharing a connection, the GIL released during requests, Ctrl-C, os.fork()."""

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from swiftclient import Connection
from fakeswift import Reply
from conftest import fake_conn


def test_threads_share_one_connection(conn, container):
    errors = []

    def work(i):
        try:
            for j in range(10):
                data = os.urandom(1000 + i * 100 + j)
                name = 't%d/%d' % (i, j)
                etag = conn.put_object(container, name, data)
                assert etag == hashlib.md5(data).hexdigest()
                assert conn.get_object(container, name)[1] == data
                _, body = conn.get_object(container, name, resp_chunk_size=97)
                assert b''.join(body) == data
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    _, objs = conn.get_container(container, full_listing=True)
    assert len(objs) == 80


def test_requests_run_in_parallel_without_the_gil(fake):
    """Four 1-second requests from four threads take about one second, and Python code
    keeps running meanwhile."""
    fake.handler = lambda req: Reply(204, delay=1.0)
    c = fake_conn(fake)
    c.get_auth()
    ticks = [0]
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            ticks[0] += 1

    spinner = threading.Thread(target=spin)
    spinner.start()
    threads = [threading.Thread(target=c.head_account) for _ in range(4)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    stop.set()
    spinner.join()
    assert elapsed < 3.5, elapsed
    assert ticks[0] > 10_000


def test_ctrl_c_interrupts_a_long_call(fake):
    fake.handler = lambda req: Reply(204, delay=30)
    script = textwrap.dedent('''
        import sys, time
        from swiftclient import Connection
        c = Connection(preauthurl=sys.argv[1], preauthtoken='t')
        print('ready', flush=True)
        t0 = time.monotonic()
        try:
            c.head_account()
        except KeyboardInterrupt:
            print('interrupted after %.1f' % (time.monotonic() - t0), flush=True)
            sys.exit(7)
        print('not interrupted', flush=True)
    ''')
    p = subprocess.Popen([sys.executable, '-c', script, fake.storage_url],
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == 'ready'
    time.sleep(0.7)
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=10)
    assert p.returncode == 7, out
    assert float(out.split()[-1]) < 3


def test_ctrl_c_interrupts_a_retry_back_off(fake):
    fake.handler = lambda req: Reply(503)
    script = textwrap.dedent('''
        import sys
        from swiftclient import Connection
        c = Connection(preauthurl=sys.argv[1], preauthtoken='t', starting_backoff=30)
        print('ready', flush=True)
        try:
            c.head_account()
        except KeyboardInterrupt:
            sys.exit(7)
    ''')
    p = subprocess.Popen([sys.executable, '-c', script, fake.storage_url],
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == 'ready'
    time.sleep(0.7)
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=10)
    assert p.returncode == 7
    assert len(fake.swift_requests()) == 1


@pytest.mark.skipif(not hasattr(os, 'fork'), reason='os.fork is POSIX')
def test_connection_works_in_a_forked_child(conn, container):
    conn.put_object(container, 'before', b'parent')
    pid = os.fork()
    if pid == 0:  # the child: the inherited connection must work (a new pool, same token)
        code = 1
        try:
            ok = conn.get_object(container, 'before')[1] == b'parent'
            conn.put_object(container, 'child', b'child')
            code = 0 if ok else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    assert conn.get_object(container, 'child')[1] == b'child'
