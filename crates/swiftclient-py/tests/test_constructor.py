"""Every argument of Connection(...), each seen doing what python-swiftclient's does."""

import inspect
import time

import pytest

import swiftclient
from swiftclient import ClientException, Connection
from fakeswift import FakeSwift, Reply, tls_server_context
from conftest import fake_conn


def test_signature_is_the_references():
    params = inspect.signature(Connection.__init__).parameters
    expected = [
        ('authurl', None), ('user', None), ('key', None), ('retries', 5),
        ('preauthurl', None), ('preauthtoken', None), ('snet', False),
        ('starting_backoff', 1), ('max_backoff', 64), ('tenant_name', None),
        ('os_options', None), ('auth_version', '1'), ('cacert', None),
        ('insecure', False), ('cert', None), ('cert_key', None),
        ('ssl_compression', True), ('retry_on_ratelimit', True), ('timeout', None),
        ('session', None), ('force_auth_retry', False)]
    ours = [(n, p.default) for n, p in params.items() if n != 'self']
    assert ours[:len(expected)] == expected
    # Ours, after them and keyword-only: positional calls mean what they mean to the reference.
    assert ours[len(expected):] == [('checksum', False)]
    assert params['checksum'].kind is inspect.Parameter.KEYWORD_ONLY
    assert swiftclient.client.Connection is swiftclient.Connection


def test_authurl_user_key_v1(fake):
    fake.push(Reply(204, {'X-Account-Container-Count': '3'}))
    c = fake_conn(fake)
    assert c.url is None and c.token is None
    h = c.head_account()
    assert h['x-account-container-count'] == '3'
    auth, head = fake.requests
    assert auth.path == '/auth/v1.0'
    assert auth.headers['x-auth-user'] == 'test:tester'
    assert auth.headers['x-auth-key'] == 'testing'
    assert head.method == 'HEAD' and head.path == '/v1/AUTH_test'
    assert head.headers['x-auth-token'] == 'AUTH_tk1'
    assert c.url == fake.storage_url and c.token == 'AUTH_tk1'
    assert c.authurl == fake.auth_url and c.user == 'test:tester'


@pytest.mark.parametrize('retries', [0, 2])
def test_retries(fake, retries):
    fake.handler = lambda req: Reply(503)
    c = fake_conn(fake, retries=retries)
    assert c.retries == retries
    with pytest.raises(ClientException) as e:
        c.head_account()
    assert e.value.http_status == 503
    assert c.attempts == retries + 1
    assert len(fake.swift_requests()) == retries + 1


def test_retries_can_be_changed(fake):
    fake.handler = lambda req: Reply(503)
    c = fake_conn(fake, retries=3)
    c.retries = 1
    with pytest.raises(ClientException):
        c.head_account()
    assert len(fake.swift_requests()) == 2


def test_preauthurl_preauthtoken(fake):
    fake.push(Reply(204))
    c = Connection(preauthurl=fake.url + '/v1/AUTH_pre', preauthtoken='AUTH_given')
    assert c.url == fake.url + '/v1/AUTH_pre' and c.token == 'AUTH_given'
    c.head_account()
    (req,) = fake.requests
    assert req.path == '/v1/AUTH_pre'
    assert req.headers['x-auth-token'] == 'AUTH_given'
    assert c.os_options['object_storage_url'] == fake.url + '/v1/AUTH_pre'


def test_preauthurl_survives_reauth(fake):
    """A preauth URL wins over the auth's storage URL, also after a 401 (as the reference)."""
    fake.push(Reply(401), Reply(204))
    c = fake_conn(fake, preauthurl=fake.url + '/v1/AUTH_pre', preauthtoken='AUTH_old')
    c.head_account()
    paths = [r.path for r in fake.requests]
    assert paths == ['/v1/AUTH_pre', '/auth/v1.0', '/v1/AUTH_pre']
    assert fake.requests[-1].headers['x-auth-token'] == 'AUTH_tk1'


def test_snet(fake):
    c = fake_conn(fake, snet=True)
    url, token = c.get_auth()
    assert url == fake.storage_url.replace('://', '://snet-')
    assert token == 'AUTH_tk1'
    plain = fake_conn(fake)
    assert plain.get_auth()[0] == fake.storage_url


