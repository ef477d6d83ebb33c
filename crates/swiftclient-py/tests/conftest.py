"""Fixtures: the real clusters (tempauth on 127.0.0.1:8080, Keystone v3 through the Keystone
test bed's proxy on 8081), fresh containers, and the scripted fake server."""

import os
import shlex
import sys
import uuid

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import swiftclient  # noqa: E402
from fakeswift import FakeSwift  # noqa: E402


def pytest_report_header(config):
    return 'swiftclient from %s' % swiftclient.__file__


def _need(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError('%s is not set: run these tests through scripts/test, or after '
                           'eval "$(bash testbed/swift/start)"' % name)
    return value


@pytest.fixture(scope='session')
def cluster():
    """The tempauth cluster's settings (from testbed/swift/start's exports)."""
    return {
        'auth': _need('ST_AUTH'),
        'user': _need('ST_USER'),
        'key': _need('ST_KEY'),
        'storage_url': _need('SWIFT_TESTBED_STORAGE_URL'),
        'ratelimit_user': _need('SWIFT_TESTBED_RATELIMIT_USER'),
        'ratelimit_key': _need('SWIFT_TESTBED_RATELIMIT_KEY'),
        'ratelimit_container': _need('SWIFT_TESTBED_RATELIMIT_CONTAINER'),
    }


@pytest.fixture(scope='session')
def keystone():
    """The Keystone test bed's exports (state/env.sh), as a dict."""
    path = os.path.join(os.environ.get('KEYSTONE_TESTBED_HOME', '/tmp/keystone-testbed'),
                        'state', 'env.sh')
    if not os.path.exists(path):
        raise RuntimeError('%s is missing: start the Keystone test bed '
                           '(bash testbed/keystone/start-swift-proxy)' % path)
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith('export ') and '=' in line:
                k, v = line[len('export '):].split('=', 1)
                env[k] = shlex.split(v)[0] if v else ''
    return env


@pytest.fixture
def conn(cluster):
    c = swiftclient.Connection(cluster['auth'], cluster['user'], cluster['key'])
    yield c
    c.close()


def _cleanup(c, name):
    try:
        _, objs = c.get_container(name, full_listing=True)
    except swiftclient.ClientException:
        return
    for o in objs:
        try:
            c.delete_object(name, o['name'])
        except swiftclient.ClientException:
            pass
    try:
        c.delete_container(name)
    except swiftclient.ClientException:
        pass


@pytest.fixture
def container(conn):
    """A fresh, empty container in AUTH_test, deleted (with its objects) afterwards."""
    name = 'pytest-%s' % uuid.uuid4().hex[:12]
    conn.put_container(name)
    yield name
    _cleanup(conn, name)


@pytest.fixture
def fake():
    with FakeSwift() as f:
        yield f


def fake_conn(fake, **kwargs):
    """A connection to the fake, with quick retries."""
    kwargs.setdefault('starting_backoff', 0.01)
    kwargs.setdefault('max_backoff', 0.02)
    return swiftclient.Connection(fake.auth_url, 'test:tester', 'testing', **kwargs)
