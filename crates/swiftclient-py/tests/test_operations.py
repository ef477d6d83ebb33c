"""The operations on the real cluster: shapes of what they return, their parameters."""

import time
import uuid

import pytest

from swiftclient import ClientException, Connection
from fakeswift import Reply
from conftest import fake_conn


def test_head_account_headers_are_lower_case_and_case_insensitive(conn):
    h = conn.head_account()
    assert isinstance(h, dict)
    assert all(k == k.lower() for k in h)
    assert h['X-Account-Container-Count'] == h['x-account-container-count']
    assert 'X-Trans-Id' in h and h.get('X-TRANS-ID')


def test_get_account_parameters(conn):
    prefix = 'pytest-acct-%s-' % uuid.uuid4().hex[:8]
    names = [prefix + s for s in ('a', 'b', 'c_1', 'c_2')]
    for n in names:
        conn.put_container(n)
    try:
        _, page = conn.get_account(prefix=prefix)
        assert [c['name'] for c in page] == names
        assert {'name', 'count', 'bytes'} <= set(page[0])
        _, page = conn.get_account(prefix=prefix, limit=2)
        assert [c['name'] for c in page] == names[:2]
        _, page = conn.get_account(prefix=prefix, limit=1, full_listing=True)
        assert [c['name'] for c in page] == names
        _, page = conn.get_account(prefix=prefix, marker=names[0], end_marker=names[3])
        assert [c['name'] for c in page] == names[1:3]
        _, page = conn.get_account(prefix=prefix, delimiter='_')
        assert [c.get('name') or c.get('subdir') for c in page] == names[:2] + [prefix + 'c_']
        _, page = conn.get_account(prefix=prefix, limit=0, marker='')  # falsy: not sent
        assert len(page) == 4
    finally:
        for n in names:
            conn.delete_container(n)


def test_get_container_parameters(conn, container):
    for n in ('a/1', 'a/2', 'b', 'c'):
        conn.put_object(container, n, n)
    hdrs, objs = conn.get_container(container)
    assert hdrs['x-container-object-count'] == '4'
    assert [o['name'] for o in objs] == ['a/1', 'a/2', 'b', 'c']
    assert {'name', 'bytes', 'hash', 'content_type', 'last_modified'} <= set(objs[0])
    assert [o['name'] for o in conn.get_container(container, limit=1, full_listing=True)[1]] \
        == ['a/1', 'a/2', 'b', 'c']
    assert [o.get('subdir', o.get('name')) for o in
            conn.get_container(container, delimiter='/')[1]] == ['a/', 'b', 'c']
    assert [o['name'] for o in conn.get_container(container, path='a')[1]] == ['a/1', 'a/2']
    assert [o['name'] for o in conn.get_container(container, prefix='a', marker='a/1')[1]] \
        == ['a/2']
    assert [o['name'] for o in conn.get_container(container, end_marker='b')[1]] == \
        ['a/1', 'a/2']
    assert [o['name'] for o in
            conn.get_container(container, query_string='reverse=on')[1]] == ['c', 'b', 'a/2', 'a/1']
    assert [o['name'] for o in conn.get_container(container, query_string='?reverse=on',
                                                  limit=1, full_listing=True)[1]] == \
        ['c', 'b', 'a/2', 'a/1']


def test_versions_listing_with_version_marker(conn, container):
    conn.post_container(container, {'X-Versions-Enabled': 'true'})
    conn.put_object(container, 'v', 'one')
    conn.put_object(container, 'v', 'two')
    _, vs = conn.get_container(container, query_string='versions')
    assert len(vs) == 2 and all(v.get('version_id') for v in vs)
    _, rest = conn.get_container(container, query_string='versions', marker='v',
                                 version_marker=vs[0]['version_id'])
    assert [v['version_id'] for v in rest] == [vs[1]['version_id']]
    for v in vs:
        conn.delete_object(container, 'v', query_string='version-id=%s' % v['version_id'])
    conn.post_container(container, {'X-Versions-Enabled': 'false'})


def test_post_account_returns_headers_and_body(conn):
    key = 'x-account-meta-pytest-%s' % uuid.uuid4().hex[:6]
    rd = {}
    hdrs, body = conn.post_account({key: 'v'}, response_dict=rd)
    assert isinstance(body, bytes) and 'x-trans-id' in hdrs
    assert rd['status'] == 204
    assert conn.head_account()[key] == 'v'
    conn.post_account({key: ''})
    assert key not in conn.head_account()


