//! Object operations: HEAD, GET (streamed), PUT, POST, COPY, DELETE.

use crate::connection::{finish, object_target, Connection};
use crate::error::{Error, ErrorKind};
use crate::headers::RequestHeaders;
use crate::object_body::{Object, ObjectBody};
use crate::options::{CopyOptions, PutOptions, RequestOptions};
use bytes::Bytes;

use crate::path::{append_query, quote, Target};
use crate::response::Response;
use crate::transport::body::Body;
use crate::transport::Call;

impl Connection {
    /// `HEAD` an object: its metadata, length, ETag.
    pub async fn head_object(&self, container: &str, object: &str) -> crate::Result<Response> {
        self.head_object_with(container, object, &RequestOptions::default())
            .await
    }

    /// `HEAD` an object with extra headers and a query string.
    pub async fn head_object_with(
        &self,
        container: &str,
        object: &str,
        opts: &RequestOptions,
    ) -> crate::Result<Response> {
        self.object_call(
            "Object HEAD",
            reqwest::Method::HEAD,
            container,
            object,
            opts,
        )
        .await
    }

    /// `GET` an object. The body is streamed: read it with [`ObjectBody::chunk`], as a stream,
    /// or whole with [`Object::bytes`].
    pub async fn get_object(&self, container: &str, object: &str) -> crate::Result<Object> {
        self.get_object_with(container, object, &RequestOptions::default())
            .await
    }

    /// `GET` an object with extra headers (e.g. `Range`) and a query string.
    pub async fn get_object_with(
        &self,
        container: &str,
        object: &str,
        opts: &RequestOptions,
    ) -> crate::Result<Object> {
        let target = object_target(container, object)?;
        let mut call = Call::new("Object GET", reqwest::Method::GET, target.clone());
        call.headers = opts.headers.clone();
        append_query(&mut call.query, opts.query_string.as_deref());
        let query = call.query.clone();
        let out = self.session.execute(call).await?;
        let (status, reason, headers) = (out.status, out.reason, out.headers);
        let body = ObjectBody::new(
            self.session.clone(),
            target,
            query,
            opts.headers.clone(),
            out.response,
            &headers,
            out.attempt_count,
        );
        Ok(Object {
            response: Response::new(status, reason, headers, out.attempts),
            body,
        })
    }

    /// `PUT` an object; returns the response, whose [`Response::etag`] is the stored MD5.
    ///
    /// The body may be bytes, a file, a reader or a stream (see [`Body`]); bodies of unknown
    /// length are sent with chunked transfer encoding.
    pub async fn put_object(
        &self,
        container: &str,
        object: &str,
        body: impl Into<Body>,
    ) -> crate::Result<Response> {
        self.put_object_with(container, object, body, &PutOptions::default())
            .await
    }

    /// `PUT` an object with a content type, expected ETag, headers and query string.
    ///
    /// Unless `opts.skip_etag_check`, the MD5 of what was sent is compared with the ETag the
    /// server returns (plain objects only), so corruption in transit is an error.
    pub async fn put_object_with(
        &self,
        container: &str,
        object: &str,
        body: impl Into<Body>,
        opts: &PutOptions,
    ) -> crate::Result<Response> {
        let target = object_target(container, object)?;
        let mut body = body.into();
        let mut call = Call::new("Object PUT", reqwest::Method::PUT, target);
        call.headers = opts.headers.clone();
        if let Some(ct) = &opts.content_type {
            call.headers.set("content-type", ct.clone());
        }
        if let Some(etag) = &opts.etag {
            call.headers.set("etag", etag.trim_matches('"').to_owned());
        }
        if body.len().is_none() {
            if let Some(len) = opts.content_length {
                call.headers.set("content-length", len.to_string());
            }
        }
        append_query(&mut call.query, opts.query_string.as_deref());
        let manifest = call.query.contains("multipart-manifest")
            || call.headers.contains("x-object-manifest")
            || call.headers.contains("x-symlink-target");
        // Hash what is sent only when it will be compared with the ETag.
        body.hashed = !opts.skip_etag_check && !manifest;
        call.body = Some(&mut body);
        let method = call.method.clone();
        let out = self.session.execute(call).await?;
        let ((resp, _), sent_md5) = finish(out, &method).await?;
        if !opts.skip_etag_check && !manifest {
            if let (Some(sent), Some(etag)) = (sent_md5, resp.etag()) {
                if etag.len() == 32 && !sent.eq_ignore_ascii_case(etag) {
                    return Err(Error::new(
                        ErrorKind::Integrity,
                        format!(
                            "Object PUT failed: {container}/{object}: the server stored ETag {etag} but the data sent has MD5 {sent}"
                        ),
                    ));
                }
            }
        }
        Ok(resp)
    }

    /// Uploads from an [`AsyncRead`](tokio::io::AsyncRead): `len` is sent as
    /// `Content-Length` when known, else the body is chunked. The reader is read once: a retry
    /// needs a body that rewinds ([`Body::seekable`], [`Body::file`]).
    pub async fn put_object_reader(
        &self,
        container: &str,
        object: &str,
        reader: impl tokio::io::AsyncRead + Send + 'static,
        len: Option<u64>,
        opts: &PutOptions,
    ) -> crate::Result<Response> {
        self.put_object_with(container, object, Body::reader(reader, len), opts)
            .await
    }

    /// `POST` to an object: replace its metadata (`X-Object-Meta-*`, `Content-Type`, ...).
    pub async fn post_object(
        &self,
        container: &str,
        object: &str,
        headers: impl Into<RequestHeaders>,
    ) -> crate::Result<Response> {
        let opts = RequestOptions::from(headers.into());
        self.object_call(
            "Object POST",
            reqwest::Method::POST,
            container,
            object,
            &opts,
        )
        .await
    }

