"""The seed's two usage examples, run as written against the Keystone test bed."""

import hashlib
import os
import subprocess
import sys

import swiftclient

HERE = os.path.join(os.path.dirname(__file__), 'examples')


def run(name):
    p = subprocess.run([sys.executable, os.path.join(HERE, name)], capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    return p.stdout


def test_examples_use_the_test_beds_credentials(keystone):
    # The examples name the test bed's default credentials literally, as a user would.
    assert keystone['OS_AUTH_URL'] == 'http://127.0.0.1:5000/v3'
    assert keystone['KEYSTONE_FUNCTEST_USERNAME'] == 'functester'
    assert keystone['KEYSTONE_FUNCTEST_PASSWORD'] == 'functester-secret'
    assert keystone['KEYSTONE_FUNCTEST_PROJECT'] == 'functest'


def test_seed_basic_example(keystone):
    out = run('seed_basic.py')
    lines = out.splitlines()
    assert lines[0].startswith('Account has ') and lines[0].endswith(' containers')
    assert 'Hello, World!' in lines
    conn = swiftclient.Connection(keystone['OS_AUTH_URL'], 'functester', 'functester-secret',
                                  auth_version='3', os_options={'project_name': 'functest'})
    # The example leaves 'images' (public-read) behind and removes 'documents'.
    assert conn.head_container('images')['x-container-read'] == '.r:*'
    conn.delete_container('images')
    names = [c['name'] for c in conn.get_account()[1]]
    assert 'documents' not in names


def test_seed_streaming_example():
    out = run('seed_streaming.py')
    etag = hashlib.md5(b'x' * 10000000).hexdigest()
    assert 'Uploaded with ETag: %s' % etag in out
    assert out.rstrip().endswith('Total downloaded: 10000000 bytes')