def test_post_account_data_and_query_string(conn, container):
    conn.put_object(container, 'x', 'x')
    hdrs, body = conn.post_account(
        {'Accept': 'application/json', 'Content-Type': 'text/plain'},
        query_string='bulk-delete', data=('/%s/x\n' % container).encode())
    assert b'"Number Deleted": 1' in body
    assert conn.get_container(container)[1] == []


def test_container_ops_and_response_dicts(conn):
    name = 'pytest-c-%s' % uuid.uuid4().hex[:8]
    rd = {}
    conn.put_container(name, headers={'X-Container-Meta-Color': 'blue'}, response_dict=rd)
    assert rd['status'] == 201 and len(rd['response_dicts']) == 1
    conn.post_container(name, {'X-Container-Meta-Taste': 'sweet'}, response_dict=rd)
    assert rd['status'] == 204 and len(rd['response_dicts']) == 2
    h = conn.head_container(name)
    assert h['x-container-meta-color'] == 'blue' and h['x-container-meta-taste'] == 'sweet'
    conn.delete_container(name, response_dict=rd)
    assert [d['status'] for d in rd['response_dicts']] == [201, 204, 204]
    with pytest.raises(ClientException) as e:
        conn.head_container(name)
    assert e.value.http_status == 404


def test_put_container_query_string_and_delete_headers(fake):
    fake.handler = lambda req: Reply(201 if req.method == 'PUT' else 204)
    c = fake_conn(fake)
    c.put_container('c', query_string='?extract=no')
    c.delete_container('c', query_string='q=1', headers={'X-Foo': 'bar'})
    put, delete = fake.swift_requests()
    assert put.path == '/v1/AUTH_test/c?extract=no'
    assert put.headers['content-length'] == '0'
    assert delete.path == '/v1/AUTH_test/c?q=1' and delete.headers['x-foo'] == 'bar'


def test_object_metadata_values(conn, container):
    conn.put_object(container, 'o', 'x')
    conn.post_object(container, 'o', {'X-Object-Meta-Int': 123, 'X-Object-Meta-Float': 45.67,
                                      'X-Object-Meta-Bool': False,
                                      'X-Object-Meta-Uni': '\u062a',
                                      'X-Object-Meta-\u00e9t\u00e9': 'summer',
                                      'X-Object-Meta-None': None})
    h = conn.head_object(container, 'o')
    assert (h['x-object-meta-int'], h['x-object-meta-float'], h['x-object-meta-bool']) == \
        ('123', '45.67', 'False')
    assert h['x-object-meta-uni'] == '\u062a'
    assert h['x-object-meta-\u00e9t\u00e9'] == 'summer'
    assert 'x-object-meta-none' not in h


def test_names_are_quoted(conn, container):
    name = 'a b/\u00fc?#%&+.txt'
    conn.put_object(container, name, b'q')
    assert conn.get_object(container, name)[1] == b'q'
    assert conn.head_object(container, name)['content-length'] == '1'
    assert [o['name'] for o in conn.get_container(container)[1]] == [name]
    conn.delete_object(container, name)


def test_copy_object(conn, container):
    conn.put_object(container, 'src', b'data', headers={'X-Object-Meta-Color': 'red'})
    conn.copy_object(container, 'src', '/%s/dst' % container,
                     headers={'X-Object-Meta-Taste': 'sweet'})
    h = conn.head_object(container, 'dst')
    assert (h['x-object-meta-color'], h['x-object-meta-taste']) == ('red', 'sweet')
    conn.copy_object(container, 'src', '/%s/fresh' % container,
                     headers={'X-Object-Meta-Taste': 'sour'}, fresh_metadata=True)
    h = conn.head_object(container, 'fresh')
    assert 'x-object-meta-color' not in h and h['x-object-meta-taste'] == 'sour'
    rd = {}
    conn.copy_object(container, 'src', headers={'X-Object-Meta-Size': 'big'},
                     fresh_metadata=False, response_dict=rd)
    h = conn.head_object(container, 'src')
    assert (h['x-object-meta-color'], h['x-object-meta-size']) == ('red', 'big')
    assert rd['status'] == 201


