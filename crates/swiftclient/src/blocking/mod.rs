//! A blocking facade over the async [`crate::Connection`], with the same methods.
//!
//! It owns a small tokio runtime (one worker thread) and blocks the calling thread on each
//! operation. Do not call it from inside an async runtime; use the async API there.
//!
//! ```no_run
//! use swiftclient::blocking::Connection;
//! use std::io::Read;
//!
//! let conn = Connection::v1("http://127.0.0.1:8080/auth/v1.0", "test:tester", "testing")?;
//! conn.put_container("documents")?;
//! conn.put_object("documents", "readme.txt", "Hello, World!")?;
//! let mut text = String::new();
//! conn.get_object("documents", "readme.txt")?.read_to_string(&mut text)?;
//! assert_eq!(text, "Hello, World!");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;

use crate::config::ConnectionBuilder;
use crate::error::Error;
use crate::headers::{Headers, RequestHeaders};
use crate::listing::ListOptions;
use crate::listing::{ContainerEntry, Listing, ObjectEntry};
use crate::options::{CopyOptions, PutOptions, RequestOptions};
use crate::response::Response;
use crate::secret::Secret;
use crate::transport::body::Body;
use crate::{Capabilities, ObjectBody};

#[cfg(feature = "transfer")]
mod transfer;
#[cfg(feature = "transfer")]
pub use transfer::{Job, Transfer};

/// The blocking counterpart of [`crate::Connection`]. Cheap to clone; clones share the pool,
/// the token and the runtime.
#[derive(Clone, Debug)]
pub struct Connection {
    inner: crate::Connection,
    rt: Arc<tokio::runtime::Runtime>,
}

fn runtime() -> crate::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("swiftclient-blocking")
        .enable_all()
        .build()
        .map_err(|e| Error::invalid_input("cannot start the blocking runtime").with_source(e))
}

impl Connection {
    /// Wraps an async connection (built with [`crate::Connection::builder`]).
    pub fn new(builder: ConnectionBuilder) -> crate::Result<Self> {
        let rt = runtime()?;
        // reqwest needs a runtime context to build its client.
        let inner = {
            let _guard = rt.enter();
            builder.build()?
        };
        Ok(Connection {
            inner,
            rt: Arc::new(rt),
        })
    }

    /// A v1 (tempauth) connection with default options.
    pub fn v1(
        auth_url: impl Into<String>,
        user: impl Into<String>,
        key: impl Into<Secret>,
    ) -> crate::Result<Self> {
        Self::new(
            crate::Connection::builder()
                .auth_url(auth_url)
                .user(user)
                .key(key),
        )
    }

    /// A connection with a storage URL and token obtained elsewhere.
    pub fn preauth(
        storage_url: impl Into<String>,
        token: impl Into<Secret>,
    ) -> crate::Result<Self> {
        Self::new(
            crate::Connection::builder()
                .preauth_url(storage_url)
                .preauth_token(token),
        )
    }

    /// The async connection underneath.
    pub fn as_async(&self) -> &crate::Connection {
        &self.inner
    }

    fn block<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// See [`crate::Connection::get_auth`].
    pub fn get_auth(&self) -> crate::Result<(String, Secret)> {
        self.block(self.inner.get_auth())
    }

    /// See [`crate::Connection::url`].
    pub fn url(&self) -> Option<String> {
        self.inner.url()
    }

    /// See [`crate::Connection::token`].
    pub fn token(&self) -> Option<Secret> {
        self.inner.token()
    }

    /// See [`crate::Connection::set_credentials`].
    pub fn set_credentials(&self, url: Option<String>, token: Option<Secret>) {
        self.inner.set_credentials(url, token);
    }

    /// See [`crate::Connection::invalidate_token`].
    pub fn invalidate_token(&self) {
        self.inner.invalidate_token();
    }

    /// See [`crate::Connection::get_capabilities_raw`].
    pub fn get_capabilities_raw(&self) -> crate::Result<Bytes> {
        self.block(self.inner.get_capabilities_raw())
    }

    /// See [`crate::Connection::get_capabilities_raw_at`].
    pub fn get_capabilities_raw_at(&self, url: &str) -> crate::Result<Bytes> {
        self.block(self.inner.get_capabilities_raw_at(url))
    }

