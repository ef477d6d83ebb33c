//! Metadata posts across many objects (python-swiftclient's `SwiftService.post` for objects).

use tokio::task::JoinSet;

use crate::headers::RequestHeaders;
use crate::transfer::engine::{join_all, Ctx, Transfer};
use crate::transfer::progress::Job;
use crate::transfer::progress::{Action, Status, TransferResult};

/// Options of [`Transfer::post`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct PostOptions {
    /// Headers for every object. A POST replaces all user metadata of an object with the
    /// `X-Object-Meta-*` headers sent.
    pub headers: RequestHeaders,
}

impl PostOptions {
    /// No headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a header for every object.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.set(name, value);
        self
    }

    /// Adds metadata (`X-Object-Meta-<key>`) for every object.
    pub fn meta(mut self, key: &str, value: impl Into<String>) -> Self {
        self.headers.set(format!("X-Object-Meta-{key}"), value);
        self
    }
}

/// One object to post to, with headers of its own (python-swiftclient's `SwiftPostObject`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PostObject {
    /// The object's name.
    pub name: String,
    /// Headers added to the job's for this object.
    pub headers: RequestHeaders,
}

impl PostObject {
    /// The object `name`, with the job's headers.
    pub fn new(name: impl Into<String>) -> Self {
        PostObject {
            name: name.into(),
            headers: RequestHeaders::new(),
        }
    }

    /// Adds a header for this object.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.set(name, value);
        self
    }
}

impl From<&str> for PostObject {
    fn from(s: &str) -> Self {
        PostObject::new(s)
    }
}

impl From<String> for PostObject {
    fn from(s: String) -> Self {
        PostObject::new(s)
    }
}

impl Transfer {
    /// Posts headers (metadata, content type, ...) to many objects of `container`.
    /// Results: one [`Action::PostObject`] per object.
    pub fn post<I, O>(&self, container: &str, objects: I, opts: &PostOptions) -> crate::Result<Job>
    where
        I: IntoIterator<Item = O>,
        O: Into<PostObject>,
    {
        crate::path::check_container(container)?;
        let objects: Vec<PostObject> = objects.into_iter().map(Into::into).collect();
        for o in &objects {
            crate::path::check_object(&o.name)?;
        }
        let (ctx, job) = self.start()?;
        let container = container.to_owned();
        let common = opts.headers.clone();
        Ctx::spawn_driver(
            ctx.clone(),
            Action::PostObject,
            Some(container.clone()),
            async move {
                let mut set = JoinSet::new();
                let mut objects = objects.into_iter();
                while let Some(o) = objects.next() {
                    let mut headers = common.clone();
                    for (k, v) in o.headers.iter() {
                        headers.set(k, v);
                    }
                    let skeleton =
                        TransferResult::new(Action::PostObject, Some(&container), Some(&o.name));
                    let work = post_one(ctx.clone(), container.clone(), o.name, headers);
                    if !ctx
                        .schedule(&mut set, &ctx.engine.objects, skeleton, work)
                        .await
                    {
                        for o in objects.by_ref() {
                            let r = TransferResult::new(
                                Action::PostObject,
                                Some(&container),
                                Some(&o.name),
                            );
                            ctx.emit(r.cancelled()).await;
                        }
                        break;
                    }
                }
                join_all(&mut set).await;
            },
        );
        Ok(job)
    }
}

async fn post_one(
    ctx: Ctx,
    container: String,
    name: String,
    headers: RequestHeaders,
) -> TransferResult {
    let mut res = TransferResult::new(Action::PostObject, Some(&container), Some(&name));
    res.headers = headers.clone();
    match ctx.conn().post_object(&container, &name, headers).await {
        Ok(resp) => {
            res.respond(resp);
            res.finish(Status::Completed)
        }
        Err(e) => res.fail(e),
    }
}
