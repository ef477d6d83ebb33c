//! Server-side copies of many objects (python-swiftclient's `SwiftService.copy`).

use std::collections::BTreeSet;

use tokio::task::JoinSet;

use crate::error::Error;
use crate::headers::RequestHeaders;
use crate::transfer::common::create_container;
use crate::transfer::engine::{join_all, Ctx, Transfer};
use crate::transfer::progress::Job;
use crate::transfer::progress::{Action, Status, TransferResult};

/// Options of [`Transfer::copy`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct CopyJobOptions {
    /// `/container` (each object keeps its name) or `/container/object` (one object only);
    /// `None`: every object is copied onto itself (to change its metadata).
    pub destination: Option<String>,
    /// The copies get only the metadata in `headers` (`X-Fresh-Metadata: true`); otherwise
    /// existing metadata is kept and `headers` added.
    pub fresh_metadata: bool,
    /// Headers for every copy (metadata as `X-Object-Meta-*`). An `X-Storage-Policy` is used
    /// when creating the destination containers.
    pub headers: RequestHeaders,
}

impl CopyJobOptions {
    /// No destination (copies onto themselves), metadata kept.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`CopyJobOptions::destination`].
    pub fn destination(mut self, d: impl Into<String>) -> Self {
        self.destination = Some(d.into());
        self
    }

    /// Sets [`CopyJobOptions::fresh_metadata`].
    pub fn fresh_metadata(mut self, on: bool) -> Self {
        self.fresh_metadata = on;
        self
    }

    /// Adds a header for every copy.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.set(name, value);
        self
    }

    /// Adds metadata (`X-Object-Meta-<key>`) for every copy.
    pub fn meta(mut self, key: &str, value: impl Into<String>) -> Self {
        self.headers.set(format!("X-Object-Meta-{key}"), value);
        self
    }
}

/// One object to copy, optionally with its own destination, metadata mode and headers
/// (python-swiftclient's `SwiftCopyObject`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CopyObject {
    /// The source object's name.
    pub name: String,
    /// `/container` or `/container/object`; `None`: the job's destination.
    pub destination: Option<String>,
    /// Overrides the job's `fresh_metadata`.
    pub fresh_metadata: Option<bool>,
    /// Headers added to the job's for this object.
    pub headers: RequestHeaders,
}

impl CopyObject {
    /// The object `name`, with the job's settings.
    pub fn new(name: impl Into<String>) -> Self {
        CopyObject {
            name: name.into(),
            destination: None,
            fresh_metadata: None,
            headers: RequestHeaders::new(),
        }
    }

    /// Sets its destination.
    pub fn destination(mut self, d: impl Into<String>) -> Self {
        self.destination = Some(d.into());
        self
    }

    /// Sets its metadata mode.
    pub fn fresh_metadata(mut self, on: bool) -> Self {
        self.fresh_metadata = Some(on);
        self
    }

    /// Adds a header for this copy.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.set(name, value);
        self
    }
}

impl From<&str> for CopyObject {
    fn from(s: &str) -> Self {
        CopyObject::new(s)
    }
}

impl From<String> for CopyObject {
    fn from(s: String) -> Self {
        CopyObject::new(s)
    }
}

/// `/cont` or `/cont/obj` for `name`: the full destination path.
fn full_destination(dest: &str, name: &str) -> crate::Result<String> {
    if !dest.starts_with('/') {
        return Err(Error::invalid_input(
            "destination must be in format /cont[/obj]",
        ));
    }
    if dest.ends_with('/') {
        return Err(Error::invalid_input("destination can not end in a slash"));
    }
    let rest = &dest[1..];
    if rest.is_empty() {
        return Err(Error::invalid_input(
            "destination must be in format /cont[/obj]",
        ));
    }
    Ok(if rest.contains('/') {
        dest.to_owned()
    } else {
        format!("{dest}/{name}")
    })
}

