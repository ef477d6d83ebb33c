//! `swiftclient._native.Connection`: one library [`swiftclient::Connection`] and the
//! operations python-swiftclient's `Connection` has, with plain arguments (the Python side
//! applies python-swiftclient's defaults and shapes the results).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use swiftclient::{
    Connection, ContainerEntry, CopyOptions, ListOptions, ObjectEntry, OsOptions, PutOptions,
    RequestHeaders, RequestOptions, Response, Secret,
};

use crate::auth::CallbackAuth;
use crate::body::from_spec;
use crate::download::NativeBody;
use crate::errors::{attempt_list, header_list, to_py, AttemptTuple, HeaderList};
use crate::logbridge::sync_level;
use crate::runtime::run;

/// A response as Python gets it: `(status, reason, headers, attempts)`, where `attempts` has
/// one `(status or None, reason, headers)` per HTTP attempt (python-swiftclient's
/// `response_dicts`).
type Resp = (u16, String, HeaderList, Vec<AttemptTuple>);

fn resp(r: &Response) -> Resp {
    (
        r.status(),
        r.reason().to_owned(),
        header_list(r.headers()),
        attempt_list(r.attempts()),
    )
}

fn request_headers(headers: Option<Vec<(String, String)>>) -> RequestHeaders {
    let mut h = RequestHeaders::new();
    for (n, v) in headers.unwrap_or_default() {
        h.set(n, v);
    }
    h
}

fn request_options(
    headers: Option<Vec<(String, String)>>,
    query: Option<String>,
) -> RequestOptions {
    let mut o = RequestOptions::new().headers(request_headers(headers));
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        o = o.query_string(q);
    }
    o
}

/// `os_options` as python-swiftclient reads it: string values (others through `str()`),
/// `None` for absent; unknown keys are ignored, as the reference ignores them.
fn os_options(dict: Option<&Bound<'_, PyDict>>) -> PyResult<OsOptions> {
    let mut os = OsOptions::default();
    let Some(dict) = dict else {
        return Ok(os);
    };
    for (k, v) in dict.iter() {
        let key: String = k.str()?.to_string();
        if v.is_none() {
            continue;
        }
        let value: String = v.str()?.to_string();
        if value.is_empty() {
            continue;
        }
        let s = Some(value.clone());
        match key.as_str() {
            "tenant_name" => os.tenant_name = s,
            "tenant_id" => os.tenant_id = s,
            "project_name" => os.project_name = s,
            "project_id" => os.project_id = s,
            "project_domain_name" => os.project_domain_name = s,
            "project_domain_id" => os.project_domain_id = s,
            "user_id" => os.user_id = s,
            "user_domain_name" => os.user_domain_name = s,
            "user_domain_id" => os.user_domain_id = s,
            "region_name" => os.region_name = s,
            "service_type" => os.service_type = s,
            "endpoint_type" => os.endpoint_type = s,
            "auth_token" => os.auth_token = Some(Secret::new(value)),
            "object_storage_url" => os.object_storage_url = s,
            "auth_type" => os.auth_type = s,
            "application_credential_id" => os.application_credential_id = s,
            "application_credential_name" => os.application_credential_name = s,
            "application_credential_secret" => {
                os.application_credential_secret = Some(Secret::new(value))
            }
            "service_username" => os.service_username = s,
            "service_key" => os.service_key = Some(Secret::new(value)),
            "service_project_name" => os.service_project_name = s,
            _ => {}
        }
    }
    Ok(os)
}

fn seconds(what: &str, v: f64) -> PyResult<Duration> {
    Duration::try_from_secs_f64(v)
        .map_err(|_| PyValueError::new_err(format!("{what} must be a number of seconds >= 0")))
}

fn listing_json<'a>(raw: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::from("[");
    for (i, r) in raw.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(r);
    }
    out.push(']');
    out
}

/// The library connection behind one Python `Connection`.
#[pyclass(module = "swiftclient._native", name = "Connection", frozen)]
pub(crate) struct NativeConnection {
    conn: Connection,
}

