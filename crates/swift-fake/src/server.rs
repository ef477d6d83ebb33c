//! [`FakeServer`]: the scripted HTTP/1.1 (or HTTPS) server, and [`RecordedRequest`].

use std::collections::VecDeque;
use std::convert::Infallible;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::header::{HeaderName, HeaderValue, CONTENT_LENGTH, TRANSFER_ENCODING};
use hyper::http::request::Parts;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::reply::ReplyFn;
use crate::{Reply, TlsFixture};

/// One request as received by a [`FakeServer`].
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// The request method, e.g. `"GET"`.
    pub method: String,
    /// The raw request-target exactly as sent on the wire, e.g.
    /// `"/v1/AUTH_t/c%20x/o?format=json&marker=a"` (neither decoded nor re-encoded).
    pub target: String,
    /// The raw path part of [`target`](Self::target) (before the first `?`).
    pub path: String,
    /// The raw query part of [`target`](Self::target) (after the first `?`),
    /// `None` if the target has no `?` (`Some("")` for a bare trailing `?`).
    pub query: Option<String>,
    /// The request headers: names lower-cased, values as sent (lossy UTF-8).
    ///
    /// Lines are in the order received, except that repeated lines of one name
    /// are grouped together at the position of the first of them.
    pub headers: Vec<(String, String)>,
    /// The full request body (de-chunked).
    pub body: Bytes,
    /// Whether the request used `Transfer-Encoding: chunked`.
    pub chunked: bool,
    /// In TLS mode, whether the client presented a (verified) certificate;
    /// always `false` for plain HTTP.
    pub client_cert: bool,
}

impl RecordedRequest {
    /// The value of the first header named `name` (case-insensitive), if any.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The values of all headers named `name` (case-insensitive), in order.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn new(parts: &Parts, body: Bytes, client_cert: bool) -> RecordedRequest {
        // For origin-form targets the `Uri` keeps the bytes exactly as sent.
        let target = parts.uri.to_string();
        let path_and_query = parts
            .uri
            .path_and_query()
            .map_or(target.as_str(), |pq| pq.as_str());
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
            None => (path_and_query.to_owned(), None),
        };
        let headers: Vec<(String, String)> = parts
            .headers
            .iter()
            .map(|(n, v)| {
                let value = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (n.as_str().to_owned(), value)
            })
            .collect();
        let chunked = parts.headers.get_all(TRANSFER_ENCODING).iter().any(|v| {
            String::from_utf8_lossy(v.as_bytes())
                .to_ascii_lowercase()
                .contains("chunked")
        });
        RecordedRequest {
            method: parts.method.as_str().to_owned(),
            target,
            path,
            query,
            headers,
            body,
            chunked,
            client_cert,
        }
    }
}

/// State shared by the handle(s) and the connection tasks.
struct Shared {
    state: Mutex<State>,
}

struct State {
    script: VecDeque<Reply>,
    handler: ReplyFn,
    requests: Vec<RecordedRequest>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking handler must not make every later call panic too.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Aborts the accept loop when the last [`FakeServer`] handle is dropped.
struct AcceptTask(JoinHandle<()>);

impl Drop for AcceptTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A scripted in-process HTTP/1.1 server on `127.0.0.1` (ephemeral port).
///
/// Each incoming request is read completely, recorded, and answered with the
/// next [`Reply`] of a FIFO script ([`push`](Self::push)); when the script is
/// empty the handler ([`set_handler`](Self::set_handler)) answers, by default
/// with `599 Fake Script Exhausted`. Connections are kept alive and each is
/// served on its own tokio task.
///
/// The handle is cheap to clone; the server stops accepting new connections
/// when the last handle is dropped (open connections finish on their own).
/// It must be started inside a tokio runtime.
#[derive(Clone)]
pub struct FakeServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    tls: bool,
    _accept: Arc<AcceptTask>,
}

impl fmt::Debug for FakeServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeServer")
            .field("url", &self.url())
            .field("requests", &self.request_count())
            .finish()
    }
}

impl FakeServer {
    /// Starts a plain HTTP server on `127.0.0.1` with an ephemeral port.
    pub async fn start() -> FakeServer {
        FakeServer::spawn(None).await
    }

