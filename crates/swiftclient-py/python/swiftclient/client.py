"""python-swiftclient's ``swiftclient.client.Connection``, on the Rust ``swiftclient`` engine.

Same constructor, methods, argument names, defaults and return shapes as python-swiftclient
4.11; the requests themselves (authentication, retries, back-off, rate limits, resumed
downloads, TLS) are made by the Rust library with the GIL released. See the package README
("Python") for what differs from the reference and why.
"""

import io
import json
import logging
import os
import stat
import time
import warnings
from typing import Any, Dict, Iterator, List, Mapping, Optional, Tuple, Union

from swiftclient import _native
from swiftclient.exceptions import ClientConnectionError, ClientException, ClientTimeout
from swiftclient.utils import LowerKeyCaseInsensitiveDict

__all__ = ["Connection", "ClientException", "logger"]

logger = logging.getLogger("swiftclient")
logger.addHandler(logging.NullHandler())

# python-swiftclient reads file-like bodies in chunks of this size by default.
DEFAULT_CHUNK_SIZE = 65536

Headers = Mapping[str, Any]
ResponseDict = Dict[str, Any]

# RFC 7230 token characters: what a header name may hold.
_TCHAR = frozenset(b"!#$%&'*+-.^_`|~0123456789"
                   b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")


def _header_name(name) -> str:
    """Lower-cased, as python-swiftclient sends names. A name with bytes no header name may
    hold (non-ASCII metadata names) is percent-encoded: Swift keeps it as given and our
    response headers decode it back, so ``x-object-meta-\u00e9`` round-trips."""
    if isinstance(name, bytes):
        name = name.decode('utf-8')
    name = str(name).lower()
    raw = name.encode('utf-8')
    if all(b in _TCHAR for b in raw):
        return name
    return ''.join(chr(b) if b in _TCHAR and b != 0x25 else '%%%02X' % b for b in raw)


def _header_value(value) -> str:
    if isinstance(value, bytes):
        return value.decode('utf-8')
    return str(value)


def _encode_headers(headers: Optional[Headers]) -> Optional[List[Tuple[str, str]]]:
    """python-swiftclient's ``encode_meta_headers``: names lower-cased, numbers and booleans
    as their ``str()``; a header whose value is None is not sent (as with requests)."""
    if not headers:
        return None
    return [(_header_name(k), _header_value(v)) for k, v in headers.items() if v is not None]


def _resp_headers(pairs) -> LowerKeyCaseInsensitiveDict:
    return LowerKeyCaseInsensitiveDict(pairs)


def _add_response_dicts(response_dict: Optional[ResponseDict], log) -> None:
    """One ``{status, reason, headers}`` per attempt into ``response_dict['response_dicts']``
    (``{}`` for an attempt that got no response), the last one also merged into the dict
    itself, as python-swiftclient's ``_retry`` does."""
    if response_dict is None:
        return
    for status, reason, headers in log:
        if status is None:
            entry: ResponseDict = {}
        else:
            entry = {'status': status, 'reason': reason, 'headers': _resp_headers(headers)}
        response_dict.setdefault('response_dicts', []).append(entry)
        response_dict.update(entry)


def _falsy_none(value):
    """python-swiftclient leaves out listing parameters that are falsy (``limit=0``, ``''``)."""
    return value if value else None


def _chunk(c) -> bytes:
    if isinstance(c, str):
        return c.encode('utf-8')
    return bytes(c)


_FILE_TYPES = (io.BufferedReader, io.BufferedRandom, io.FileIO)


def _regular_file(contents, content_length):
    """``(path, offset, length)`` when ``contents`` is a binary file open on a regular file
    that the engine can read itself (without the GIL), else None."""
    if not isinstance(contents, _FILE_TYPES) or not os.path.isdir('/proc/self/fd'):
        return None
    try:
        if not contents.readable():
            return None
        fd = contents.fileno()
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None
        offset = contents.tell()
    except (OSError, ValueError, io.UnsupportedOperation):
        return None
    length = content_length if content_length is not None else max(st.st_size - offset, 0)
    return '/proc/self/fd/%d' % fd, offset, length


def _body_spec(contents, content_length, chunk_size, retries):
    """What the engine is to send, as the tagged tuple ``_native`` takes."""
    if contents is None or (isinstance(contents, (str, bytes, bytearray)) and not contents):
        return ('bytes', b''), None
    if isinstance(contents, str):
        return ('bytes', contents.encode('utf-8')), None
    if isinstance(contents, (bytes, bytearray, memoryview)):
        return ('bytes', bytes(contents)), None
    if hasattr(contents, 'read'):
        found = _regular_file(contents, content_length)
        if found is not None:
            path, offset, length = found
            return ('file', path, offset, length), (contents, offset + length)
        offset = None
        if retries > 0 and hasattr(contents, 'tell') and hasattr(contents, 'seek'):
            try:
                offset = contents.tell()
            except (OSError, ValueError, io.UnsupportedOperation):
                offset = None
        return ('reader', contents, content_length, offset,
                chunk_size or DEFAULT_CHUNK_SIZE), None
    if chunk_size is not None:
        warnings.warn('%s object has no "read" method, ignoring chunk_size'
                      % type(contents).__name__, stacklevel=3)
    if isinstance(contents, (list, tuple)):
        return ('bytes', b''.join(_chunk(c) for c in contents)), None
    return ('iter', iter(contents), content_length), None


class _ObjectBody:
    """A streamed object body (python-swiftclient's ``_ObjectBody``): iterate it for chunks
    of ``chunk_size``, or ``read()``. ``resp`` is the underlying body, whose own iteration
    yields the chunks as they arrive."""

    def __init__(self, resp, chunk_size: int) -> None:
        self.resp = resp
        self.chunk_size = chunk_size

    def read(self, length: Optional[int] = None) -> bytes:
        buf = self.resp.read(length)
        if not buf:
            self.resp.close()
        return buf

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        buf = self.read(self.chunk_size)
        if not buf:
            raise StopIteration()
        return buf

    next = __next__

    def close(self) -> None:
        self.resp.close()


class _RetryBody(_ObjectBody):
    """A streamed body that resumes (python-swiftclient's ``_RetryBody``): when the body ends
    before its ``Content-Length``, the GET is made again with ``Range: bytes=<read>-`` and
    ``If-Match: <etag>``, counting on the connection's attempts. (The engine also resumes by
    itself when a connection breaks.)"""

    def __init__(self, resp, connection, container, obj, resp_chunk_size, query_string,
                 response_dict, headers, resp_headers, attempts_before):
        super().__init__(resp, resp_chunk_size)
        self.expected_length = int(resp_headers['content-length'])
        self.etag = resp_headers.get('etag')
        self.conn = connection
        self.container = container
        self.obj = obj
        self.query_string = query_string
        self.response_dict = response_dict
        self.headers = dict(headers or {})
        self.bytes_read = 0
        self._attempts_before = attempts_before

    def _sync_attempts(self) -> None:
        self.conn.attempts = self._attempts_before + self.resp.attempts

    def read(self, length: Optional[int] = None) -> bytes:
        buf = b''
        try:
            buf = self.resp.read(length)
            self.bytes_read += len(buf)
        except (ClientConnectionError, ClientTimeout):
            # The engine resumes a broken connection by itself; this is what is left when
            # it could not (python-swiftclient resumes after socket errors too).
            self._sync_attempts()
            if self.conn.attempts > self.conn.retries:
                raise
        else:
            self._sync_attempts()
        if (not buf and self.bytes_read < self.expected_length
                and self.conn.attempts <= self.conn.retries):
            self.headers['Range'] = 'bytes=%d-' % self.bytes_read
            self.headers['If-Match'] = self.etag
            before = self.conn.attempts
            hdrs, body = self.conn._get_object_stream(
                self.container, self.obj, self.query_string, self.response_dict,
                self.headers, before)
            expected_range = 'bytes %d-%d/%d' % (
                self.bytes_read, self.expected_length - 1, self.expected_length)
            if 'content-range' not in hdrs:
                logger.warning('Received 200 while retrying %s/%s; seeking...',
                               self.container, self.obj)
                to_skip = self.bytes_read
                while to_skip > 0:
                    skipped = body.read(min(to_skip, self.chunk_size))
                    if not skipped:
                        break
                    to_skip -= len(skipped)
            elif hdrs['content-range'] != expected_range:
                raise ClientException(
                    'Expected range "%s" while retrying %s/%s but got "%s"'
                    % (expected_range, self.container, self.obj, hdrs['content-range']))
            self.resp = body
            self._attempts_before = before
            return self.read(length)
        return buf


class Connection:
    """A connection to a Swift cluster: python-swiftclient's ``Connection``.

    Authenticates on first use (v1/tempauth, Keystone v2.0/v3 through ``os_options``, a
    keystoneauth1 ``session``, or a ``preauthurl`` + ``preauthtoken``), retries per
    ``retries``/``starting_backoff``/``max_backoff``/``retry_on_ratelimit``, and
    re-authenticates once on a 401. Safe to share between threads: requests run in parallel
    on one pool, with the GIL released.

    :param authurl: authentication URL
    :param user: user name to authenticate as (``account:user`` for tempauth)
    :param key: key/password to authenticate with
    :param retries: number of times to retry a request before failing (default 5)
    :param preauthurl: storage URL, if already authenticated
    :param preauthtoken: authentication token, if already authenticated
    :param snet: use SERVICENET (v1 auth: ``snet-`` before the storage host)
    :param starting_backoff: first delay between retries, in seconds (default 1)
    :param max_backoff: longest delay between retries, in seconds (default 64)
    :param tenant_name: tenant/project name for Keystone
    :param os_options: OpenStack options (``tenant_id``, ``project_name``,
        ``user_domain_name``, ``region_name``, ``service_type``, ``endpoint_type``,
        ``auth_token``, ``object_storage_url``, ``auth_type``, application credentials,
        ``service_username``/``service_key``/``service_project_name``, ...)
    :param auth_version: ``'1'``, ``'2.0'`` or ``'3'`` (default ``'1'``)
    :param cacert: CA bundle file to verify the server's certificate with
    :param insecure: do not verify certificates (default False)
    :param cert: client certificate file
    :param cert_key: client certificate private key file
    :param ssl_compression: accepted and ignored (TLS compression is never used)
    :param retry_on_ratelimit: retry 498/429 answers after a back-off (default True)
    :param timeout: socket read (and connect) timeout in seconds
    :param session: a keystoneauth1 ``Session``: its token and object-store endpoint are used
    :param force_auth_retry: re-authenticate after any retryable failure (default False)
    :param checksum: (this package's, keyword only) compare the MD5 of what is uploaded and of
        whole downloaded plain objects with their ETags, so that corruption in transit is an
        error (``kind == 'integrity'``). Off by default, as python-swiftclient's
        ``Connection`` never hashes: one MD5 pass costs about 1 s of CPU per 512 MiB. Also an
        attribute, which can be changed at any time.
    """

    def __init__(self, authurl: Optional[str] = None, user: Optional[str] = None,
                 key: Optional[str] = None, retries: int = 5,
                 preauthurl: Optional[str] = None, preauthtoken: Optional[str] = None,
                 snet: bool = False, starting_backoff: float = 1, max_backoff: float = 64,
                 tenant_name: Optional[str] = None,
                 os_options: Optional[Dict[str, Any]] = None,
                 auth_version: str = "1", cacert: Optional[str] = None,
                 insecure: bool = False, cert: Optional[str] = None,
                 cert_key: Optional[str] = None, ssl_compression: bool = True,
                 retry_on_ratelimit: bool = True, timeout: Optional[float] = None,
                 session: Any = None, force_auth_retry: bool = False, *,
                 checksum: bool = False) -> None:
        self.authurl = authurl
        self.user = user
        self.key = key
        self.snet = snet
        self.starting_backoff = starting_backoff
        self.max_backoff = max_backoff
        self.auth_version = auth_version
        self.os_options = dict(os_options or {})
        if tenant_name:
            self.os_options['tenant_name'] = tenant_name
        if preauthurl:
            self.os_options['object_storage_url'] = preauthurl
        self.service_auth = bool(self.os_options.get('service_username'))
        self.service_token = None
        self.cacert = cacert
        self.insecure = insecure
        self.cert = cert
        self.cert_key = cert_key
        self.ssl_compression = ssl_compression
        self.retry_on_ratelimit = retry_on_ratelimit
        self.timeout = timeout
        self.session = session
        self.force_auth_retry = force_auth_retry
        self.checksum = checksum
        self.http_conn = None
        self.attempts = 0
        self.auth_end_time = 0.0
        self._retries = retries
        self._pid = os.getpid()
        self._preauth = (preauthurl or self.os_options.get('object_storage_url'),
                         preauthtoken or self.os_options.get('auth_token'))
        try:
            self._native = self._build(*self._preauth)
        except ClientException:
            # python-swiftclient finds bad settings (an unknown auth_version, no project for
            # Keystone) when it first authenticates, not here: so do we (_conn raises it).
            self._native = None

    # -- the native connection ------------------------------------------------------------

    def _build(self, url=None, token=None):
        """A new native connection from the current settings, using ``url`` and ``token``."""
        kwargs: Dict[str, Any] = dict(
            retries=int(self._retries), snet=bool(self.snet),
            starting_backoff=float(self.starting_backoff),
            max_backoff=float(self.max_backoff),
            os_options={k: v for k, v in self.os_options.items() if v is not None},
            auth_version=str(self.auth_version or '1'),
            cacert=self.cacert, insecure=bool(self.insecure), cert=self.cert,
            cert_key=self.cert_key, retry_on_ratelimit=bool(self.retry_on_ratelimit),
            timeout=None if self.timeout is None else float(self.timeout),
            force_auth_retry=bool(self.force_auth_retry))
        if self.session is not None:
            kwargs.update(self._session_callbacks())
        else:
            kwargs.update(authurl=self.authurl, user=self.user, key=self.key)
        native = _native.Connection(**kwargs)
        if url or token:
            native.set_credentials(url or native.url, token or native.token)
        return native

    def _session_callbacks(self):
        """python-swiftclient's use of a keystoneauth1 session: the endpoint by
        ``service_type``/``endpoint_type``/``region_name`` from ``os_options``, the
        session's token, and ``session.invalidate()`` deciding whether a 401 re-authenticates.
        (The callbacks hold the session and a copy of the options, not this object.)"""
        session = self.session
        opts = dict(self.os_options)

        def get():
            url = session.get_endpoint(
                service_type=opts.get('service_type', 'object-store'),
                interface=opts.get('endpoint_type', 'public'),
                region_name=opts.get('region_name'))
            return url, session.get_token()

        return dict(auth_callback=get, invalidate_callback=session.invalidate)

    def _conn(self):
        """The native connection; after ``os.fork()`` a new one (the child cannot use the
        parent's pool), keeping the storage URL and token."""
        if self._native is None:
            self._native = self._build(*self._preauth)
        if os.getpid() != self._pid:
            self._pid = os.getpid()
            old = self._native
            self._native = self._build(old.url, old.token)
        return self._native

    def _call(self, response_dict, name, *args):
        try:
            return getattr(self._conn(), name)(*args)
        except ClientException as exc:
            log = getattr(exc, '_attempt_log', None)
            if log is not None:
                self.attempts = exc.attempts
                _add_response_dicts(response_dict, log)
            raise
        finally:
            self.auth_end_time = time.time()

    def _done(self, resp, response_dict=None, attempts_before=0):
        _status, _reason, headers, log = resp
        self.attempts = attempts_before + max(len(log), 1)
        _add_response_dicts(response_dict, log)
        return _resp_headers(headers)

    # -- attributes -----------------------------------------------------------------------

    @property
    def url(self) -> Optional[str]:
        """The storage URL in use (None until the first authentication)."""
        return self._conn().url

    @url.setter
    def url(self, value: Optional[str]) -> None:
        n = self._conn()
        n.set_credentials(value, n.token)

    @property
    def token(self) -> Optional[str]:
        """The token in use (None until the first authentication)."""
        return self._conn().token

    @token.setter
    def token(self, value: Optional[str]) -> None:
        n = self._conn()
        n.set_credentials(n.url, value)

    @property
    def retries(self) -> int:
        """Retries after the first attempt; setting it applies to the next request."""
        return self._retries

    @retries.setter
    def retries(self, value: int) -> None:
        self._retries = value
        old = self._native
        self._native = None if old is None else self._build(old.url, old.token)

    def __repr__(self) -> str:
        url = self._native.url if self._native is not None else None
        return '<swiftclient.client.Connection authurl=%r user=%r url=%r>' % (
            self.authurl, self.user, url)

    # -- connection management ------------------------------------------------------------

    def close(self) -> None:
        """Releases the connection. It stays usable, as python-swiftclient's does: idle
        sockets are closed by the pool on its own."""
        self.http_conn = None

    def http_connection(self, url: Optional[str] = None):
        """Not available: python-swiftclient returns its ``requests``-based connection
        object here, and this engine has none to give."""
        raise NotImplementedError(
            'http_connection() has no equivalent: requests are made by the Rust engine')

    def get_auth(self) -> Tuple[str, str]:
        """Authenticates (again, when credentials or a session are known) and returns
        ``(storage_url, token)``."""
        n = self._conn()
        if self.session is not None or (self.authurl and self.user and self.key is not None):
            n.invalidate_token()
        try:
            return n.get_auth()
        finally:
            self.auth_end_time = time.time()

    def get_service_auth(self) -> Tuple[Optional[str], Optional[str]]:
        """The storage URL and service token. The engine authenticates the service user by
        itself (``os_options['service_username']``) and adds ``X-Service-Token`` to every
        request; its token is not exposed, so this returns ``(url, None)``."""
        return self.url, None

    # -- account --------------------------------------------------------------------------

    def head_account(self, headers: Optional[Headers] = None) -> Dict[str, str]:
        """HEAD the account: a dict of its headers (lower-case names)."""
        resp = self._call(None, 'head_account', _encode_headers(headers))
        return self._done(resp)

    def get_account(self, marker: Optional[str] = None, limit: Optional[int] = None,
                    prefix: Optional[str] = None, end_marker: Optional[str] = None,
                    full_listing: bool = False, headers: Optional[Headers] = None,
                    delimiter: Optional[str] = None
                    ) -> Tuple[Dict[str, str], List[Dict[str, Any]]]:
        """List the account's containers: ``(headers, [{'name', 'count', 'bytes', ...}])``;
        every page with ``full_listing``."""
        resp, listing = self._call(
            None, 'get_account', _falsy_none(marker), _falsy_none(limit),
            _falsy_none(prefix), _falsy_none(end_marker), _falsy_none(delimiter),
            bool(full_listing), _encode_headers(headers))
        return self._done(resp), json.loads(listing)

    def post_account(self, headers: Headers, response_dict: Optional[ResponseDict] = None,
                     query_string: Optional[str] = None, data: Optional[bytes] = None
                     ) -> Tuple[Dict[str, str], bytes]:
        """POST to the account (metadata): ``(headers, body)``."""
        if isinstance(data, str):
            data = data.encode('utf-8')
        resp, body = self._call(response_dict, 'post_account', _encode_headers(headers),
                                query_string, None if data is None else bytes(data))
        return self._done(resp, response_dict), body

    # -- containers -----------------------------------------------------------------------

    def head_container(self, container: str, headers: Optional[Headers] = None
                       ) -> Dict[str, str]:
        """HEAD a container: a dict of its headers (lower-case names)."""
        resp = self._call(None, 'head_container', container, _encode_headers(headers))
        return self._done(resp)

    def get_container(self, container: str, marker: Optional[str] = None,
                      limit: Optional[int] = None, prefix: Optional[str] = None,
                      delimiter: Optional[str] = None, end_marker: Optional[str] = None,
                      version_marker: Optional[str] = None, path: Optional[str] = None,
                      full_listing: bool = False, headers: Optional[Headers] = None,
                      query_string: Optional[str] = None
                      ) -> Tuple[Dict[str, str], List[Dict[str, Any]]]:
        """List a container's objects: ``(headers, [{'name', 'bytes', 'hash', ...}])``;
        every page with ``full_listing``."""
        resp, listing = self._call(
            None, 'get_container', container, _falsy_none(marker), _falsy_none(limit),
            _falsy_none(prefix), _falsy_none(delimiter), _falsy_none(end_marker),
            _falsy_none(version_marker), _falsy_none(path), bool(full_listing),
            _encode_headers(headers), query_string)
        return self._done(resp), json.loads(listing)

    def put_container(self, container: str, headers: Optional[Headers] = None,
                      response_dict: Optional[ResponseDict] = None,
                      query_string: Optional[str] = None) -> None:
        """Create a container (or update its headers)."""
        resp = self._call(response_dict, 'put_container', container,
                          _encode_headers(headers), query_string)
        self._done(resp, response_dict)

    def post_container(self, container: str, headers: Headers,
                       response_dict: Optional[ResponseDict] = None) -> None:
        """POST to a container: metadata and ACLs."""
        resp = self._call(response_dict, 'post_container', container,
                          _encode_headers(headers))
        self._done(resp, response_dict)

    def delete_container(self, container: str, response_dict: Optional[ResponseDict] = None,
                         query_string: Optional[str] = None,
                         headers: Optional[Headers] = {}) -> None:
        """Delete an (empty) container."""
        resp = self._call(response_dict, 'delete_container', container,
                          _encode_headers(headers), query_string)
        self._done(resp, response_dict)

    # -- objects --------------------------------------------------------------------------

    def head_object(self, container: str, obj: str, headers: Optional[Headers] = None,
                    query_string: Optional[str] = None) -> Dict[str, str]:
        """HEAD an object: a dict of its headers (lower-case names)."""
        resp = self._call(None, 'head_object', container, obj, _encode_headers(headers),
                          query_string)
        return self._done(resp)

    def _get_object_stream(self, container, obj, query_string, response_dict, headers,
                           attempts_before=0):
        resp, body, _attempts = self._call(response_dict, 'get_object', container, obj,
                                           _encode_headers(headers), query_string, False,
                                           bool(self.checksum))
        hdrs = self._done(resp, response_dict, attempts_before)
        return hdrs, body

    def get_object(self, container: str, obj: str, resp_chunk_size: Optional[int] = None,
                   query_string: Optional[str] = None,
                   response_dict: Optional[ResponseDict] = None,
                   headers: Optional[Headers] = None
                   ) -> Tuple[Dict[str, str], Union[bytes, _ObjectBody]]:
        """Download an object: ``(headers, bytes)``, or with ``resp_chunk_size`` an iterator of
        chunks of that size (with ``read()``; it resumes a download that breaks off)."""
        if not resp_chunk_size:
            resp, body, attempts = self._call(response_dict, 'get_object', container, obj,
                                              _encode_headers(headers), query_string, True,
                                              bool(self.checksum))
            hdrs = self._done(resp, response_dict)
            self.attempts = attempts
            return hdrs, body
        hdrs, native = self._get_object_stream(container, obj, query_string, response_dict,
                                               headers)
        ranged = any(k.lower() == 'range' for k in (headers or {}))
        if (not ranged and self.attempts <= self.retries
                and 'transfer-encoding' not in hdrs and 'content-length' in hdrs):
            return hdrs, _RetryBody(native, self, container, obj, resp_chunk_size,
                                    query_string, response_dict, headers, hdrs, 0)
        return hdrs, _ObjectBody(native, resp_chunk_size)

    def put_object(self, container: str, obj: str, contents: Any,
                   content_length: Optional[int] = None, etag: Optional[str] = None,
                   chunk_size: Optional[int] = None, content_type: Optional[str] = None,
                   headers: Optional[Headers] = None, query_string: Optional[str] = None,
                   response_dict: Optional[ResponseDict] = None) -> str:
        """Upload an object from ``str``, ``bytes``, a file-like object (read in
        ``chunk_size`` pieces, at most ``content_length`` bytes) or an iterable of chunks.
        Returns the ETag (the MD5 of what was stored)."""
        headers = dict(headers or {})
        if content_length is None:
            for k, v in headers.items():
                if str(k).lower() == 'content-length' and v is not None:
                    content_length = int(v)
        if content_type is not None:
            headers = {k: v for k, v in headers.items() if str(k).lower() != 'content-type'}
        headers = {k: v for k, v in headers.items() if str(k).lower() != 'content-length'}
        spec, rewind = _body_spec(contents, content_length, chunk_size, self.retries)
        args = (content_type, etag.strip('"') if etag else None,
                content_length if spec[0] in ('reader', 'iter') else None,
                _encode_headers(headers), query_string, bool(self.checksum))
        try:
            resp = self._call(response_dict, 'put_object', container, obj, spec, *args)
        except OSError as exc:
            if isinstance(exc, ClientException) or spec[0] != 'file':
                raise
            # The file could not be opened again by the engine (its mode changed since it was
            # opened, say): read it through the file object instead.
            rewind = None
            spec = ('reader', contents, content_length, None if self.retries <= 0 else
                    contents.tell(), chunk_size or DEFAULT_CHUNK_SIZE)
            resp = self._call(response_dict, 'put_object', container, obj, spec, *args)
        if rewind is not None:
            fileobj, end = rewind
            fileobj.seek(end)
        hdrs = self._done(resp, response_dict)
        return (hdrs.get('etag') or '').strip('"')

    def post_object(self, container: str, obj: str, headers: Headers,
                    response_dict: Optional[ResponseDict] = None) -> None:
        """POST to an object: replace its metadata."""
        resp = self._call(response_dict, 'post_object', container, obj,
                          _encode_headers(headers))
        self._done(resp, response_dict)

    def copy_object(self, container: str, obj: str, destination: Optional[str] = None,
                    headers: Optional[Headers] = None, fresh_metadata: Optional[bool] = None,
                    response_dict: Optional[ResponseDict] = None) -> None:
        """Server-side COPY to ``destination`` (``/container/object``; None: onto itself,
        to change metadata). ``fresh_metadata=True`` drops the existing metadata."""
        resp = self._call(response_dict, 'copy_object', container, obj, destination,
                          _encode_headers(headers),
                          None if fresh_metadata is None else bool(fresh_metadata))
        self._done(resp, response_dict)

    def delete_object(self, container: str, obj: str, query_string: Optional[str] = None,
                      response_dict: Optional[ResponseDict] = None,
                      headers: Optional[Headers] = None) -> None:
        """Delete an object."""
        resp = self._call(response_dict, 'delete_object', container, obj,
                          _encode_headers(headers), query_string)
        self._done(resp, response_dict)

    # -- cluster --------------------------------------------------------------------------

    def get_capabilities(self, url: Optional[str] = None) -> Dict[str, Any]:
        """The cluster's ``/info``: from ``url`` (an ``/info`` URL or a storage URL to derive
        it from), else from the storage URL (authenticating first if needed)."""
        try:
            body = self._conn().get_capabilities(url or None)
        finally:
            self.auth_end_time = time.time()
        return json.loads(body)