def test_starting_and_max_backoff(fake):
    fake.push(Reply(503), Reply(503), Reply(503), Reply(204))
    c = fake_conn(fake, starting_backoff=0.2, max_backoff=0.3)
    t0 = time.monotonic()
    c.head_account()
    elapsed = time.monotonic() - t0
    # 0.2, then 0.4 capped to 0.3, then 0.3
    assert 0.75 <= elapsed < 3, elapsed
    assert c.attempts == 4


def test_tenant_name_keystone(keystone):
    c = Connection(keystone['OS_AUTH_URL'], keystone['KEYSTONE_FUNCTEST_USERNAME'],
                   keystone['KEYSTONE_FUNCTEST_PASSWORD'], auth_version='3',
                   tenant_name=keystone['KEYSTONE_FUNCTEST_PROJECT'])
    c.head_account()
    assert c.url.endswith('/AUTH_' + keystone['KEYSTONE_FUNCTEST_PROJECT_ID'])
    assert c.os_options['tenant_name'] == keystone['KEYSTONE_FUNCTEST_PROJECT']


def test_user_with_tenant_prefix_keystone(keystone):
    """'tenant:user' as the user, as python-swiftclient splits it for Keystone."""
    c = Connection(keystone['OS_AUTH_URL'],
                   '%s:%s' % (keystone['KEYSTONE_FUNCTEST_PROJECT'],
                              keystone['KEYSTONE_FUNCTEST_USERNAME']),
                   keystone['KEYSTONE_FUNCTEST_PASSWORD'], auth_version='3')
    c.head_account()
    assert c.url.endswith('/AUTH_' + keystone['KEYSTONE_FUNCTEST_PROJECT_ID'])


@pytest.mark.parametrize('version', ['3', 3, '3.0', 3.0])
def test_os_options_domains_and_auth_versions(keystone, version):
    c = Connection(keystone['OS_AUTH_URL'], keystone['KEYSTONE_FUNCTEST4_USERNAME'],
                   keystone['KEYSTONE_FUNCTEST4_PASSWORD'], auth_version=version,
                   os_options={'project_name': keystone['KEYSTONE_FUNCTEST4_PROJECT'],
                               'project_domain_name': keystone['KEYSTONE_FUNCTEST4_DOMAIN'],
                               'user_domain_name': keystone['KEYSTONE_FUNCTEST4_DOMAIN']})
    h = c.head_account()
    assert 'x-account-container-count' in h
    assert c.url.endswith('/AUTH_' + keystone['KEYSTONE_FUNCTEST4_PROJECT_ID'])


def test_os_options_catalog_selection(keystone):
    base = dict(project_name=keystone['OS_PROJECT_NAME'],
                user_domain_name=keystone['OS_USER_DOMAIN_NAME'],
                project_domain_name=keystone['OS_PROJECT_DOMAIN_NAME'])

    def url(**extra):
        c = Connection(keystone['OS_AUTH_URL'], keystone['OS_USERNAME'],
                       keystone['OS_PASSWORD'], auth_version='3',
                       os_options=dict(base, **extra))
        return c.get_auth()[0]

    assert url() == keystone['KEYSTONE_TESTBED_SWIFT_PUBLIC_URL']
    assert url(region_name='RegionTwo') == \
        keystone['KEYSTONE_TESTBED_SWIFT_REGIONTWO_PUBLIC_URL']
    assert url(endpoint_type='internalURL') == keystone['KEYSTONE_TESTBED_SWIFT_INTERNAL_URL']
    assert url(service_type='object-store', endpoint_type='admin') == \
        keystone['KEYSTONE_TESTBED_SWIFT_ADMIN_URL']
    assert url(object_storage_url='http://127.0.0.1:9/v1/AUTH_x') == \
        'http://127.0.0.1:9/v1/AUTH_x'