    /// Starts an HTTPS server presenting `tls`'s server certificate (valid for
    /// `localhost`, `127.0.0.1` and `::1`).
    ///
    /// When `require_client_cert` is true, clients must present a certificate
    /// signed by the fixture CA or the handshake fails. Otherwise a client
    /// certificate is optional (requested but not required; if one is
    /// presented it must still be signed by the fixture CA). Either way
    /// [`RecordedRequest::client_cert`] tells whether one was presented.
    /// A failed handshake only ends that connection.
    pub async fn start_tls(tls: &TlsFixture, require_client_cert: bool) -> FakeServer {
        let acceptor = TlsAcceptor::from(tls.server_config(require_client_cert));
        FakeServer::spawn(Some(acceptor)).await
    }

    async fn spawn(tls: Option<TlsAcceptor>) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("swift-fake: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("swift-fake: local_addr");
        let default_handler: ReplyFn = Arc::new(|req: &RecordedRequest| {
            Reply::status(599)
                .reason("Fake Script Exhausted")
                .header("Content-Type", "text/plain; charset=utf-8")
                .body(format!(
                    "swift-fake: no scripted reply left for {} {}\n",
                    req.method, req.target
                ))
        });
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                script: VecDeque::new(),
                handler: default_handler,
                requests: Vec::new(),
            }),
        });
        let accept = tokio::spawn(accept_loop(listener, tls.clone(), shared.clone()));
        FakeServer {
            shared,
            addr,
            tls: tls.is_some(),
            _accept: Arc::new(AcceptTask(accept)),
        }
    }

    /// The base URL: `http://127.0.0.1:PORT`, or `https://localhost:PORT` in TLS mode.
    pub fn url(&self) -> String {
        if self.tls {
            format!("https://localhost:{}", self.addr.port())
        } else {
            format!("http://{}", self.addr)
        }
    }

    /// The socket address the server listens on (always `127.0.0.1:PORT`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Appends `reply` to the script; each incoming request pops one reply.
    pub fn push(&self, reply: Reply) {
        self.shared.lock().script.push_back(reply);
    }

    /// Appends all `replies` to the script, in order.
    pub fn push_many(&self, replies: impl IntoIterator<Item = Reply>) {
        self.shared.lock().script.extend(replies);
    }

    /// Sets the handler that answers requests while the script is empty
    /// (replacing the default `599 Fake Script Exhausted` handler).
    pub fn set_handler(&self, f: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static) {
        self.shared.lock().handler = Arc::new(f);
    }

    /// Every request received so far, in arrival order. A request is recorded
    /// once its body has been fully read, before its reply is sent.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    /// The number of requests received so far.
    pub fn request_count(&self) -> usize {
        self.shared.lock().requests.len()
    }

    /// Forgets the requests recorded so far (the script is left as it is).
    pub fn clear_requests(&self) {
        self.shared.lock().requests.clear();
    }
}

async fn accept_loop(listener: TcpListener, tls: Option<TlsAcceptor>, shared: Arc<Shared>) {
    loop {
        let tcp = match listener.accept().await {
            Ok((tcp, _)) => tcp,
            Err(_) => {
                // E.g. out of file descriptors: back off instead of spinning.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let shared = shared.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            match tls {
                None => serve_connection(shared, tcp, false).await,
                Some(acceptor) => {
                    // A failed handshake only ends this connection.
                    let Ok(stream) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let client_cert = stream.get_ref().1.peer_certificates().is_some();
                    serve_connection(shared, stream, client_cert).await;
                }
            }
        });
    }
}

async fn serve_connection<T>(shared: Arc<Shared>, io: T, client_cert: bool)
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let abort = Arc::new(AtomicBool::new(false));
    let io = TokioIo::new(AbortIo {
        inner: io,
        abort: abort.clone(),
    });
    let service = service_fn(move |req| handle(shared.clone(), req, client_cert, abort.clone()));
    // Errors (client gone, scripted aborts) just end the connection.
    let _ = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, service)
        .await;
}

type FakeBody = UnsyncBoxBody<Bytes, io::Error>;

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
    client_cert: bool,
    abort: Arc<AtomicBool>,
) -> Result<Response<FakeBody>, io::Error> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map_err(io::Error::other)?.to_bytes();
    let recorded = RecordedRequest::new(&parts, body, client_cert);
    let next = {
        let mut state = shared.lock();
        state.requests.push(recorded.clone());
        state
            .script
            .pop_front()
            .ok_or_else(|| state.handler.clone())
    };
    let mut reply = next.unwrap_or_else(|handler| handler(&recorded));
    while let Some(f) = reply.dynamic.take() {
        reply = f(&recorded);
    }
    if let Some(d) = reply.delay {
        tokio::time::sleep(d).await;
    }
    if reply.drop_connection {
        // hyper closes the connection without writing anything.
        return Err(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "swift-fake: scripted drop_connection",
        ));
    }
    Ok(build_response(reply, abort))
}