    /// See [`crate::Connection::delete_object_report`].
    pub fn delete_object_report(
        &self,
        container: &str,
        object: &str,
        opts: &RequestOptions,
    ) -> crate::Result<(Response, Bytes)> {
        self.block(self.inner.delete_object_report(container, object, opts))
    }

    /// See [`crate::Connection::extract_archive`].
    pub fn extract_archive(
        &self,
        path: &str,
        format: &str,
        body: impl Into<Body>,
        opts: &RequestOptions,
    ) -> crate::Result<(Response, Bytes)> {
        self.block(self.inner.extract_archive(path, format, body, opts))
    }

    /// See [`crate::Connection::close`].
    pub fn close(&self) {
        self.inner.close();
    }

    /// See [`crate::Connection::get_capabilities`].
    pub fn get_capabilities(&self) -> crate::Result<Capabilities> {
        self.block(self.inner.get_capabilities())
    }

    /// See [`crate::Connection::get_capabilities_at`].
    pub fn get_capabilities_at(&self, url: &str) -> crate::Result<Capabilities> {
        self.block(self.inner.get_capabilities_at(url))
    }

    /// See [`crate::Connection::head_account`].
    pub fn head_account(&self) -> crate::Result<Response> {
        self.block(self.inner.head_account())
    }

    /// See [`crate::Connection::head_account_with`].
    pub fn head_account_with(&self, opts: &RequestOptions) -> crate::Result<Response> {
        self.block(self.inner.head_account_with(opts))
    }

    /// See [`crate::Connection::get_account`].
    pub fn get_account(&self, opts: &ListOptions) -> crate::Result<Listing<ContainerEntry>> {
        self.block(self.inner.get_account(opts))
    }

