//! The object an upload replaces: what it is ([`inspect`]), which of its segments go
//! ([`OldSegments`]), which new ones must stay ([`NewSegments`]), and the clean-up.

use std::collections::HashSet;

use crate::headers::Headers;
use crate::transfer::common::{delete_segments, list_names};
use crate::transfer::engine::Ctx;
use crate::transfer::progress::SegmentInfo;
use crate::transfer::segments::{chunk_data, maybe_large, segment_prefix, Chunk};

use super::Plan;

/// The remote object an upload replaces.
pub(super) struct Existing {
    pub(super) headers: Headers,
    pub(super) chunks: Option<Vec<Chunk>>,
}

/// HEADs the object when an option needs it (python-swiftclient does so unless
/// `leave_segments`), and reads its segment list when needed.
pub(super) async fn inspect(ctx: &Ctx, plan: &Plan, name: &str) -> crate::Result<Option<Existing>> {
    let o = &plan.opts;
    if !(o.changed || o.skip_identical || !o.leave_segments) {
        return Ok(None);
    }
    if let Some(listed) = &plan.listed {
        match listed.get(name) {
            None => return Ok(None),
            Some(e) if !o.changed && !maybe_large(e) => {
                // A plain object: the listing has all a comparison needs.
                return Ok(Some(Existing {
                    headers: Headers::new(),
                    chunks: Some(vec![Chunk {
                        container: plan.container.clone(),
                        name: name.to_owned(),
                        hash: e.hash.trim_matches('"').to_owned(),
                        bytes: e.bytes,
                        range: None,
                    }]),
                }));
            }
            Some(_) => {}
        }
    }
    let headers = match ctx.conn().head_object(&plan.container, name).await {
        Ok(r) => r.headers().clone(),
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(e),
    };
    let large = headers.is_static_large_object() || headers.object_manifest().is_some();
    let chunks = if o.skip_identical || (large && !o.leave_segments) {
        chunk_data(ctx.conn(), &plan.container, name, &headers).await?
    } else {
        None
    };
    Ok(Some(Existing { headers, chunks }))
}

/// Segments of the replaced object to delete after the upload.
#[derive(Debug, Default)]
pub(super) struct OldSegments {
    /// A DLO's segment container and prefix (with a trailing `/`).
    dlo: Option<(String, String)>,
    /// An SLO's segments.
    slo: Vec<(String, String)>,
}

pub(super) fn old_segments(plan: &Plan, existing: Option<&Existing>) -> OldSegments {
    let mut old = OldSegments::default();
    let Some(ex) = existing else { return old };
    if plan.opts.leave_segments || ex.headers.contains("content-location") {
        return old;
    }
    if let Some(m) = ex.headers.object_manifest() {
        if let Some((c, p)) = m.split_once('/') {
            old.dlo = Some((c.to_owned(), format!("{}/", p.trim_end_matches('/'))));
        }
    }
    if ex.headers.is_static_large_object() {
        if let Some(chunks) = &ex.chunks {
            old.slo = chunks
                .iter()
                .map(|c| (c.container.clone(), c.name.clone()))
                .collect();
        }
    }
    old
}

/// What a new upload wrote, so that cleaning up never deletes it.
#[derive(Debug, Default)]
pub(super) struct NewSegments {
    names: HashSet<(String, String)>,
    prefix: Option<(String, String)>,
}

impl NewSegments {
    pub(super) fn of(segs: &[SegmentInfo]) -> Self {
        NewSegments {
            names: segs
                .iter()
                .map(|s| (s.container.clone(), s.name.clone()))
                .collect(),
            prefix: segs
                .first()
                .map(|s| (s.container.clone(), segment_prefix(&s.name))),
        }
    }

    fn contains(&self, c: &str, o: &str) -> bool {
        self.names.contains(&(c.to_owned(), o.to_owned()))
            || self
                .prefix
                .as_ref()
                .is_some_and(|(pc, pp)| pc == c && !pp.is_empty() && o.starts_with(pp.as_str()))
    }
}

/// Deletes the old segments of a replaced large object, never the new ones.
pub(super) async fn clean_up(
    ctx: &Ctx,
    plan: &Plan,
    name: &str,
    old: OldSegments,
    new: &NewSegments,
) -> crate::Result<u64> {
    let mut doomed: Vec<(String, String)> = Vec::new();
    if let Some((c, prefix)) = old.dlo {
        let same = new.prefix.as_ref().is_some_and(|(nc, np)| {
            *nc == c && np.trim_end_matches('/') == prefix.trim_end_matches('/')
        });
        if !same {
            for n in list_names(ctx.conn(), &c, &prefix).await? {
                doomed.push((c.clone(), n));
            }
        }
    }
    doomed.extend(old.slo);
    doomed.retain(|(c, o)| !new.contains(c, o));
    let mut seen = HashSet::new();
    doomed.retain(|p| seen.insert(p.clone()));
    if doomed.is_empty() {
        return Ok(0);
    }
    let (deleted, _) =
        delete_segments(ctx, doomed, (plan.container.clone(), name.to_owned())).await;
    Ok(deleted)
}
