"""ClientException: the reference's attributes and str(), and what failures without an HTTP
answer raise."""

import socket

import pytest

import swiftclient
from swiftclient import ClientException, Connection
from swiftclient.exceptions import ClientConnectionError, ClientTimeout
from fakeswift import Reply
from conftest import fake_conn


def test_attributes_of_a_404(conn, container, cluster):
    with pytest.raises(ClientException) as e:
        conn.get_object(container, 'missing?')
    exc = e.value
    assert exc.http_status == 404 and exc.http_reason == 'Not Found'
    assert exc.http_scheme == 'http' and exc.http_host == '127.0.0.1' and exc.http_port == 8080
    assert exc.http_path == '/v1/AUTH_test/%s/missing%%3F' % container
    assert exc.http_query == ''
    assert exc.transaction_id and exc.transaction_id.startswith('tx')
    assert exc.http_response_headers['X-Trans-Id'] == exc.transaction_id
    assert isinstance(exc.http_response_content, bytes)
    assert exc.msg == 'Object GET failed'
    assert exc.attempts == 1 and exc.kind == 'status'
    assert str(exc).startswith('Object GET failed: http://127.0.0.1:8080/v1/AUTH_test/%s/'
                               'missing%%3F 404 Not Found' % container)
    assert str(exc).endswith(' (txn: %s)' % exc.transaction_id)
    assert swiftclient.exceptions.ClientException is ClientException


def test_str_with_long_body_and_query(fake):
    body = b'<html><h1>Not Found</h1><p>The resource could not be found.</p></html>'
    fake.push(Reply(404, {'X-Trans-Id': 'txabc'}, body))
    c = fake_conn(fake)
    with pytest.raises(ClientException) as e:
        c.get_object('c', 'o', query_string='x=1')
    port = int(fake.url.rsplit(':', 1)[1])
    assert str(e.value) == (
        'Object GET failed: http://127.0.0.1:%d/v1/AUTH_test/c/o?x=1 404 Not Found  '
        '[first 60 chars of response] %s (txn: txabc)' % (port, body[:60]))
    assert e.value.http_query == 'x=1'


def test_str_with_short_body(fake):
    fake.push(Reply(409, {'X-Openstack-Request-Id': 'req-1'}, b'Conflict!'))
    c = fake_conn(fake)
    with pytest.raises(ClientException) as e:
        c.delete_container('c')
    assert str(e.value).endswith("409 Conflict   b'Conflict!' (txn: req-1)")
    assert e.value.transaction_id == 'req-1'


def test_str_of_hand_made_exceptions():
    assert str(ClientException('boom')) == 'boom'
    assert str(ClientException('x', http_status=404, http_reason='Not Found')) == \
        'x: 404 Not Found'
    assert str(ClientException('x', http_reason='Gone')) == 'x: - Gone'
    assert str(ClientException('x', http_host='h', http_device='sda')) == 'x: h: device sda'
    hdrs = {'X-Trans-Id': 'tx1'}
    assert ClientException('x', http_response_headers=hdrs).transaction_id == 'tx1'


def test_auth_failure(fake):
    fake.auth_status = 401
    c = fake_conn(fake)
    with pytest.raises(ClientException) as e:
        c.head_account()
    assert e.value.http_status == 401
    assert str(e.value).startswith('Auth GET failed: ')


def test_connection_refused():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    c = Connection(preauthurl='http://127.0.0.1:%d/v1/AUTH_x' % port, preauthtoken='t',
                   retries=1, starting_backoff=0.01)
    with pytest.raises(ClientConnectionError) as e:
        c.head_account()
    exc = e.value
    assert isinstance(exc, ClientException) and isinstance(exc, ConnectionError)
    assert isinstance(exc, OSError)
    assert exc.http_status is None and exc.attempts == 2 and exc.kind == 'transport'
    assert 'Account HEAD failed' in str(exc) and str(port) in str(exc)


def test_timeout_is_a_timeout_error(fake):
    fake.push(Reply(204, delay=2))
    c = fake_conn(fake, timeout=0.2, retries=0)
    with pytest.raises(ClientTimeout) as e:
        c.head_account()
    assert isinstance(e.value, TimeoutError) and isinstance(e.value, ClientException)


def test_invalid_names_are_refused_locally(conn):
    with pytest.raises(ClientException) as e:
        conn.put_container('a/b')
    assert e.value.kind == 'invalidname' and e.value.attempts == 0


def test_failed_attempts_go_into_response_dict(fake):
    fake.push(Reply(503, {'X-Trans-Id': 'tx1'}), Reply(500, {'X-Trans-Id': 'tx2'}),
              Reply(404, {'X-Trans-Id': 'tx3'}))
    c = fake_conn(fake)
    rd = {'response_dicts': [{'older': True}]}
    with pytest.raises(ClientException) as e:
        c.delete_object('c', 'o', response_dict=rd)
    assert e.value.http_status == 503  # an object DELETE is not retried after a 5xx
    assert [d.get('status') for d in rd['response_dicts']] == [None, 503]
    rd = {}
    with pytest.raises(ClientException):
        c.post_object('c', 'o', {}, response_dict=rd)
    assert [d['status'] for d in rd['response_dicts']] == [500, 404]
    assert rd['status'] == 404 and rd['headers']['x-trans-id'] == 'tx3'
    assert c.attempts == 2