    /// See [`crate::Connection::account_entries`]: an iterator that fetches one page at a time.
    pub fn account_entries(
        &self,
        opts: ListOptions,
    ) -> impl Iterator<Item = crate::Result<ContainerEntry>> + '_ {
        let mut s = Box::pin(self.inner.account_entries(opts));
        std::iter::from_fn(move || self.block(s.next()))
    }

    /// See [`crate::Connection::post_account`].
    pub fn post_account(&self, headers: impl Into<RequestHeaders>) -> crate::Result<Response> {
        self.block(self.inner.post_account(headers))
    }

    /// See [`crate::Connection::post_account_with`].
    pub fn post_account_with(
        &self,
        opts: &RequestOptions,
        data: Option<Bytes>,
    ) -> crate::Result<(Response, Bytes)> {
        self.block(self.inner.post_account_with(opts, data))
    }

    /// See [`crate::Connection::head_container`].
    pub fn head_container(&self, container: &str) -> crate::Result<Response> {
        self.block(self.inner.head_container(container))
    }

    /// See [`crate::Connection::head_container_with`].
    pub fn head_container_with(
        &self,
        container: &str,
        opts: &RequestOptions,
    ) -> crate::Result<Response> {
        self.block(self.inner.head_container_with(container, opts))
    }

    /// See [`crate::Connection::get_container`].
    pub fn get_container(
        &self,
        container: &str,
        opts: &ListOptions,
    ) -> crate::Result<Listing<ObjectEntry>> {
        self.block(self.inner.get_container(container, opts))
    }

    /// See [`crate::Connection::container_entries`]: an iterator that fetches one page at a time.
    pub fn container_entries(
        &self,
        container: &str,
        opts: ListOptions,
    ) -> impl Iterator<Item = crate::Result<ObjectEntry>> + '_ {
        let mut s = Box::pin(self.inner.container_entries(container, opts));
        std::iter::from_fn(move || self.block(s.next()))
    }

    /// See [`crate::Connection::put_container`].
    pub fn put_container(&self, container: &str) -> crate::Result<Response> {
        self.block(self.inner.put_container(container))
    }

    /// See [`crate::Connection::put_container_with`].
    pub fn put_container_with(
        &self,
        container: &str,
        opts: &RequestOptions,
    ) -> crate::Result<Response> {
        self.block(self.inner.put_container_with(container, opts))
    }

    /// See [`crate::Connection::post_container`].
    pub fn post_container(
        &self,
        container: &str,
        headers: impl Into<RequestHeaders>,
    ) -> crate::Result<Response> {
        self.block(self.inner.post_container(container, headers))
    }

    /// See [`crate::Connection::delete_container`].
    pub fn delete_container(&self, container: &str) -> crate::Result<Response> {
        self.block(self.inner.delete_container(container))
    }

    /// See [`crate::Connection::delete_container_with`].
    pub fn delete_container_with(
        &self,
        container: &str,
        opts: &RequestOptions,
    ) -> crate::Result<Response> {
        self.block(self.inner.delete_container_with(container, opts))
    }

    /// See [`crate::Connection::head_object`].
    pub fn head_object(&self, container: &str, object: &str) -> crate::Result<Response> {
        self.block(self.inner.head_object(container, object))
    }

    /// See [`crate::Connection::head_object_with`].
    pub fn head_object_with(
        &self,
        container: &str,
        object: &str,
        opts: &RequestOptions,
    ) -> crate::Result<Response> {
        self.block(self.inner.head_object_with(container, object, opts))
    }

    /// See [`crate::Connection::get_object`]; the body is an [`std::io::Read`].
    pub fn get_object(&self, container: &str, object: &str) -> crate::Result<Object> {
        self.get_object_with(container, object, &RequestOptions::default())
    }

    /// See [`crate::Connection::get_object_with`].
    pub fn get_object_with(
        &self,
        container: &str,
        object: &str,
        opts: &RequestOptions,
    ) -> crate::Result<Object> {
        let obj = self.block(self.inner.get_object_with(container, object, opts))?;
        Ok(Object {
            response: obj.response,
            body: obj.body,
            rt: Arc::clone(&self.rt),
            buf: Bytes::new(),
        })
    }

    /// See [`crate::Connection::put_object`]. For a [`std::io::Read`] body use
    /// [`Connection::put_object_reader`].
    pub fn put_object(
        &self,
        container: &str,
        object: &str,
        body: impl Into<Body>,
    ) -> crate::Result<Response> {
        self.block(self.inner.put_object(container, object, body))
    }

    /// See [`crate::Connection::put_object_with`].
    pub fn put_object_with(
        &self,
        container: &str,
        object: &str,
        body: impl Into<Body>,
        opts: &PutOptions,
    ) -> crate::Result<Response> {
        self.block(self.inner.put_object_with(container, object, body, opts))
    }

    /// Uploads from any [`std::io::Read`] (`len` as `Content-Length` when known, else chunked).
    /// The reader is read on a blocking thread, in chunks; it can be sent once (no retry).
    pub fn put_object_reader<R: io::Read + Send + 'static>(
        &self,
        container: &str,
        object: &str,
        reader: R,
        len: Option<u64>,
        opts: &PutOptions,
    ) -> crate::Result<Response> {
        let (tx, rx) = tokio::sync::mpsc::channel::<io::Result<Bytes>>(4);
        let chunk = crate::transport::body::DEFAULT_CHUNK_SIZE;
        let pump = std::thread::spawn(move || {
            let mut reader = reader;
            loop {
                let mut buf = vec![0u8; chunk];
                match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        buf.truncate(n);
                        if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
                            break;
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        let _ = tx.blocking_send(Err(e));
                        break;
                    }
                }
            }
        });
        let stream = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        });
        let result = self.block(self.inner.put_object_with(
            container,
            object,
            Body::stream(stream, len),
            opts,
        ));
        let _ = pump.join();
        result
    }

    /// See [`crate::Connection::post_object`].
    pub fn post_object(
        &self,
        container: &str,
        object: &str,
        headers: impl Into<RequestHeaders>,
    ) -> crate::Result<Response> {
        self.block(self.inner.post_object(container, object, headers))
    }

    /// See [`crate::Connection::copy_object`].
    pub fn copy_object(
        &self,
        container: &str,
        object: &str,
        destination: &str,
    ) -> crate::Result<Response> {
        self.block(self.inner.copy_object(container, object, destination))
    }

    /// See [`crate::Connection::copy_object_with`].
    pub fn copy_object_with(
        &self,
        container: &str,
        object: &str,
        opts: &CopyOptions,
    ) -> crate::Result<Response> {
        self.block(self.inner.copy_object_with(container, object, opts))
    }

    /// See [`crate::Connection::delete_object`].
    pub fn delete_object(&self, container: &str, object: &str) -> crate::Result<Response> {
        self.block(self.inner.delete_object(container, object))
    }

    /// See [`crate::Connection::delete_object_with`].
    pub fn delete_object_with(
        &self,
        container: &str,
        object: &str,
        opts: &RequestOptions,
    ) -> crate::Result<Response> {
        self.block(self.inner.delete_object_with(container, object, opts))
    }
}

