"""A scripted HTTP/1.1 server on 127.0.0.1 for the tests that need faults the real cluster
cannot produce on demand: 5xx storms, truncated bodies, stalls, servers that ignore Range.

``/auth/v1.0`` answers v1 auth (a new token each time: ``AUTH_tk1``, ``AUTH_tk2``, ...);
every other request gets the next scripted :class:`Reply` (or what ``handler(request)``
returns), else a 404. Every request is recorded, with its headers and body.
"""

import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Reply:
    """One scripted answer.

    :param truncate: send only this many bytes of the body (with the full Content-Length),
        then close the connection
    :param delay: seconds to wait before answering
    :param chunked: send the body with ``Transfer-Encoding: chunked``
    """

    def __init__(self, status=200, headers=None, body=b'', truncate=None, delay=0.0,
                 chunked=False, reason=None):
        self.status = status
        self.headers = dict(headers or {})
        self.body = body.encode() if isinstance(body, str) else body
        self.truncate = truncate
        self.delay = delay
        self.chunked = chunked
        self.reason = reason


class Request:
    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body

    def __repr__(self):
        return '<Request %s %s>' % (self.method, self.path)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def _body(self):
        if self.headers.get('Transfer-Encoding', '').lower() == 'chunked':
            out = b''
            while True:
                size = int(self.rfile.readline().strip().split(b';')[0], 16)
                if size == 0:
                    self.rfile.readline()
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(n) if n else b''

    def _serve(self):
        fake = self.server.fake
        req = Request(self.command, self.path, dict(self.headers), self._body())
        with fake.lock:
            fake.requests.append(req)
        if req.path.startswith(fake.auth_path):
            reply = fake.auth_reply(req)
        else:
            reply = fake.next_reply(req)
        if reply.delay:
            time.sleep(reply.delay)
        self.send_response(reply.status, reply.reason)
        body = reply.body if self.command != 'HEAD' else b''
        headers = dict(reply.headers)
        if reply.chunked:
            headers['Transfer-Encoding'] = 'chunked'
        elif 'Content-Length' not in headers:
            headers['Content-Length'] = str(len(reply.body))
        for k, v in headers.items():
            self.send_header(k, v)
        if reply.truncate is not None:
            self.send_header('Connection', 'close')
        self.end_headers()
        try:
            if reply.chunked:
                if body:
                    self.wfile.write(b'%x\r\n%s\r\n' % (len(body), body))
                self.wfile.write(b'0\r\n\r\n')
            elif reply.truncate is not None:
                self.wfile.write(body[:reply.truncate])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
            else:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = do_COPY = _serve


class FakeSwift:
    """The server; use as a context manager."""

    auth_path = '/auth/v1.0'

    def __init__(self, tls_context=None):
        self.lock = threading.Lock()
        self.requests = []
        self.replies = []
        self.handler = None
        self.auth_count = 0
        self.auth_status = 200
        self.server = ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
        self.server.daemon_threads = True
        self.server.fake = self
        scheme = 'http'
        if tls_context is not None:
            self.server.socket = tls_context.wrap_socket(self.server.socket, server_side=True)
            scheme = 'https'
        host, port = self.server.server_address[:2]
        self.url = '%s://%s:%d' % (scheme, host, port)
        self.auth_url = self.url + self.auth_path
        self.storage_url = self.url + '/v1/AUTH_test'
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def push(self, *replies):
        with self.lock:
            self.replies.extend(replies)

    def auth_reply(self, req):
        with self.lock:
            self.auth_count += 1
            n = self.auth_count
        if self.auth_status != 200:
            return Reply(self.auth_status)
        return Reply(200, {'X-Storage-Url': self.storage_url,
                           'X-Auth-Token': 'AUTH_tk%d' % n,
                           'X-Storage-Token': 'AUTH_tk%d' % n})

    def next_reply(self, req):
        with self.lock:
            if self.replies:
                return self.replies.pop(0)
        if self.handler is not None:
            return self.handler(req)
        return Reply(404, body=b'<html>Not Found</html>')

    def swift_requests(self):
        """The requests other than v1 auth."""
        return [r for r in self.requests if not r.path.startswith(self.auth_path)]


def tls_server_context(cert_file, key_file, client_ca=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert_file, key_file)
    if client_ca is not None:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(client_ca)
    return ctx