def test_os_options_application_credential(keystone):
    c = Connection(keystone['OS_AUTH_URL'], auth_version='3',
                   os_options={'auth_type': 'v3applicationcredential',
                               'application_credential_id':
                                   keystone['OS_APPLICATION_CREDENTIAL_ID'],
                               'application_credential_secret':
                                   keystone['OS_APPLICATION_CREDENTIAL_SECRET']})
    c.head_account()
    assert c.url == keystone['KEYSTONE_TESTBED_SWIFT_PUBLIC_URL']


def test_os_options_auth_token_and_storage_url(fake):
    fake.push(Reply(204))
    c = Connection(os_options={'auth_token': 'AUTH_os', 'object_storage_url': fake.storage_url})
    assert c.token == 'AUTH_os' and c.url == fake.storage_url
    c.head_account()
    assert fake.requests[0].headers['x-auth-token'] == 'AUTH_os'


def test_os_options_is_copied():
    opts = {'project_name': 'p'}
    c = Connection('http://127.0.0.1:9/v3', 'u', 'k', auth_version='3', os_options=opts,
                   tenant_name='t', preauthurl='http://127.0.0.1:9/v1/AUTH_x')
    assert opts == {'project_name': 'p'}
    assert c.os_options['object_storage_url'] == 'http://127.0.0.1:9/v1/AUTH_x'


def test_auth_version_unknown():
    # As python-swiftclient: the constructor accepts it, the first request fails.
    c = Connection('http://127.0.0.1:9/auth', 'u', 'k', auth_version='9')
    assert repr(c)
    with pytest.raises(ClientException) as e:
        c.head_account()
    assert 'Unknown auth_version 9' in str(e.value)


def test_keystone_without_project():
    c = Connection('http://127.0.0.1:9/v3', 'u', 'k', auth_version='3')
    with pytest.raises(ClientException) as e:
        c.get_auth()
    assert 'No project name or project id specified.' in str(e.value)


@pytest.fixture(scope='module')
def tls(tmp_path_factory):
    import trustme
    d = tmp_path_factory.mktemp('tls')
    ca = trustme.CA()
    server = ca.issue_cert('127.0.0.1')
    client = ca.issue_cert('client.example')
    paths = {}
    ca.cert_pem.write_to_path(str(d / 'ca.pem'))
    server.cert_chain_pems[0].write_to_path(str(d / 'server.pem'))
    server.private_key_pem.write_to_path(str(d / 'server.key'))
    client.cert_chain_pems[0].write_to_path(str(d / 'client.pem'))
    client.private_key_pem.write_to_path(str(d / 'client.key'))
    other = trustme.CA()
    other.cert_pem.write_to_path(str(d / 'other-ca.pem'))
    for name in ('ca.pem', 'server.pem', 'server.key', 'client.pem', 'client.key',
                 'other-ca.pem'):
        paths[name] = str(d / name)
    return paths


def test_cacert(tls):
    ctx = tls_server_context(tls['server.pem'], tls['server.key'])
    with FakeSwift(tls_context=ctx) as f:
        f.handler = lambda req: Reply(204)
        fake_conn(f, cacert=tls['ca.pem']).head_account()
        with pytest.raises(swiftclient.ClientConnectionError) as e:
            fake_conn(f, cacert=tls['other-ca.pem'], retries=0).head_account()
        assert e.value.kind in ('transport', 'auth')


def test_insecure(tls):
    ctx = tls_server_context(tls['server.pem'], tls['server.key'])
    with FakeSwift(tls_context=ctx) as f:
        f.handler = lambda req: Reply(204)
        with pytest.raises(swiftclient.ClientConnectionError):
            fake_conn(f, retries=0).head_account()
        fake_conn(f, insecure=True).head_account()


def test_cert_and_cert_key(tls):
    ctx = tls_server_context(tls['server.pem'], tls['server.key'], client_ca=tls['ca.pem'])
    with FakeSwift(tls_context=ctx) as f:
        f.handler = lambda req: Reply(204)
        fake_conn(f, cacert=tls['ca.pem'], cert=tls['client.pem'],
                  cert_key=tls['client.key']).head_account()
        with pytest.raises(swiftclient.ClientConnectionError):
            fake_conn(f, cacert=tls['ca.pem'], retries=0).head_account()