def test_copy_object_headers_on_the_wire(fake):
    fake.handler = lambda req: Reply(201)
    c = fake_conn(fake)
    c.copy_object('c', 'o b', '/d/p q', headers={'X-Fresh-Metadata': 'no'}, fresh_metadata=True)
    c.copy_object('c', 'o', headers={'X-Fresh-Metadata': 'kept'})
    first, second = fake.swift_requests()
    assert first.method == 'COPY' and first.headers['destination'] == '/d/p%20q'
    assert first.headers['x-fresh-metadata'] == 'true'
    assert second.headers['destination'] == '/c/o'
    assert second.headers['x-fresh-metadata'] == 'kept'


def test_delete_object_query_string_and_headers(fake):
    fake.handler = lambda req: Reply(204)
    c = fake_conn(fake)
    rd = {}
    c.delete_object('c', 'o', query_string='multipart-manifest=delete', response_dict=rd,
                    headers={'X-Newest': 'true'})
    (req,) = fake.swift_requests()
    assert req.path == '/v1/AUTH_test/c/o?multipart-manifest=delete'
    assert req.headers['x-newest'] == 'true'
    assert rd['status'] == 204


def test_head_object_query_string(fake):
    fake.handler = lambda req: Reply(200, {'Content-Length': '0'})
    c = fake_conn(fake)
    c.head_object('c', 'o', headers={'X-Newest': 'yes'}, query_string='symlink=get')
    (req,) = fake.swift_requests()
    assert req.method == 'HEAD' and req.path == '/v1/AUTH_test/c/o?symlink=get'


def test_get_capabilities(conn, cluster):
    caps = conn.get_capabilities()
    assert caps['swift']['version'] and 'slo' in caps
    base = cluster['storage_url'].split('/v1/')[0]
    assert conn.get_capabilities(base + '/info')['swift'] == caps['swift']
    assert Connection().get_capabilities(cluster['storage_url'])['swift'] == caps['swift']


def test_get_auth_authenticates_again(fake):
    c = fake_conn(fake)
    assert c.get_auth() == (fake.storage_url, 'AUTH_tk1')
    assert c.get_auth() == (fake.storage_url, 'AUTH_tk2')
    assert (c.url, c.token) == (fake.storage_url, 'AUTH_tk2')


def test_token_and_url_can_be_assigned(fake):
    fake.push(Reply(401), Reply(204), Reply(204))
    c = fake_conn(fake)
    c.token = 'AUTH_bogus'
    c.url = fake.url + '/v1/AUTH_other'
    c.head_account()  # 401 for the bogus token: one new authentication
    assert [r.path for r in fake.requests] == ['/v1/AUTH_other', '/auth/v1.0', '/v1/AUTH_test']
    assert c.attempts == 2 and c.token == 'AUTH_tk1'
    c.token = None
    c.head_account()
    assert fake.auth_count == 2


def test_close_keeps_the_connection_usable(conn):
    conn.head_account()
    conn.close()
    conn.close()
    assert conn.head_account()
    assert conn.http_conn is None


def test_http_connection_is_not_available(conn):
    with pytest.raises(NotImplementedError):
        conn.http_connection()


def test_real_rate_limit_is_retried(cluster):
    """The rate-limited account of the test bed answers a quick second write with 498."""
    c = Connection(cluster['auth'], cluster['ratelimit_user'], cluster['ratelimit_key'],
                   starting_backoff=1.1)
    name = 'pytest-rl-%s' % uuid.uuid4().hex[:8]
    time.sleep(1.1)
    rd = {}
    for i in range(2):
        c.put_object(cluster['ratelimit_container'], '%s-%d' % (name, i), b'x',
                     response_dict=rd)
    statuses = [d['status'] for d in rd['response_dicts']]
    assert statuses[0] == 201 and statuses[-1] == 201
    assert 498 in statuses, statuses
    off = Connection(cluster['auth'], cluster['ratelimit_user'], cluster['ratelimit_key'],
                     retry_on_ratelimit=False)
    with pytest.raises(ClientException) as e:
        for i in range(3):
            off.put_object(cluster['ratelimit_container'], '%s-off-%d' % (name, i), b'x')
    assert e.value.http_status == 498 and off.attempts == 1
    time.sleep(1.1)
    for o in c.get_container(cluster['ratelimit_container'], prefix=name)[1]:
        time.sleep(1.1)
        c.delete_object(cluster['ratelimit_container'], o['name'])