/// A piece of a faulty response body.
enum Segment {
    Data(Bytes),
    Sleep(Duration),
    /// Close the connection once everything before has been flushed.
    Abort,
}

fn build_response(reply: Reply, abort: Arc<AtomicBool>) -> Response<FakeBody> {
    let status = StatusCode::from_u16(reply.status).expect("swift-fake: status must be 100..=999");
    let has_header = |name: &HeaderName| {
        reply
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name.as_str()))
    };
    let user_length = has_header(&CONTENT_LENGTH);
    let user_te = has_header(&TRANSFER_ENCODING);

    let mut builder = Response::builder().status(status);
    let headers = builder.headers_mut().expect("valid status");
    for (name, value) in &reply.headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .unwrap_or_else(|_| panic!("swift-fake: invalid header name {name:?}"));
        let value = HeaderValue::from_bytes(value.as_bytes())
            .unwrap_or_else(|_| panic!("swift-fake: invalid header value {value:?}"));
        headers.append(name, value);
    }
    if reply.chunked {
        if !user_te {
            headers.append(TRANSFER_ENCODING, HeaderValue::from_static("chunked"));
        }
    } else if !user_length && !user_te {
        headers.append(CONTENT_LENGTH, HeaderValue::from(reply.body.len()));
    }
    if let Some(reason) = &reply.reason {
        let phrase = hyper::ext::ReasonPhrase::try_from(reason.as_bytes())
            .unwrap_or_else(|_| panic!("swift-fake: invalid reason phrase {reason:?}"));
        builder = builder.extension(phrase);
    }

    let body = reply.body;
    let faulty = reply.chunked || reply.truncate_after.is_some() || reply.stall.is_some();
    let body: FakeBody = if !faulty {
        Full::new(body)
            .map_err(|e: Infallible| match e {})
            .boxed_unsync()
    } else {
        let sent = reply
            .truncate_after
            .map_or(body.len(), |n| n.min(body.len()));
        let mut segments = VecDeque::new();
        match reply.stall {
            Some((n, d)) if n <= sent => {
                segments.push_back(Segment::Data(body.slice(..n)));
                segments.push_back(Segment::Sleep(d));
                segments.push_back(Segment::Data(body.slice(n..sent)));
            }
            _ => segments.push_back(Segment::Data(body.slice(..sent))),
        }
        if reply.truncate_after.is_some() {
            segments.push_back(Segment::Abort);
        }
        segment_body(segments, abort)
    };
    builder.body(body).expect("swift-fake: valid response")
}

fn segment_body(segments: VecDeque<Segment>, abort: Arc<AtomicBool>) -> FakeBody {
    let stream = futures_util::stream::unfold(segments, move |mut segments| {
        let abort = abort.clone();
        async move {
            loop {
                match segments.pop_front()? {
                    Segment::Data(data) if data.is_empty() => {}
                    Segment::Data(data) => return Some((Ok(Frame::data(data)), segments)),
                    Segment::Sleep(d) => tokio::time::sleep(d).await,
                    Segment::Abort => {
                        // Returning an error here would make hyper drop the
                        // connection before flushing what it buffered; instead
                        // let `AbortIo` fail the next completed flush.
                        abort.store(true, Ordering::SeqCst);
                        std::future::pending::<()>().await;
                    }
                }
            }
        }
    });
    StreamBody::new(stream).boxed_unsync()
}

/// Connection IO wrapper that fails the first flush completed after `abort`
/// was set, so hyper drops the connection right after all response bytes
/// written so far have reached the socket.
struct AbortIo<T> {
    inner: T,
    abort: Arc<AtomicBool>,
}

impl<T: AsyncRead + Unpin> AsyncRead for AbortIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for AbortIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        std::task::ready!(Pin::new(&mut self.inner).poll_flush(cx))?;
        if self.abort.load(Ordering::SeqCst) {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "swift-fake: scripted truncation",
            )));
        }
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
