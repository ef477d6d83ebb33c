//! Deletes, through swiftclient's transfer engine: bulk requests when the cluster offers them,
//! large objects one by one with their segments.

use std::collections::{HashMap, VecDeque};

use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use object_store::path::Path;
use object_store::Result;
use swiftclient::transfer::{Action, DeleteOptions, Status, TransferResult};

use crate::error::{generic, map};
use crate::SwiftStore;

/// Locations handed to the engine at once. It HEADs them in parallel to find large objects,
/// then deletes the plain ones in bulk requests.
const BATCH: usize = 1000;

/// Batches worked on at once (the next batch is read while one is deleted).
const BATCHES_IN_FLIGHT: usize = 2;

pub(crate) fn delete_stream(
    store: SwiftStore,
    locations: BoxStream<'static, Result<Path>>,
) -> BoxStream<'static, Result<Path>> {
    locations
        .chunks(BATCH)
        .map(move |batch| {
            let store = store.clone();
            async move { delete_batch(&store, batch).await }
        })
        .buffered(BATCHES_IN_FLIGHT)
        .flat_map(futures_util::stream::iter)
        .boxed()
}

/// Deletes one batch; the results come in the order of the input.
async fn delete_batch(store: &SwiftStore, batch: Vec<Result<Path>>) -> Vec<Result<Path>> {
    let names: Vec<String> = batch
        .iter()
        .filter_map(|p| p.as_ref().ok().map(|p| p.as_ref().to_owned()))
        .collect();
    let mut results: HashMap<String, VecDeque<TransferResult>> = HashMap::new();
    let mut failure = None;
    if !names.is_empty() {
        match store
            .transfer()
            .delete_objects(store.container(), names, &DeleteOptions::new())
        {
            Ok(job) => {
                for r in job.collect_all().await {
                    if r.action != Action::DeleteObject {
                        continue;
                    }
                    if let Some(o) = r.object.clone() {
                        results.entry(o).or_default().push_back(r);
                    }
                }
            }
            Err(e) => failure = Some(e.to_string()),
        }
    }
    batch
        .into_iter()
        .map(|p| {
            let path = p?;
            if let Some(f) = &failure {
                return Err(generic(format!("deleting {path}: {f}")));
            }
            let name = path.as_ref();
            let Some(r) = results.get_mut(name).and_then(VecDeque::pop_front) else {
                return Err(generic(format!("deleting {path}: no result")));
            };
            outcome(path, r)
        })
        .collect()
}

/// The result of one object's delete.
fn outcome(path: Path, mut r: TransferResult) -> Result<Path> {
    if r.is_success() {
        return Ok(path);
    }
    match r.error.take() {
        Some(e) => Err(map(e, path.as_ref())),
        None if r.status == Status::Cancelled => {
            Err(generic(format!("deleting {path}: cancelled")))
        }
        None => Err(generic(format!("deleting {path}: failed"))),
    }
}
