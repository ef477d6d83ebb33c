//! Container operations: HEAD, GET (listing), PUT, POST, DELETE, and the listing machinery
//! shared with the account.

use futures_util::Stream;

use crate::connection::Connection;
use crate::headers::RequestHeaders;
use crate::listing::page::{PageError, PageReader};
use crate::listing::ListOptions;
use crate::listing::{advance, page_query, Entry, Listing, ObjectEntry, Parse};
use crate::options::RequestOptions;
use crate::path::{append_query, Target};
use crate::response::Response;
use crate::transport::Call;

impl Connection {
    /// `HEAD` a container: its metadata and counts.
    pub async fn head_container(&self, container: &str) -> crate::Result<Response> {
        self.head_container_with(container, &RequestOptions::default())
            .await
    }

    /// `HEAD` a container with extra headers.
    pub async fn head_container_with(
        &self,
        container: &str,
        opts: &RequestOptions,
    ) -> crate::Result<Response> {
        self.container_call("Container HEAD", reqwest::Method::HEAD, container, opts)
            .await
    }

    /// Lists a container's objects: one page, or every page with `full_listing`.
    pub async fn get_container(
        &self,
        container: &str,
        opts: &ListOptions,
    ) -> crate::Result<Listing<ObjectEntry>> {
        self.list(Target::container(container)?, "Container GET", opts)
            .await
    }

    /// Every object of a container (from `opts.marker` on) as a lazy stream that fetches one
    /// page at a time: constant memory for containers with millions of objects.
    pub fn container_entries(
        &self,
        container: &str,
        opts: ListOptions,
    ) -> impl Stream<Item = crate::Result<ObjectEntry>> + Send + 'static {
        self.entries(Target::container(container), "Container GET", opts)
    }

    /// `PUT` a container (create it, or update its metadata if it exists).
    pub async fn put_container(&self, container: &str) -> crate::Result<Response> {
        self.put_container_with(container, &RequestOptions::default())
            .await
    }

    /// `PUT` a container with headers (`X-Storage-Policy`, `X-Container-Read`, metadata, ...).
    pub async fn put_container_with(
        &self,
        container: &str,
        opts: &RequestOptions,
    ) -> crate::Result<Response> {
        self.container_call("Container PUT", reqwest::Method::PUT, container, opts)
            .await
    }

    /// `POST` to a container: set metadata and ACLs.
    pub async fn post_container(
        &self,
        container: &str,
        headers: impl Into<RequestHeaders>,
    ) -> crate::Result<Response> {
        let opts = RequestOptions::from(headers.into());
        self.container_call("Container POST", reqwest::Method::POST, container, &opts)
            .await
    }

    /// `DELETE` an empty container.
    pub async fn delete_container(&self, container: &str) -> crate::Result<Response> {
        self.delete_container_with(container, &RequestOptions::default())
            .await
    }

    /// `DELETE` a container with headers and a query string.
    pub async fn delete_container_with(
        &self,
        container: &str,
        opts: &RequestOptions,
    ) -> crate::Result<Response> {
        self.container_call("Container DELETE", reqwest::Method::DELETE, container, opts)
            .await
    }

    async fn container_call(
        &self,
        op: &'static str,
        method: reqwest::Method,
        container: &str,
        opts: &RequestOptions,
    ) -> crate::Result<Response> {
        let mut call = Call::new(op, method, Target::container(container)?);
        call.headers = opts.headers.clone();
        append_query(&mut call.query, opts.query_string.as_deref());
        Ok(self.exchange(call).await?.0)
    }

    /// Sends the request for one page; its entries are read from the body as it arrives.
    async fn open_page<T: Parse>(
        &self,
        target: &Target,
        op: &'static str,
        opts: &ListOptions,
    ) -> crate::Result<(Response, PageReader<T>)> {
        let is_container = matches!(target, Target::Container(_));
        let mut call = Call::new(op, reqwest::Method::GET, target.clone());
        call.query = page_query(opts, is_container);
        call.headers = opts.headers.clone();
        let out = self.session.execute(call).await?;
        let what = if is_container { "container" } else { "account" };
        let response = Response::new(out.status, out.reason, out.headers, out.attempts);
        let page = PageReader::new(out.response, out.status, what, "GET", &out.url);
        Ok((response, page))
    }

    /// One page of a listing, whole.
    async fn list_page<T: Entry>(
        &self,
        target: &Target,
        op: &'static str,
        opts: &ListOptions,
    ) -> crate::Result<(Response, Vec<T>)> {
        let (resp, page) = self.open_page::<T>(target, op, opts).await?;
        let mut page = page.limit(crate::http::BODY_LIMIT);
        let mut entries = Vec::new();
        while let Some(e) = page.next().await? {
            entries.push(e);
        }
        Ok((resp, entries))
    }

    /// A listing: the first page, or all pages with `full_listing`.
    pub(crate) async fn list<T: Entry>(
        &self,
        target: Target,
        op: &'static str,
        opts: &ListOptions,
    ) -> crate::Result<Listing<T>> {
        let (response, mut entries) = self.list_page::<T>(&target, op, opts).await?;
        if opts.full_listing {
            let mut page_opts = opts.clone();
            let mut last_len = entries.len();
            while last_len > 0 {
                if let Some(last) = entries.last() {
                    advance(&mut page_opts, last)?;
                }
                let (_, page) = self.list_page::<T>(&target, op, &page_opts).await?;
                last_len = page.len();
                entries.extend(page);
            }
        }
        Ok(Listing { response, entries })
    }

    /// A listing as a lazy stream of entries, read from each page's body as it arrives:
    /// memory stays at one entry and one chunk of the body, whatever the page size. A page
    /// whose connection breaks part-way is asked for again from the last entry handed out
    /// (up to the connection's `retries`); the markers must advance with every entry.
    pub(crate) fn entries<T: Entry + Send + 'static>(
        &self,
        target: crate::Result<Target>,
        op: &'static str,
        opts: ListOptions,
    ) -> impl Stream<Item = crate::Result<T>> + Send + 'static {
        struct State<T> {
            conn: Connection,
            target: crate::Result<Target>,
            opts: ListOptions,
            page: Option<PageReader<T>>,
            /// Pages broken part-way so far.
            restarts: u32,
            done: bool,
        }
        let state = State {
            conn: self.clone(),
            target,
            opts,
            page: None,
            restarts: 0,
            done: false,
        };
        Box::pin(futures_util::stream::try_unfold(
            state,
            move |mut st| async move {
                loop {
                    if st.done {
                        return Ok(None);
                    }
                    let target = match &st.target {
                        Ok(t) => t.clone(),
                        Err(e) => return Err(crate::error::Error::invalid_name(e.to_string())),
                    };
                    let Some(page) = st.page.as_mut() else {
                        let (_, page) = st.conn.open_page::<T>(&target, op, &st.opts).await?;
                        st.page = Some(page);
                        continue;
                    };
                    match page.next().await {
                        Ok(Some(e)) => {
                            advance(&mut st.opts, &e)?;
                            return Ok(Some((e, st)));
                        }
                        // the page ended: an empty one ends the listing
                        Ok(None) => {
                            st.done = page.count == 0;
                            st.page = None;
                        }
                        Err(PageError::Transport(e)) => {
                            st.restarts += 1;
                            if st.restarts > st.conn.session.retry.retries {
                                return Err(e);
                            }
                            tracing::info!(target: "swiftclient", "{op}: the page broke off ({e}); asking again after marker {:?}", st.opts.marker);
                            st.page = None;
                        }
                        Err(PageError::Decode(e)) => return Err(e),
                    }
                }
            },
        ))
    }
}
