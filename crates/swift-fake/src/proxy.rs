//! A TCP fault proxy: sits between the client and a real server (the local Swift cluster) and
//! injects network faults at chosen byte offsets: resets, truncations, stalls, delays, and
//! killing and restarting the whole listener in the middle of a transfer.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A fault injected on proxied connections. Byte offsets count per connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Pass everything through.
    None,
    /// Reset (RST) both sides once `n` response bytes have gone to the client.
    ResetAfterDown(u64),
    /// Close (FIN) the client side once `n` response bytes have gone to it.
    TruncateDown(u64),
    /// After `n` response bytes, stop forwarding for the duration, then go on.
    StallDown(u64, Duration),
    /// Reset both sides once `n` request bytes have gone to the server (a broken upload).
    ResetAfterUp(u64),
    /// Wait this long before connecting to the server.
    Delay(Duration),
}

#[derive(Debug)]
struct Shared {
    upstream: SocketAddr,
    /// The fault for new connections, and how many connections it still applies to.
    fault: Mutex<(Fault, Option<u32>)>,
    up: AtomicU64,
    down: AtomicU64,
    connections: AtomicU64,
    /// Bumped by `kill`: every live connection is reset.
    kill: watch::Sender<u64>,
}

/// The proxy. Drop it to stop it.
#[derive(Debug)]
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Mutex<Option<JoinHandle<()>>>,
}

impl FaultProxy {
    /// Starts a proxy on 127.0.0.1 (an ephemeral port) forwarding to `upstream`.
    pub async fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let (kill, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            upstream,
            fault: Mutex::new((Fault::None, None)),
            up: AtomicU64::new(0),
            down: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            kill,
        });
        let handle = tokio::spawn(accept_loop(listener, Arc::clone(&shared)));
        FaultProxy {
            addr,
            shared,
            accept: Mutex::new(Some(handle)),
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The proxy's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Rewrites a URL of the upstream server to go through the proxy.
    pub fn proxied(&self, url: &str) -> String {
        url.replace(&self.shared.upstream.to_string(), &self.addr.to_string())
    }

    /// Applies `fault` to every new connection from now on.
    pub fn set_fault(&self, fault: Fault) {
        *self.shared.fault.lock().unwrap() = (fault, None);
    }

    /// Applies `fault` to the next `n` new connections only.
    pub fn set_fault_times(&self, fault: Fault, n: u32) {
        *self.shared.fault.lock().unwrap() = (fault, Some(n));
    }

    /// Response bytes forwarded to clients so far.
    pub fn bytes_down(&self) -> u64 {
        self.shared.down.load(Ordering::Relaxed)
    }

    /// Request bytes forwarded to the server so far.
    pub fn bytes_up(&self) -> u64 {
        self.shared.up.load(Ordering::Relaxed)
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::Relaxed)
    }

    /// Kills the proxy: resets every live connection and stops listening, so new connections
    /// are refused until [`FaultProxy::restart`].
    pub fn kill(&self) {
        if let Some(h) = self.accept.lock().unwrap().take() {
            h.abort();
        }
        self.shared.kill.send_modify(|g| *g += 1);
    }

    /// Listens again on the same port after [`FaultProxy::kill`].
    pub async fn restart(&self) {
        let mut tries = 0;
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(e) if tries < 50 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => panic!("cannot listen again on {}: {e}", self.addr),
            }
        };
        let handle = tokio::spawn(accept_loop(listener, Arc::clone(&self.shared)));
        *self.accept.lock().unwrap() = Some(handle);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        shared.connections.fetch_add(1, Ordering::Relaxed);
        let fault = {
            let mut f = shared.fault.lock().unwrap();
            let current = f.0;
            match f.1 {
                Some(n) if n <= 1 => *f = (Fault::None, None),
                Some(n) => f.1 = Some(n - 1),
                None => {}
            }
            current
        };
        tokio::spawn(serve(client, Arc::clone(&shared), fault));
    }
}

/// SO_LINGER 0: closing the socket then sends RST at once. (tokio deprecates `set_linger`
/// because a non-zero linger blocks on drop; a zero linger never blocks.)
#[allow(deprecated)]
fn linger_zero(s: &TcpStream) {
    let _ = s.set_linger(Some(Duration::ZERO));
}