impl NativeConnection {
    /// Runs an operation with the GIL released; its error becomes the Python exception.
    fn call<T, F>(&self, py: Python<'_>, fut: F) -> PyResult<T>
    where
        F: std::future::Future<Output = swiftclient::Result<T>> + Send,
        T: Send,
    {
        sync_level(py);
        run(py, fut)?.map_err(|e| to_py(py, e))
    }
}

#[pymethods]
impl NativeConnection {
    /// Builds the connection (nothing is sent yet). Arguments are python-swiftclient's, already
    /// normalised by `swiftclient.client.Connection`; `auth_callback` (and `invalidate_callback`)
    /// replace authentication, as a keystoneauth1 session does.
    #[new]
    #[pyo3(signature = (
        *, authurl=None, user=None, key=None, retries=5, preauthurl=None, preauthtoken=None,
        snet=false, starting_backoff=1.0, max_backoff=64.0, tenant_name=None, os_options=None,
        auth_version="1".to_owned(), cacert=None, insecure=false, cert=None, cert_key=None,
        retry_on_ratelimit=true, timeout=None, force_auth_retry=false, auth_callback=None,
        invalidate_callback=None, user_agent=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        authurl: Option<String>,
        user: Option<String>,
        key: Option<String>,
        retries: u32,
        preauthurl: Option<String>,
        preauthtoken: Option<String>,
        snet: bool,
        starting_backoff: f64,
        max_backoff: f64,
        tenant_name: Option<String>,
        os_options: Option<&Bound<'_, PyDict>>,
        auth_version: String,
        cacert: Option<String>,
        insecure: bool,
        cert: Option<String>,
        cert_key: Option<String>,
        retry_on_ratelimit: bool,
        timeout: Option<f64>,
        force_auth_retry: bool,
        auth_callback: Option<Py<PyAny>>,
        invalidate_callback: Option<Py<PyAny>>,
        user_agent: Option<String>,
    ) -> PyResult<Self> {
        let mut b = Connection::builder()
            .retries(retries)
            .starting_backoff(seconds("starting_backoff", starting_backoff)?)
            .max_backoff(seconds("max_backoff", max_backoff)?)
            .retry_on_ratelimit(retry_on_ratelimit)
            .force_auth_retry(force_auth_retry)
            .snet(snet)
            .insecure(insecure)
            .auth_version(auth_version)
            .os_options(self::os_options(os_options)?);
        if let Some(v) = authurl.filter(|v| !v.is_empty()) {
            b = b.auth_url(v);
        }
        if let Some(v) = user.filter(|v| !v.is_empty()) {
            b = b.user(v);
        }
        if let Some(v) = key {
            b = b.key(v);
        }
        if let Some(v) = preauthurl.filter(|v| !v.is_empty()) {
            b = b.preauth_url(v);
        }
        if let Some(v) = preauthtoken.filter(|v| !v.is_empty()) {
            b = b.preauth_token(v);
        }
        if let Some(v) = tenant_name.filter(|v| !v.is_empty()) {
            b = b.tenant_name(v);
        }
        if let Some(v) = cacert.filter(|v| !v.is_empty()) {
            b = b.cacert(v);
        }
        if let Some(v) = cert.filter(|v| !v.is_empty()) {
            b = b.cert(v);
        }
        if let Some(v) = cert_key.filter(|v| !v.is_empty()) {
            b = b.cert_key(v);
        }
        if let Some(t) = timeout {
            b = b.timeout(seconds("timeout", t)?);
        }
        if let Some(ua) = user_agent {
            b = b.user_agent(ua);
        }
        if let Some(get) = auth_callback {
            b = b.authenticator(Arc::new(CallbackAuth::new(get, invalidate_callback)));
        }
        let conn = Python::attach(|py| {
            sync_level(py);
            b.build().map_err(|e| to_py(py, e))
        })?;
        Ok(NativeConnection { conn })
    }

