"""python-swiftclient's ``ClientException``, raised by every failed operation.

Failures that got an HTTP answer carry the reference's attributes (``http_status``,
``http_reason``, ``http_host``, ``http_path``, ``http_query``, ``http_response_content``,
``http_response_headers``, ``transaction_id``) and its ``str()``. Failures without an answer
(refused connections, timeouts) are :class:`ClientConnectionError` or :class:`ClientTimeout`:
still ``ClientException`` s, and also the ``OSError`` kinds python-swiftclient's HTTP stack
raises for them (``ConnectionError``, ``TimeoutError``).

Every exception raised by this package also has ``attempts`` (HTTP attempts made before
giving up) and ``kind`` (the engine's classification: ``status``, ``transport``, ``auth``,
``invalidname``, ``integrity``, ...).
"""

from urllib.parse import urlparse

from swiftclient.utils import LowerKeyCaseInsensitiveDict

__all__ = ["ClientException", "ClientConnectionError", "ClientTimeout"]


class ClientException(Exception):
    """A failed Swift operation (python-swiftclient's ``ClientException``)."""

    def __init__(self, msg, http_scheme='', http_host='', http_port='',
                 http_path='', http_query='', http_status=None, http_reason='',
                 http_device='', http_response_content='',
                 http_response_headers=None):
        super().__init__(msg)
        self.msg = msg
        self.http_scheme = http_scheme
        self.http_host = http_host
        self.http_port = http_port
        self.http_path = http_path
        self.http_query = http_query
        self.http_status = http_status
        self.http_reason = http_reason
        self.http_device = http_device
        self.http_response_content = http_response_content
        self.http_response_headers = http_response_headers
        self.attempts = 0
        self.kind = 'other'
        self.transaction_id = None
        if self.http_response_headers:
            for name in ('X-Trans-Id', 'X-Openstack-Request-Id'):
                if name in self.http_response_headers:
                    self.transaction_id = self.http_response_headers[name]
                    break

    @classmethod
    def from_response(cls, resp, msg=None, body=None):
        """Builds the exception from a ``requests``-style response, as the reference does."""
        msg = msg or '%s %s' % (resp.status_code, resp.reason)
        body = body or resp.content
        parsed = urlparse(resp.request.url)
        return cls(msg, parsed.scheme, parsed.hostname, parsed.port,
                   parsed.path, parsed.query, resp.status_code, resp.reason,
                   '', body, resp.headers)

    def __str__(self):
        where = ''
        if self.http_scheme:
            where += '%s://' % self.http_scheme
        if self.http_host:
            where += self.http_host
        if self.http_port:
            where += ':%s' % self.http_port
        if self.http_path:
            where += self.http_path
        if self.http_query:
            where += '?%s' % self.http_query
        if self.http_status:
            where = '%s %s' % (where, self.http_status) if where else str(self.http_status)
        if self.http_reason:
            where = '%s %s' % (where, self.http_reason) if where else '- %s' % self.http_reason
        if self.http_device:
            where = ('%s: device %s' % (where, self.http_device) if where
                     else 'device %s' % self.http_device)
        if self.http_response_content:
            if len(self.http_response_content) <= 60:
                where += '   %s' % (self.http_response_content,)
            else:
                where += '  [first 60 chars of response] %s' % (
                    self.http_response_content[:60],)
        txn = ' (txn: %s)' % self.transaction_id if self.transaction_id else ''
        if where:
            return '%s: %s%s' % (self.msg, where, txn)
        return self.msg + txn


class ClientConnectionError(ClientException, ConnectionError):
    """No HTTP answer: the connection was refused, reset or broken, or TLS failed."""


class ClientTimeout(ClientException, TimeoutError):
    """No HTTP answer in time (``timeout`` passed while connecting or waiting for data)."""


def _from_native(info):
    """The exception for an error of the native engine (called from Rust with a dict)."""
    if info['status'] is not None:
        url = urlparse(info['url'] or '')
        headers = LowerKeyCaseInsensitiveDict(info['headers'] or ())
        exc = ClientException(
            info['msg'], http_scheme=url.scheme, http_host=url.hostname or '',
            http_port=url.port or '', http_path=url.path, http_query=url.query,
            http_status=info['status'], http_reason=info['reason'] or '',
            http_response_content=info['body'] or b'',
            http_response_headers=headers)
    elif info['is_timeout']:
        exc = ClientTimeout(info['text'])
    elif info['is_transport']:
        exc = ClientConnectionError(info['text'])
    else:
        exc = ClientException(info['text'])
    exc.attempts = info['attempts']
    exc.kind = info['kind']
    exc._attempt_log = info['attempt_log']
    return exc