impl Transfer {
    /// Copies objects of `container` on the server (`COPY`), creating the destination
    /// containers first ([`Action::CreateContainer`], failures reported but not fatal).
    /// `X-Fresh-Metadata` is always sent (`true` or `false`), as python-swiftclient does.
    /// Results: one [`Action::CopyObject`] per object.
    pub fn copy<I, O>(
        &self,
        container: &str,
        objects: I,
        opts: &CopyJobOptions,
    ) -> crate::Result<Job>
    where
        I: IntoIterator<Item = O>,
        O: Into<CopyObject>,
    {
        crate::path::check_container(container)?;
        let objects: Vec<CopyObject> = objects.into_iter().map(Into::into).collect();
        let plain = objects.iter().filter(|o| o.destination.is_none()).count();
        if let Some(d) = &opts.destination {
            full_destination(d, "x")?;
            if d[1..].contains('/') && plain > 1 {
                return Err(Error::invalid_input(
                    "Combination of multiple objects and destination including object is invalid",
                ));
            }
        }
        let mut jobs = Vec::new();
        let mut containers = BTreeSet::new();
        for o in objects {
            let dest = match o.destination.as_deref().or(opts.destination.as_deref()) {
                Some(d) => Some(full_destination(d, &o.name)?),
                None => None,
            };
            if let Some(d) = &dest {
                if let Some(c) = d[1..].split('/').next() {
                    containers.insert(c.to_owned());
                }
            }
            let mut headers = opts.headers.clone();
            for (k, v) in o.headers.iter() {
                headers.set(k, v);
            }
            let fresh = o.fresh_metadata.unwrap_or(opts.fresh_metadata);
            jobs.push((o.name, dest, fresh, headers));
        }
        let (ctx, job) = self.start()?;
        let container = container.to_owned();
        let mut policy = RequestHeaders::new();
        if let Some(p) = opts.headers.get("x-storage-policy") {
            policy.set("X-Storage-Policy", p);
        }
        Ctx::spawn_driver(
            ctx.clone(),
            Action::CopyObject,
            Some(container.clone()),
            async move {
                let mut set = JoinSet::new();
                for c in containers {
                    let r = create_container(&ctx, &c, policy.clone(), None).await;
                    ctx.emit(r).await;
                }
                let mut jobs = jobs.into_iter();
                while let Some((name, dest, fresh, headers)) = jobs.next() {
                    let mut skeleton =
                        TransferResult::new(Action::CopyObject, Some(&container), Some(&name));
                    skeleton.destination = dest.clone();
                    let work = copy_one(ctx.clone(), container.clone(), name, dest, fresh, headers);
                    if !ctx
                        .schedule(&mut set, &ctx.engine.objects, skeleton, work)
                        .await
                    {
                        for (name, dest, ..) in jobs.by_ref() {
                            let mut r = TransferResult::new(
                                Action::CopyObject,
                                Some(&container),
                                Some(&name),
                            );
                            r.destination = dest;
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

async fn copy_one(
    ctx: Ctx,
    container: String,
    name: String,
    dest: Option<String>,
    fresh: bool,
    headers: RequestHeaders,
) -> TransferResult {
    let mut res = TransferResult::new(Action::CopyObject, Some(&container), Some(&name));
    res.destination = dest.clone();
    res.fresh_metadata = Some(fresh);
    res.headers = headers.clone();
    let opts = crate::options::CopyOptions {
        destination: dest,
        fresh_metadata: Some(fresh),
        headers,
    };
    match ctx.conn().copy_object_with(&container, &name, &opts).await {
        Ok(resp) => {
            res.respond(resp);
            res.finish(Status::Completed)
        }
        Err(e) => res.fail(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_like_python() {
        assert_eq!(full_destination("/c", "o").unwrap(), "/c/o");
        assert_eq!(full_destination("/c/x/y", "o").unwrap(), "/c/x/y");
        assert!(full_destination("c", "o").is_err());
        assert!(full_destination("/c/", "o").is_err());
        assert!(full_destination("/", "o").is_err());
    }
}
