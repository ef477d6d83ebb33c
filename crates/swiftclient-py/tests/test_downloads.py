"""get_object: whole bodies, chunked iterators, read(), and resumed downloads."""

import hashlib
import logging
import os

import pytest

from swiftclient import ClientConnectionError, ClientException
from fakeswift import Reply
from conftest import fake_conn

DATA = bytes(range(100))
ETAG = hashlib.md5(DATA).hexdigest()


def object_server(truncate_first=None, ignore_range=False, bad_range=False, etag=ETAG,
                  data=DATA):
    """A handler serving one object; the first GET is cut after ``truncate_first`` bytes."""
    state = {'gets': 0}

    def handle(req):
        state['gets'] += 1
        headers = {'Etag': etag, 'Accept-Ranges': 'bytes'}
        rng = req.headers.get('range')
        if rng and not ignore_range:
            start = int(rng.split('=')[1].rstrip('-'))
            if req.headers.get('if-match', '').strip('"') != etag:
                return Reply(412)
            part = data[start:]
            cr = 'bytes %d-%d/%d' % (start, len(data) - 1, len(data))
            if bad_range:
                cr = 'bytes 0-1/%d' % len(data)
            headers['Content-Range'] = cr
            return Reply(206, headers, part)
        cut = truncate_first if state['gets'] == 1 else None
        return Reply(200, headers, data, truncate=cut)

    return handle


def test_whole_and_chunked(conn, container):
    data = os.urandom(70_500)
    conn.put_object(container, 'o', data)
    hdrs, body = conn.get_object(container, 'o')
    assert body == data and hdrs['etag'] == hashlib.md5(data).hexdigest()
    hdrs, body = conn.get_object(container, 'o', resp_chunk_size=1000)
    chunks = list(body)
    assert all(len(c) == 1000 for c in chunks[:-1]) and len(chunks[-1]) == 500
    assert b''.join(chunks) == data
    _, body = conn.get_object(container, 'o', resp_chunk_size=1000)
    assert body.read(3) == data[:3]
    assert next(body) == data[3:1003]
    assert body.read() == data[1003:]
    assert body.read() == b''


def test_range_header_gives_plain_body(conn, container):
    conn.put_object(container, 'o', b'0123456789')
    hdrs, body = conn.get_object(container, 'o', resp_chunk_size=4, headers={'Range': 'bytes=2-5'})
    assert b''.join(body) == b'2345'
    assert hdrs['content-range'] == 'bytes 2-5/10'


def test_query_string_and_response_dict(conn, container):
    conn.put_object(container, 'o', b'v1')
    rd = {}
    hdrs, body = conn.get_object(container, 'o', query_string='multipart-manifest=get',
                                 response_dict=rd)
    assert body == b'v1'
    assert rd['status'] == 200 and rd['headers']['etag'] == hdrs['etag']
    assert len(rd['response_dicts']) == 1


@pytest.mark.parametrize('chunk', [None, 7])
def test_broken_connection_is_resumed(fake, chunk):
    fake.handler = object_server(truncate_first=30)
    c = fake_conn(fake)
    hdrs, body = c.get_object('c', 'o', resp_chunk_size=chunk)
    data = body if chunk is None else b''.join(body)
    assert data == DATA
    first, second = fake.swift_requests()
    assert 'range' not in first.headers
    assert second.headers['range'] == 'bytes=30-'
    assert second.headers['if-match'].strip('"') == ETAG
    assert c.attempts == 2


def test_drained_body_is_resumed_by_the_iterator(fake):
    """python-swiftclient's own scenario: the raw body (``body.resp``) is read behind the
    iterator's back; the iterator then resumes with Range from what it delivered."""
    fake.handler = object_server()
    c = fake_conn(fake)
    _, body = c.get_object('c', 'o', resp_chunk_size=10)
    assert next(body) == DATA[:10]
    for _ in body.resp:
        pass
    assert b''.join(body) == DATA[10:]
    assert fake.swift_requests()[-1].headers['range'] == 'bytes=10-'
    assert c.attempts == 2