/// Resets a socket.
fn reset(s: TcpStream) {
    linger_zero(&s);
    drop(s);
}

async fn serve(client: TcpStream, shared: Arc<Shared>, fault: Fault) {
    if let Fault::Delay(d) = fault {
        tokio::time::sleep(d).await;
    }
    let Ok(server) = TcpStream::connect(shared.upstream).await else {
        reset(client);
        return;
    };
    for s in [&client, &server] {
        let _ = s.set_nodelay(true);
        // Closing without a shutdown (an abort) then resets the connection instead of a FIN.
        linger_zero(s);
    }
    let mut killed = shared.kill.subscribe();
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let sh = Arc::clone(&shared);
    // client -> server
    let up = async move {
        let mut buf = vec![0u8; 64 * 1024];
        let mut sent = 0u64;
        loop {
            let n = match cr.read(&mut buf).await {
                Ok(0) | Err(_) => {
                    let _ = sw.shutdown().await;
                    return Outcome::Closed;
                }
                Ok(n) => n,
            };
            let mut chunk = &buf[..n];
            if let Fault::ResetAfterUp(limit) = fault {
                let room = limit.saturating_sub(sent) as usize;
                if room < chunk.len() {
                    chunk = &chunk[..room];
                    let _ = sw.write_all(chunk).await;
                    sh.up.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                    return Outcome::Reset;
                }
            }
            if sw.write_all(chunk).await.is_err() {
                return Outcome::Closed;
            }
            sent += chunk.len() as u64;
            sh.up.fetch_add(chunk.len() as u64, Ordering::Relaxed);
        }
    };
    let sh = Arc::clone(&shared);
    // server -> client
    let down = async move {
        let mut buf = vec![0u8; 64 * 1024];
        let mut sent = 0u64;
        let mut stalled = false;
        loop {
            let n = match sr.read(&mut buf).await {
                Ok(0) | Err(_) => {
                    let _ = cw.shutdown().await;
                    return Outcome::Closed;
                }
                Ok(n) => n,
            };
            let mut chunk = &buf[..n];
            let limit = match fault {
                Fault::ResetAfterDown(l) | Fault::TruncateDown(l) => Some(l),
                Fault::StallDown(l, _) if !stalled => Some(l),
                _ => None,
            };
            if let Some(limit) = limit {
                let room = limit.saturating_sub(sent) as usize;
                if room < chunk.len() {
                    let head = &chunk[..room];
                    let _ = cw.write_all(head).await;
                    sent += head.len() as u64;
                    sh.down.fetch_add(head.len() as u64, Ordering::Relaxed);
                    chunk = &chunk[room..];
                    match fault {
                        Fault::ResetAfterDown(_) => return Outcome::Reset,
                        Fault::TruncateDown(_) => {
                            let _ = cw.shutdown().await;
                            return Outcome::Truncated;
                        }
                        Fault::StallDown(_, d) => {
                            stalled = true;
                            tokio::time::sleep(d).await;
                        }
                        _ => {}
                    }
                }
            }
            if cw.write_all(chunk).await.is_err() {
                return Outcome::Closed;
            }
            sent += chunk.len() as u64;
            sh.down.fetch_add(chunk.len() as u64, Ordering::Relaxed);
        }
    };
    let mut up = tokio::spawn(up);
    let mut down = tokio::spawn(down);
    let (mut up_done, mut down_done) = (false, false);
    while !(up_done && down_done) {
        tokio::select! {
            _ = killed.changed() => break,
            r = &mut up, if !up_done => {
                up_done = true;
                if matches!(r, Ok(Outcome::Reset)) { break; }
            }
            r = &mut down, if !down_done => {
                down_done = true;
                if matches!(r, Ok(Outcome::Reset)) { break; }
            }
        }
    }
    // Dropping the halves of a killed or reset connection resets it (SO_LINGER 0).
    up.abort();
    down.abort();
}

/// How one direction of a proxied connection ended.
#[derive(Debug)]
enum Outcome {
    Closed,
    Truncated,
    Reset,
}