def test_ssl_compression_is_accepted(fake):
    fake.push(Reply(204))
    c = fake_conn(fake, ssl_compression=False)
    c.head_account()
    assert c.ssl_compression is False


@pytest.mark.parametrize('on', [True, False])
def test_retry_on_ratelimit(fake, on):
    fake.push(Reply(498, body=b'Slow down'), Reply(429, {'Retry-After': '0'}), Reply(204))
    c = fake_conn(fake, retry_on_ratelimit=on)
    if on:
        c.head_account()
        assert c.attempts == 3
    else:
        with pytest.raises(ClientException) as e:
            c.head_account()
        assert e.value.http_status == 498
        assert c.attempts == 1


def test_timeout(fake):
    fake.push(Reply(204, delay=3))
    c = fake_conn(fake, timeout=0.3, retries=0)
    t0 = time.monotonic()
    with pytest.raises(swiftclient.ClientTimeout) as e:
        c.head_account()
    assert time.monotonic() - t0 < 2.5
    assert isinstance(e.value, TimeoutError) and isinstance(e.value, ClientException)
    assert c.timeout == 0.3


class FakeSession:
    """The part of a keystoneauth1 Session that python-swiftclient uses."""

    def __init__(self, url, can_invalidate=True):
        self.url = url
        self.tokens = 0
        self.endpoint_args = None
        self.invalidated = 0
        self.can_invalidate = can_invalidate

    def get_endpoint(self, **kwargs):
        self.endpoint_args = kwargs
        return self.url

    def get_token(self):
        self.tokens += 1
        return 'AUTH_session%d' % self.tokens

    def invalidate(self):
        self.invalidated += 1
        return self.can_invalidate


def test_session_token_and_endpoint(fake):
    fake.push(Reply(204), Reply(401), Reply(204))
    s = FakeSession(fake.storage_url)
    c = Connection(session=s, os_options={'region_name': 'RegionX'})
    c.head_account()
    assert s.endpoint_args == {'service_type': 'object-store', 'interface': 'public',
                               'region_name': 'RegionX'}
    assert fake.requests[0].headers['x-auth-token'] == 'AUTH_session1'
    c.head_account()  # 401, invalidate() says yes: a new token
    assert s.invalidated == 1
    assert fake.requests[-1].headers['x-auth-token'] == 'AUTH_session2'
    assert c.attempts == 2


def test_session_that_cannot_invalidate(fake):
    fake.push(Reply(401))
    s = FakeSession(fake.storage_url, can_invalidate=False)
    c = Connection(session=s)
    with pytest.raises(ClientException) as e:
        c.head_account()
    assert e.value.http_status == 401
    assert s.tokens == 1 and s.invalidated == 1


def test_session_errors_are_raised_as_they_are(fake):
    class Broken(FakeSession):
        def get_token(self):
            raise LookupError('no token today')

    c = Connection(session=Broken(fake.storage_url))
    with pytest.raises(LookupError, match='no token today'):
        c.head_account()


def test_keystoneauth1_session(keystone):
    import keystoneauth1 as ks
    from keystoneauth1.identity import v3
    from keystoneauth1 import session as ks_session
    auth = v3.Password(auth_url=keystone['OS_AUTH_URL'],
                       username=keystone['OS_USERNAME'], password=keystone['OS_PASSWORD'],
                       project_name=keystone['OS_PROJECT_NAME'],
                       user_domain_name=keystone['OS_USER_DOMAIN_NAME'],
                       project_domain_name=keystone['OS_PROJECT_DOMAIN_NAME'])
    sess = ks_session.Session(auth=auth)
    c = Connection(session=sess)
    h = c.head_account()
    assert 'x-account-container-count' in h
    assert c.url == keystone['KEYSTONE_TESTBED_SWIFT_PUBLIC_URL']
    assert ks.__name__ == 'keystoneauth1'


@pytest.mark.parametrize('force', [True, False])
def test_force_auth_retry(fake, force):
    fake.push(Reply(503), Reply(204))
    c = fake_conn(fake, force_auth_retry=force)
    c.head_account()
    assert fake.auth_count == (2 if force else 1)
    assert c.attempts == 2