def test_resume_when_server_ignores_range(fake, caplog):
    fake.handler = object_server(ignore_range=True)
    c = fake_conn(fake)
    _, body = c.get_object('c', 'o', resp_chunk_size=10)
    first = next(body)
    for _ in body.resp:
        pass
    with caplog.at_level(logging.WARNING, logger='swiftclient'):
        rest = b''.join(body)
    assert first + rest == DATA
    assert any('Received 200 while retrying c/o' in r.getMessage() for r in caplog.records)


def test_resume_with_wrong_content_range(fake):
    fake.handler = object_server(bad_range=True)
    c = fake_conn(fake)
    _, body = c.get_object('c', 'o', resp_chunk_size=10)
    next(body)
    for _ in body.resp:
        pass
    with pytest.raises(ClientException) as e:
        next(body)
    assert 'Expected range "bytes 10-99/100" while retrying c/o but got "bytes 0-1/100"' \
        in str(e.value)


def test_replaced_object_is_not_spliced(fake):
    state = {'n': 0}
    inner = object_server(truncate_first=30)

    def handle(req):
        state['n'] += 1
        if state['n'] == 2:  # the resume finds another object: If-Match fails
            return Reply(412, body=b'Precondition Failed')
        return inner(req)

    fake.handler = handle
    c = fake_conn(fake)
    _, body = c.get_object('c', 'o', resp_chunk_size=10)
    with pytest.raises(ClientException) as e:
        b''.join(body)
    assert e.value.http_status == 412


def test_resumes_stop_when_retries_are_spent(fake):
    fake.handler = lambda req: Reply(200, {'Etag': ETAG}, DATA, truncate=20)
    c = fake_conn(fake, retries=1)
    _, body = c.get_object('c', 'o', resp_chunk_size=10)
    with pytest.raises(ClientConnectionError):
        b''.join(body)
    assert c.attempts == 2


def test_corrupted_body_is_an_error_with_checksum(fake):
    fake.handler = lambda req: Reply(200, {'Etag': ETAG}, b'x' * 100)
    c = fake_conn(fake, checksum=True)
    with pytest.raises(ClientException) as e:
        c.get_object('c', 'o')
    assert e.value.kind == 'integrity'
    _, body = c.get_object('c', 'o', resp_chunk_size=10)
    with pytest.raises(ClientException) as e:
        b''.join(body)
    assert e.value.kind == 'integrity'


def test_checksum_is_off_by_default_as_in_the_reference(fake):
    fake.handler = lambda req: Reply(201 if req.method == 'PUT' else 200,
                                     {'Etag': ETAG}, b'' if req.method == 'PUT' else b'x' * 100)
    c = fake_conn(fake)
    assert c.checksum is False
    assert c.get_object('c', 'o')[1] == b'x' * 100
    _, body = c.get_object('c', 'o', resp_chunk_size=30)
    assert b''.join(body) == b'x' * 100
    assert c.put_object('c', 'o', b'not what the etag says') == ETAG
    c.checksum = True
    with pytest.raises(ClientException) as e:
        c.put_object('c', 'o', b'not what the etag says')
    assert e.value.kind == 'integrity'


def test_chunked_response_gets_plain_body(fake):
    fake.handler = lambda req: Reply(200, {}, b'abc' * 10, chunked=True)
    c = fake_conn(fake)
    hdrs, body = c.get_object('c', 'o', resp_chunk_size=4)
    assert type(body).__name__ == '_ObjectBody'
    assert b''.join(body) == b'abc' * 10


def test_404_fills_response_dict(fake):
    c = fake_conn(fake)
    rd = {'keep': 1}
    with pytest.raises(ClientException) as e:
        c.get_object('c', 'missing', response_dict=rd)
    assert e.value.http_status == 404
    assert rd['status'] == 404 and rd['reason'] == 'Not Found' and rd['keep'] == 1