    /// `COPY` an object to `destination` (`/container/object`).
    pub async fn copy_object(
        &self,
        container: &str,
        object: &str,
        destination: &str,
    ) -> crate::Result<Response> {
        self.copy_object_with(
            container,
            object,
            &CopyOptions::new().destination(destination),
        )
        .await
    }

    /// `COPY` an object with options (no destination: onto itself, to change metadata).
    pub async fn copy_object_with(
        &self,
        container: &str,
        object: &str,
        opts: &CopyOptions,
    ) -> crate::Result<Response> {
        let mut headers = opts.headers.clone();
        let destination = match &opts.destination {
            Some(d) => quote(d),
            None => format!("/{}/{}", quote(container), quote(object)),
        };
        headers.set("destination", destination);
        if let Some(fresh) = opts.fresh_metadata {
            headers.remove("x-fresh-metadata");
            headers.set("x-fresh-metadata", if fresh { "true" } else { "false" });
        }
        let method = reqwest::Method::from_bytes(b"COPY")
            .map_err(|e| Error::invalid_input("COPY method").with_source(e))?;
        self.object_call(
            "Object COPY",
            method,
            container,
            object,
            &RequestOptions::from(headers),
        )
        .await
    }

    /// `DELETE` an object.
    pub async fn delete_object(&self, container: &str, object: &str) -> crate::Result<Response> {
        self.delete_object_with(container, object, &RequestOptions::default())
            .await
    }

    /// `DELETE` an object with headers and a query string (e.g. `multipart-manifest=delete`).
    pub async fn delete_object_with(
        &self,
        container: &str,
        object: &str,
        opts: &RequestOptions,
    ) -> crate::Result<Response> {
        self.object_call(
            "Object DELETE",
            reqwest::Method::DELETE,
            container,
            object,
            opts,
        )
        .await
    }

    /// `DELETE` an object and read the reply body, for deletes that report on their work:
    /// with `multipart-manifest=delete` (an SLO and its segments) and `Accept:
    /// application/json`, the body is the cluster's JSON report (`Number Deleted`, `Errors`).
    pub async fn delete_object_report(
        &self,
        container: &str,
        object: &str,
        opts: &RequestOptions,
    ) -> crate::Result<(Response, Bytes)> {
        let mut call = Call::new(
            "Object DELETE",
            reqwest::Method::DELETE,
            object_target(container, object)?,
        );
        call.headers = opts.headers.clone();
        append_query(&mut call.query, opts.query_string.as_deref());
        self.exchange(call).await
    }

    /// `PUT ?extract-archive=<format>` (`tar`, `tar.gz`, `tar.bz2`): the cluster unpacks the
    /// archive into objects under `path` (`""`: the archive's first directory level names the
    /// containers; `"c"`: into container `c`; `"c/prefix"`: under `prefix/` in `c`). Returns
    /// the response and its report (JSON when `Accept: application/json` is among the
    /// headers: `Number Files Created`, `Errors`, ...). See
    /// [`Transfer::extract_archive`](crate::transfer::Transfer::extract_archive) for archives
    /// made from local files on the fly.
    pub async fn extract_archive(
        &self,
        path: &str,
        format: &str,
        body: impl Into<Body>,
        opts: &RequestOptions,
    ) -> crate::Result<(Response, Bytes)> {
        let path = path.trim_matches('/');
        let target = match path.split_once('/') {
            None if path.is_empty() => Target::Account,
            None => Target::container(path)?,
            Some((c, p)) => Target::object(c, p)?,
        };
        let mut body = body.into();
        let mut reauthenticated = false;
        loop {
            let mut call = Call::new("Archive PUT", reqwest::Method::PUT, target.clone());
            call.headers = opts.headers.clone();
            call.query = format!("extract-archive={}", quote(format));
            append_query(&mut call.query, opts.query_string.as_deref());
            call.body = Some(&mut body);
            let (resp, report) = self.exchange(call).await?;
            // The middleware answers 200 at once and reports on the archive in the body: a
            // token that expired or was revoked while it worked shows up only there. Like a
            // 401 of the request itself, it is worth one new authentication.
            if !reauthenticated
                && body.is_replayable()
                && self.session.can_reauth()
                && report_says_unauthorized(&report)
            {
                reauthenticated = true;
                tracing::info!(target: "swiftclient", "Archive PUT: the report says 401; authenticating again and sending the archive once more");
                self.invalidate_token();
                continue;
            }
            return Ok((resp, report));
        }
    }

    async fn object_call(
        &self,
        op: &'static str,
        method: reqwest::Method,
        container: &str,
        object: &str,
        opts: &RequestOptions,
    ) -> crate::Result<Response> {
        let mut call = Call::new(op, method, object_target(container, object)?);
        call.headers = opts.headers.clone();
        append_query(&mut call.query, opts.query_string.as_deref());
        Ok(self.exchange(call).await?.0)
    }
}

/// True when a bulk report (JSON, possibly after whitespace) has `"Response Status": "401 ..."`.
fn report_says_unauthorized(report: &[u8]) -> bool {
    let text = String::from_utf8_lossy(report);
    serde_json::from_str::<serde_json::Value>(text.trim())
        .ok()
        .and_then(|v| {
            v.get("Response Status")?
                .as_str()
                .map(|s| s.starts_with("401"))
        })
        .unwrap_or(false)
}
