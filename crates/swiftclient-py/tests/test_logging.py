"""The request log under logger 'swiftclient', and no secret in logs, repr() or errors."""

import logging

import pytest

from swiftclient import ClientException, Connection
from fakeswift import Reply
from conftest import fake_conn


def messages(caplog):
    return [r.getMessage() for r in caplog.records if r.name == 'swiftclient']


def test_request_log_at_debug(fake, caplog):
    fake.push(Reply(204, {'X-Trans-Id': 'tx1'}))
    c = fake_conn(fake)
    with caplog.at_level(logging.DEBUG, logger='swiftclient'):
        c.head_account(headers={'X-Custom': 'yes'})
    lines = messages(caplog)
    assert any(m.startswith('REQ: curl -i %s/auth/v1.0 -X GET' % fake.url) for m in lines)
    req = [m for m in lines if m.startswith('REQ: curl -i %s -I' % fake.storage_url)]
    assert req and '-H "x-custom: yes"' in req[0]
    assert 'RESP STATUS: 204 No Content' in lines
    assert any(m.startswith('RESP HEADERS: ') and 'tx1' in m for m in lines)
    assert all(r.levelno == logging.DEBUG for r in caplog.records if r.name == 'swiftclient')


def test_failures_log_at_info_successes_not(fake, caplog):
    fake.push(Reply(204), Reply(404, body=b'nope'))
    c = fake_conn(fake)
    with caplog.at_level(logging.INFO, logger='swiftclient'):
        c.head_account()
        with pytest.raises(ClientException):
            c.get_object('c', 'o')
    lines = messages(caplog)
    assert 'RESP STATUS: 404 Not Found' in lines
    assert 'RESP BODY: nope' in lines
    assert 'RESP STATUS: 204 No Content' not in lines


def test_nothing_below_warning_by_default(fake, caplog):
    fake.push(Reply(404))
    c = fake_conn(fake)
    with caplog.at_level(logging.WARNING, logger='swiftclient'):
        with pytest.raises(ClientException):
            c.head_account()
    assert messages(caplog) == []


def test_no_secret_in_logs_repr_or_errors(fake, caplog, keystone):
    fake.push(Reply(401), Reply(401))
    c = fake_conn(fake)
    with caplog.at_level(logging.DEBUG, logger='swiftclient'):
        with pytest.raises(ClientException) as e:
            c.head_account()
    text = '\n'.join(messages(caplog))
    assert 'x-auth-key: ...' in text and 'x-auth-token: ...' in text
    for secret in ('testing', 'AUTH_tk1', 'AUTH_tk2'):
        assert secret not in text
        assert secret not in repr(c) and secret not in str(e.value)
        assert secret not in repr(e.value.http_response_headers)
    assert 'testing' not in repr(c._native)

    ks = Connection(keystone['OS_AUTH_URL'], keystone['OS_USERNAME'], keystone['OS_PASSWORD'],
                    auth_version='3',
                    os_options={'project_name': keystone['OS_PROJECT_NAME'],
                                'user_domain_name': keystone['OS_USER_DOMAIN_NAME'],
                                'project_domain_name': keystone['OS_PROJECT_DOMAIN_NAME']})
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger='swiftclient'):
        ks.head_account()
    text = '\n'.join(messages(caplog))
    assert 'REQ: curl' in text
    assert keystone['OS_PASSWORD'] not in text and ks.token not in text
    assert ks.token not in repr(ks) and keystone['OS_PASSWORD'] not in repr(ks)


def test_a_failing_handler_does_not_break_requests(fake):
    class Broken(logging.Handler):
        def emit(self, record):
            raise RuntimeError('handler down')

        def handleError(self, record):
            pass

    fake.push(Reply(204))
    lg = logging.getLogger('swiftclient')
    h = Broken()
    lg.addHandler(h)
    old = lg.level
    lg.setLevel(logging.DEBUG)
    try:
        fake_conn(fake).head_account()
    finally:
        lg.removeHandler(h)
        lg.setLevel(old)