    /// The storage URL in use, if known yet.
    #[getter]
    fn url(&self) -> Option<String> {
        self.conn.url()
    }

    /// The token in use, if known yet.
    #[getter]
    fn token(&self) -> Option<String> {
        self.conn.token().map(|t| t.expose().to_owned())
    }

    /// Replaces the storage URL and token (None forgets them).
    #[pyo3(signature = (url, token))]
    fn set_credentials(&self, url: Option<String>, token: Option<String>) {
        self.conn.set_credentials(url, token.map(Secret::new));
    }

    /// Forgets the token: the next request authenticates again.
    fn invalidate_token(&self) {
        self.conn.invalidate_token();
    }

    /// Authenticates if there is no token; returns `(storage_url, token)`.
    fn get_auth(&self, py: Python<'_>) -> PyResult<(String, String)> {
        let c = self.conn.clone();
        let (url, token) = self.call(py, async move { c.get_auth().await })?;
        Ok((url, token.expose().to_owned()))
    }

    /// `GET /info` from `url` (or from the storage URL): the document's bytes.
    #[pyo3(signature = (url=None))]
    fn get_capabilities<'py>(
        &self,
        py: Python<'py>,
        url: Option<String>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let c = self.conn.clone();
        let body = self.call(py, async move {
            match url {
                Some(u) => c.get_capabilities_raw_at(&u).await,
                None => c.get_capabilities_raw().await,
            }
        })?;
        Ok(PyBytes::new(py, &body))
    }

    #[pyo3(signature = (headers=None))]
    fn head_account(
        &self,
        py: Python<'_>,
        headers: Option<Vec<(String, String)>>,
    ) -> PyResult<Resp> {
        let c = self.conn.clone();
        let o = request_options(headers, None);
        self.call(py, async move {
            c.head_account_with(&o).await.map(|r| resp(&r))
        })
    }

    /// One page (or all with `full_listing`); the entries as a JSON array.
    #[pyo3(signature = (marker=None, limit=None, prefix=None, end_marker=None, delimiter=None, full_listing=false, headers=None))]
    #[allow(clippy::too_many_arguments)]
    fn get_account(
        &self,
        py: Python<'_>,
        marker: Option<String>,
        limit: Option<u64>,
        prefix: Option<String>,
        end_marker: Option<String>,
        delimiter: Option<String>,
        full_listing: bool,
        headers: Option<Vec<(String, String)>>,
    ) -> PyResult<(Resp, String)> {
        let mut o = ListOptions::new().full_listing(full_listing);
        o.marker = marker;
        o.limit = limit;
        o.prefix = prefix;
        o.end_marker = end_marker;
        o.delimiter = delimiter;
        o.headers = request_headers(headers);
        let c = self.conn.clone();
        self.call(py, async move {
            let l = c.get_account(&o).await?;
            let json = listing_json(l.entries.iter().map(ContainerEntry::raw_json));
            Ok((resp(&l.response), json))
        })
    }

    #[pyo3(signature = (headers=None, query_string=None, data=None))]
    fn post_account<'py>(
        &self,
        py: Python<'py>,
        headers: Option<Vec<(String, String)>>,
        query_string: Option<String>,
        data: Option<Vec<u8>>,
    ) -> PyResult<(Resp, Bound<'py, PyBytes>)> {
        let c = self.conn.clone();
        let o = request_options(headers, query_string);
        let (r, body) = self.call(py, async move {
            let (r, body) = c.post_account_with(&o, data.map(Bytes::from)).await?;
            Ok((resp(&r), body))
        })?;
        Ok((r, PyBytes::new(py, &body)))
    }

    #[pyo3(signature = (container, headers=None))]
    fn head_container(
        &self,
        py: Python<'_>,
        container: String,
        headers: Option<Vec<(String, String)>>,
    ) -> PyResult<Resp> {
        let c = self.conn.clone();
        let o = request_options(headers, None);
        self.call(py, async move {
            c.head_container_with(&container, &o)
                .await
                .map(|r| resp(&r))
        })
    }

    #[pyo3(signature = (container, marker=None, limit=None, prefix=None, delimiter=None, end_marker=None, version_marker=None, path=None, full_listing=false, headers=None, query_string=None))]
    #[allow(clippy::too_many_arguments)]
    fn get_container(
        &self,
        py: Python<'_>,
        container: String,
        marker: Option<String>,
        limit: Option<u64>,
        prefix: Option<String>,
        delimiter: Option<String>,
        end_marker: Option<String>,
        version_marker: Option<String>,
        path: Option<String>,
        full_listing: bool,
        headers: Option<Vec<(String, String)>>,
        query_string: Option<String>,
    ) -> PyResult<(Resp, String)> {
        let mut o = ListOptions::new().full_listing(full_listing);
        o.marker = marker;
        o.limit = limit;
        o.prefix = prefix;
        o.delimiter = delimiter;
        o.end_marker = end_marker;
        o.version_marker = version_marker;
        o.path = path;
        o.headers = request_headers(headers);
        o.query_string = query_string.filter(|q| !q.is_empty());
        let c = self.conn.clone();
        self.call(py, async move {
            let l = c.get_container(&container, &o).await?;
            let json = listing_json(l.entries.iter().map(ObjectEntry::raw_json));
            Ok((resp(&l.response), json))
        })
    }

    #[pyo3(signature = (container, headers=None, query_string=None))]
    fn put_container(
        &self,
        py: Python<'_>,
        container: String,
        headers: Option<Vec<(String, String)>>,
        query_string: Option<String>,
    ) -> PyResult<Resp> {
        let c = self.conn.clone();
        let o = request_options(headers, query_string);
        self.call(py, async move {
            c.put_container_with(&container, &o).await.map(|r| resp(&r))
        })
    }

    #[pyo3(signature = (container, headers=None))]
    fn post_container(
        &self,
        py: Python<'_>,
        container: String,
        headers: Option<Vec<(String, String)>>,
    ) -> PyResult<Resp> {
        let c = self.conn.clone();
        let h = request_headers(headers);
        self.call(py, async move {
            c.post_container(&container, h).await.map(|r| resp(&r))
        })
    }

    #[pyo3(signature = (container, headers=None, query_string=None))]
    fn delete_container(
        &self,
        py: Python<'_>,
        container: String,
        headers: Option<Vec<(String, String)>>,
        query_string: Option<String>,
    ) -> PyResult<Resp> {
        let c = self.conn.clone();
        let o = request_options(headers, query_string);
        self.call(py, async move {
            c.delete_container_with(&container, &o)
                .await
                .map(|r| resp(&r))
        })
    }

    #[pyo3(signature = (container, obj, headers=None, query_string=None))]
    fn head_object(
        &self,
        py: Python<'_>,
        container: String,
        obj: String,
        headers: Option<Vec<(String, String)>>,
        query_string: Option<String>,
    ) -> PyResult<Resp> {
        let c = self.conn.clone();
        let o = request_options(headers, query_string);
        self.call(py, async move {
            c.head_object_with(&container, &obj, &o)
                .await
                .map(|r| resp(&r))
        })
    }

    /// `GET` an object. With `whole`, the body is read to its end (and checked) before
    /// returning, as `bytes`; otherwise it is returned unread, as a [`NativeBody`]. The last
    /// item is the number of HTTP attempts so far (resumes included). Without `checksum` the
    /// body's MD5 is not compared with its ETag.
    #[pyo3(signature = (container, obj, headers=None, query_string=None, whole=true, checksum=true))]
    #[allow(clippy::too_many_arguments)]
    fn get_object<'py>(
        &self,
        py: Python<'py>,
        container: String,
        obj: String,
        headers: Option<Vec<(String, String)>>,
        query_string: Option<String>,
        whole: bool,
        checksum: bool,
    ) -> PyResult<(Resp, Bound<'py, PyAny>, u32)> {
        let c = self.conn.clone();
        let o = request_options(headers, query_string);
        let (r, mut body) = self.call(py, async move {
            let got = c.get_object_with(&container, &obj, &o).await?;
            Ok((resp(&got.response), got.body))
        })?;
        if !checksum {
            body.skip_md5_check();
        }
        if !whole {
            let attempts = body.attempts();
            let b = Bound::new(py, NativeBody::new(body))?;
            return Ok((r, b.into_any(), attempts));
        }
        let (chunks, attempts) = self.call(py, async move {
            let mut chunks: Vec<Bytes> = Vec::new();
            while let Some(c) = body.chunk().await? {
                chunks.push(c);
            }
            Ok((chunks, body.attempts()))
        })?;
        let total = chunks.iter().map(Bytes::len).sum();
        let data = PyBytes::new_with(py, total, |buf| {
            let mut at = 0;
            for c in &chunks {
                buf[at..at + c.len()].copy_from_slice(c);
                at += c.len();
            }
            Ok(())
        })?;
        Ok((r, data.into_any(), attempts))
    }

    /// `PUT` an object from a body spec (see `body::from_spec`).
    #[pyo3(signature = (container, obj, body, content_type=None, etag=None, content_length=None, headers=None, query_string=None, checksum=true))]
    #[allow(clippy::too_many_arguments)]
    fn put_object(
        &self,
        py: Python<'_>,
        container: String,
        obj: String,
        body: &Bound<'_, PyAny>,
        content_type: Option<String>,
        etag: Option<String>,
        content_length: Option<u64>,
        headers: Option<Vec<(String, String)>>,
        query_string: Option<String>,
        checksum: bool,
    ) -> PyResult<Resp> {
        let body = from_spec(body)?;
        let mut o = PutOptions::new()
            .headers(request_headers(headers))
            .skip_etag_check(!checksum);
        o.content_type = content_type;
        o.etag = etag.filter(|e| !e.is_empty());
        o.content_length = content_length;
        o.query_string = query_string.filter(|q| !q.is_empty());
        let c = self.conn.clone();
        self.call(py, async move {
            c.put_object_with(&container, &obj, body, &o)
                .await
                .map(|r| resp(&r))
        })
    }

    #[pyo3(signature = (container, obj, headers=None))]
    fn post_object(
        &self,
        py: Python<'_>,
        container: String,
        obj: String,
        headers: Option<Vec<(String, String)>>,
    ) -> PyResult<Resp> {
        let c = self.conn.clone();
        let h = request_headers(headers);
        self.call(py, async move {
            c.post_object(&container, &obj, h).await.map(|r| resp(&r))
        })
    }

    #[pyo3(signature = (container, obj, destination=None, headers=None, fresh_metadata=None))]
    fn copy_object(
        &self,
        py: Python<'_>,
        container: String,
        obj: String,
        destination: Option<String>,
        headers: Option<Vec<(String, String)>>,
        fresh_metadata: Option<bool>,
    ) -> PyResult<Resp> {
        let mut o = CopyOptions::new();
        o.destination = destination;
        o.fresh_metadata = fresh_metadata;
        o.headers = request_headers(headers);
        let c = self.conn.clone();
        self.call(py, async move {
            c.copy_object_with(&container, &obj, &o)
                .await
                .map(|r| resp(&r))
        })
    }

    #[pyo3(signature = (container, obj, headers=None, query_string=None))]
    fn delete_object(
        &self,
        py: Python<'_>,
        container: String,
        obj: String,
        headers: Option<Vec<(String, String)>>,
        query_string: Option<String>,
    ) -> PyResult<Resp> {
        let c = self.conn.clone();
        let o = request_options(headers, query_string);
        self.call(py, async move {
            c.delete_object_with(&container, &obj, &o)
                .await
                .map(|r| resp(&r))
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "<swiftclient._native.Connection url={:?}>",
            self.conn.url().unwrap_or_default()
        )
    }
}
