"""put_object bodies: str, bytes, files, file-likes, iterables; what is sent, and replays."""

import hashlib
import io
import os
import warnings

import pytest

from swiftclient import ClientException
from fakeswift import Reply
from conftest import fake_conn


def md5(data):
    return hashlib.md5(data).hexdigest()


def etag_of(req):
    return Reply(201, {'Etag': md5(req.body)})


def test_str_bytes_bytearray_memoryview(conn, container):
    for name, body, data in [('s', 'h\u00e9llo', 'h\u00e9llo'.encode()),
                             ('b', b'\x00\xff' * 10, b'\x00\xff' * 10),
                             ('ba', bytearray(b'abc'), b'abc'),
                             ('mv', memoryview(b'xyz'), b'xyz'),
                             ('empty', b'', b''), ('none', None, b'')]:
        etag = conn.put_object(container, name, body)
        assert etag == md5(data)
        assert conn.get_object(container, name)[1] == data


def test_file_from_its_position(conn, container, tmp_path):
    p = tmp_path / 'f.bin'
    data = os.urandom(300_000)
    p.write_bytes(data)
    with open(p, 'rb') as f:
        f.read(1000)
        etag = conn.put_object(container, 'f', f)
        assert f.tell() == len(data)  # consumed, as the reference's read() leaves it
    assert etag == md5(data[1000:])
    assert conn.get_object(container, 'f')[1] == data[1000:]


def test_file_with_content_length_reads_that_much(conn, container, tmp_path):
    p = tmp_path / 'f.bin'
    p.write_bytes(b'0123456789' * 100)
    with open(p, 'rb') as f:
        conn.put_object(container, 'f', f, content_length=25)
        assert f.tell() == 25
    assert conn.get_object(container, 'f')[1] == b'0123456789' * 2 + b'01234'


def test_file_like_with_chunk_size(fake):
    sizes = []

    class Recording(io.BytesIO):
        def read(self, n=-1):
            sizes.append(n)
            return super().read(n)

    fake.handler = etag_of
    c = fake_conn(fake)
    c.put_object('c', 'o', Recording(b'a' * 25), chunk_size=10)
    put = fake.swift_requests()[0]
    assert put.body == b'a' * 25
    assert put.headers.get('transfer-encoding') == 'chunked'  # no length: chunked, as the reference
    assert sizes and all(s == 10 for s in sizes)


def test_file_like_with_content_length(fake):
    fake.handler = etag_of
    c = fake_conn(fake)
    c.put_object('c', 'o', io.BytesIO(b'abcdefgh'), content_length=5)
    put = fake.swift_requests()[0]
    assert put.body == b'abcde'
    assert put.headers['content-length'] == '5'


def test_text_file_like(conn, container):
    conn.put_object(container, 't', io.StringIO('h\u00e9llo'))
    assert conn.get_object(container, 't')[1] == 'h\u00e9llo'.encode()


def test_generator_with_empty_chunks(conn, container):
    def gen():
        yield b'should'
        yield b''
        yield ' tolerate'
        yield b''
        yield bytearray(b' empty chunks')

    conn.put_object(container, 'g', gen())
    assert conn.get_object(container, 'g')[1] == b'should tolerate empty chunks'


def test_list_and_tuple_of_chunks(fake):
    fake.handler = etag_of
    c = fake_conn(fake)
    c.put_object('c', 'l', [b'ab', 'cd', b''])
    c.put_object('c', 't', (b'x', b'y'))
    bodies = [r.body for r in fake.swift_requests()]
    assert bodies == [b'abcd', b'xy']


def test_chunk_size_without_read_warns(fake):
    fake.handler = etag_of
    c = fake_conn(fake)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        c.put_object('c', 'o', iter([b'abc']), chunk_size=10)
    assert any('has no "read" method, ignoring chunk_size' in str(x.message) for x in w)


def test_content_type_param_overrides_header(fake):
    fake.handler = etag_of
    c = fake_conn(fake)
    c.put_object('c', 'o', b'x', content_type='image/jpeg',
                 headers={'Content-Type': 'text/plain', 'X-Object-Meta-A': 1})
    c.put_object('c', 'o2', b'x')
    first, second = fake.swift_requests()
    assert first.headers['content-type'] == 'image/jpeg'
    assert first.headers['x-object-meta-a'] == '1'
    assert 'content-type' not in second.headers  # none sent: the server picks


def test_etag_sent_and_wrong_etag_refused(conn, container):
    assert conn.put_object(container, 'e', b'data', etag='"%s"' % md5(b'data')) == md5(b'data')
    with pytest.raises(ClientException) as e:
        conn.put_object(container, 'e', b'data', etag='0' * 32)
    assert e.value.http_status == 422


def test_seekable_file_like_is_replayed(fake):
    fake.push(Reply(503))
    fake.handler = etag_of
    c = fake_conn(fake)
    body = io.BytesIO(b'prefix-payload')
    body.read(7)
    assert c.put_object('c', 'o', body) == md5(b'payload')
    puts = fake.swift_requests()
    assert [r.body for r in puts] == [b'payload', b'payload']
    assert c.attempts == 2


def test_bytes_are_replayed(fake):
    """The reference cannot replay a bytes body (only str); bytes are replayed here."""
    fake.push(Reply(503))
    fake.handler = etag_of
    c = fake_conn(fake)
    c.put_object('c', 'o', b'payload')
    assert [r.body for r in fake.swift_requests()] == [b'payload', b'payload']


def test_one_shot_body_is_not_replayed(fake):
    fake.push(Reply(503, body=b'busy'))
    fake.handler = etag_of
    c = fake_conn(fake)

    class OneShot:
        def __init__(self):
            self.data = io.BytesIO(b'once')

        def read(self, n=-1):
            return self.data.read(n)

    with pytest.raises(ClientException) as e:
        c.put_object('c', 'o', OneShot())
    assert e.value.kind == 'bodynotreplayable'
    assert '503' in str(e.value)  # the original failure is named
    assert len(fake.swift_requests()) == 1


def test_read_errors_are_raised_as_they_are(fake):
    fake.handler = etag_of
    c = fake_conn(fake, retries=0)

    class Failing:
        def read(self, n=-1):
            raise ValueError('disk on fire')

    with pytest.raises(ValueError, match='disk on fire'):
        c.put_object('c', 'o', Failing(), content_length=10)


def test_large_file_upload_and_download(conn, container, tmp_path):
    data = os.urandom(5 << 20)
    p = tmp_path / 'big'
    p.write_bytes(data)
    with open(p, 'rb') as f:
        assert conn.put_object(container, 'big', f, chunk_size=65536) == md5(data)
    hdrs, body = conn.get_object(container, 'big', resp_chunk_size=65536)
    got = b''.join(body)
    assert got == data and hdrs['content-length'] == str(len(data))