/// A downloaded object whose body reads as an [`std::io::Read`].
#[derive(Debug)]
pub struct Object {
    /// The response of the GET.
    pub response: Response,
    body: ObjectBody,
    rt: Arc<tokio::runtime::Runtime>,
    buf: Bytes,
}

impl Object {
    /// The response headers.
    pub fn headers(&self) -> &Headers {
        self.response.headers()
    }

    /// The next chunk of the body (`None` at the verified end).
    pub fn chunk(&mut self) -> crate::Result<Option<Bytes>> {
        if !self.buf.is_empty() {
            return Ok(Some(std::mem::take(&mut self.buf)));
        }
        self.rt.block_on(self.body.chunk())
    }

    /// Reads the whole body into memory.
    pub fn bytes(self) -> crate::Result<Bytes> {
        let Object { body, rt, buf, .. } = self;
        let rest = rt.block_on(body.bytes())?;
        if buf.is_empty() {
            Ok(rest)
        } else {
            let mut v = buf.to_vec();
            v.extend_from_slice(&rest);
            Ok(Bytes::from(v))
        }
    }
}

impl io::Read for Object {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.buf.is_empty() {
            match self.rt.block_on(self.body.chunk()) {
                Ok(Some(c)) => self.buf = c,
                Ok(None) => return Ok(0),
                Err(e) => return Err(io::Error::other(e)),
            }
        }
        let n = out.len().min(self.buf.len());
        out[..n].copy_from_slice(&self.buf[..n]);
        let _ = self.buf.split_to(n);
        Ok(n)
    }
}

#[cfg(test)]
mod mirror_tests {
    /// The public methods of `impl <ty>` blocks in `src` (async or not).
    fn methods(src: &str, ty: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut inside = false;
        for line in src.lines() {
            if line.starts_with("impl ") {
                inside = line == format!("impl {ty} {{");
            }
            if !inside {
                continue;
            }
            let rest = line
                .strip_prefix("    pub async fn ")
                .or_else(|| line.strip_prefix("    pub fn "));
            if let Some(rest) = rest {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                out.push(name);
            }
        }
        out
    }

    // Every operation of the async API has its blocking twin of the same name.
    #[test]
    #[cfg(feature = "transfer")]
    fn every_async_method_has_a_blocking_twin() {
        let conn_sources = [
            include_str!("../account.rs"),
            include_str!("../container.rs"),
            include_str!("../object.rs"),
            include_str!("../connection.rs"),
        ];
        let ours = methods(include_str!("mod.rs"), "Connection");
        let mut checked = 0;
        for src in conn_sources {
            for m in methods(src, "Connection") {
                if m == "builder" {
                    continue; // blocking::Connection::new takes the builder
                }
                assert!(ours.contains(&m), "blocking::Connection lacks {m}");
                checked += 1;
            }
        }
        assert!(checked > 30, "only {checked} methods found");
        let transfer_sources = [
            include_str!("../transfer/engine.rs"),
            include_str!("../transfer/upload/mod.rs"),
            include_str!("../transfer/download/mod.rs"),
            include_str!("../transfer/delete.rs"),
            include_str!("../transfer/copy.rs"),
            include_str!("../transfer/post.rs"),
            include_str!("../transfer/bulk.rs"),
        ];
        let ours = methods(include_str!("transfer.rs"), "Transfer");
        let mut checked = 0;
        for src in transfer_sources {
            for m in methods(src, "Transfer") {
                if m == "connection" {
                    continue; // as_async().connection()
                }
                assert!(ours.contains(&m), "blocking::Transfer lacks {m}");
                checked += 1;
            }
        }
        assert!(checked >= 12, "only {checked} transfer methods found");
    }
}
