//! Account operations: HEAD, GET (listing), POST.

use bytes::Bytes;
use futures_util::Stream;

use crate::connection::Connection;
use crate::headers::RequestHeaders;
use crate::listing::ListOptions;
use crate::listing::{ContainerEntry, Listing};
use crate::options::RequestOptions;
use crate::path::{append_query, Target};
use crate::response::Response;
use crate::transport::body::Body;
use crate::transport::Call;

impl Connection {
    /// `HEAD` the account: its metadata and counts (`x-account-container-count`, ...).
    pub async fn head_account(&self) -> crate::Result<Response> {
        self.head_account_with(&RequestOptions::default()).await
    }

    /// `HEAD` the account with extra headers.
    pub async fn head_account_with(&self, opts: &RequestOptions) -> crate::Result<Response> {
        let mut call = Call::new("Account HEAD", reqwest::Method::HEAD, Target::Account);
        call.headers = opts.headers.clone();
        append_query(&mut call.query, opts.query_string.as_deref());
        Ok(self.exchange(call).await?.0)
    }

    /// Lists the account's containers: one page, or every page with `full_listing`.
    pub async fn get_account(&self, opts: &ListOptions) -> crate::Result<Listing<ContainerEntry>> {
        self.list(Target::Account, "Account GET", opts).await
    }

    /// Every container of the account as a lazy stream that fetches one page at a time
    /// (memory stays constant however many containers there are).
    pub fn account_entries(
        &self,
        opts: ListOptions,
    ) -> impl Stream<Item = crate::Result<ContainerEntry>> + Send + 'static {
        self.entries(Ok(Target::Account), "Account GET", opts)
    }

    /// `POST` to the account: set metadata (`X-Account-Meta-*`; an empty value removes it).
    pub async fn post_account(
        &self,
        headers: impl Into<RequestHeaders>,
    ) -> crate::Result<Response> {
        let opts = RequestOptions::from(headers.into());
        Ok(self.post_account_with(&opts, None).await?.0)
    }

    /// `POST` to the account with a query string and a body (e.g. bulk delete); returns the
    /// response and its body.
    pub async fn post_account_with(
        &self,
        opts: &RequestOptions,
        data: Option<Bytes>,
    ) -> crate::Result<(Response, Bytes)> {
        let mut call = Call::new("Account POST", reqwest::Method::POST, Target::Account);
        call.headers = opts.headers.clone();
        append_query(&mut call.query, opts.query_string.as_deref());
        let mut body = data.map(Body::from);
        call.body = body.as_mut();
        self.exchange(call).await
    }
}
