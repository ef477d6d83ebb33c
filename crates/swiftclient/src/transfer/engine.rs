//! The engine: options, the shared connection and semaphores, and what every task of a job
//! shares ([`Ctx`]): the result channel, cancellation and counters.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::connection::{Capabilities, Connection};
use crate::error::Error;
use crate::transfer::progress::{self, Action, Job, Status, TransferResult};

/// Settings of a [`Transfer`] engine (python-swiftclient's thread counts and `checksum`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct TransferOptions {
    /// Objects worked on at once (uploads, downloads, deletes, copies, posts): python's
    /// `object_uu_threads` / `object_dd_threads`. Default 10.
    pub object_concurrency: usize,
    /// Segments uploaded or deleted at once, across all objects: `segment_threads`. Default 10.
    pub segment_concurrency: usize,
    /// Container operations at once: `container_threads`. Default 10.
    pub container_concurrency: usize,
    /// Compare MD5s with ETags on upload and download. Default true.
    pub checksum: bool,
    /// After the first failure, start nothing new (items not started are reported as
    /// [`Status::Cancelled`]). Default false.
    pub fail_fast: bool,
    /// How many results may wait for the consumer before the workers pause. Default 256.
    pub result_queue: usize,
}

impl Default for TransferOptions {
    fn default() -> Self {
        TransferOptions {
            object_concurrency: 10,
            segment_concurrency: 10,
            container_concurrency: 10,
            checksum: true,
            fail_fast: false,
            result_queue: 256,
        }
    }
}

impl TransferOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets [`TransferOptions::object_concurrency`] (at least 1).
    pub fn object_concurrency(mut self, n: usize) -> Self {
        self.object_concurrency = n.max(1);
        self
    }

    /// Sets [`TransferOptions::segment_concurrency`] (at least 1).
    pub fn segment_concurrency(mut self, n: usize) -> Self {
        self.segment_concurrency = n.max(1);
        self
    }

    /// Sets [`TransferOptions::container_concurrency`] (at least 1).
    pub fn container_concurrency(mut self, n: usize) -> Self {
        self.container_concurrency = n.max(1);
        self
    }

    /// Sets [`TransferOptions::checksum`].
    pub fn checksum(mut self, on: bool) -> Self {
        self.checksum = on;
        self
    }

    /// Sets [`TransferOptions::fail_fast`].
    pub fn fail_fast(mut self, on: bool) -> Self {
        self.fail_fast = on;
        self
    }

    /// Sets [`TransferOptions::result_queue`] (at least 1).
    pub fn result_queue(mut self, n: usize) -> Self {
        self.result_queue = n.max(1);
        self
    }
}

/// The transfer engine: bounded-concurrency uploads, downloads, deletes, copies and posts
/// over one pooled [`Connection`].
///
/// Cheap to clone; clones share the concurrency limits and the cached `/info`.
#[derive(Clone, Debug)]
pub struct Transfer {
    engine: Arc<Engine>,
}

#[derive(Debug)]
pub(crate) struct Engine {
    pub(crate) conn: Connection,
    pub(crate) opts: TransferOptions,
    caps: tokio::sync::OnceCell<Option<Capabilities>>,
    pub(crate) objects: Arc<Semaphore>,
    pub(crate) segments: Arc<Semaphore>,
    pub(crate) containers: Arc<Semaphore>,
}

impl Transfer {
    /// An engine with the default options.
    pub fn new(conn: Connection) -> Self {
        Self::with_options(conn, TransferOptions::default())
    }

    /// An engine with the given options.
    pub fn with_options(conn: Connection, opts: TransferOptions) -> Self {
        Transfer {
            engine: Arc::new(Engine {
                objects: Arc::new(Semaphore::new(opts.object_concurrency.max(1))),
                segments: Arc::new(Semaphore::new(opts.segment_concurrency.max(1))),
                containers: Arc::new(Semaphore::new(opts.container_concurrency.max(1))),
                conn,
                opts,
                caps: tokio::sync::OnceCell::new(),
            }),
        }
    }

    /// The connection every request goes through.
    pub fn connection(&self) -> &Connection {
        &self.engine.conn
    }

    /// The engine's options.
    pub fn options(&self) -> &TransferOptions {
        &self.engine.opts
    }

    /// The cluster's `/info`, fetched once and cached; `None` when it cannot be read (an old
    /// cluster without `/info`: no SLO, no bulk operations are assumed).
    pub async fn capabilities(&self) -> Option<Capabilities> {
        self.engine.capabilities().await
    }

    /// Creates the channel, tokens and counters of a new job.
    pub(crate) fn start(&self) -> crate::Result<(Ctx, Job)> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::invalid_input(
                "a transfer must be started inside a Tokio runtime",
            ));
        }
        let (tx, rx) = mpsc::channel(self.engine.opts.result_queue.max(1));
        let abort = CancellationToken::new();
        let stop = abort.child_token();
        let counters = Arc::new(progress::Counters::default());
        let ctx = Ctx {
            engine: Arc::clone(&self.engine),
            tx,
            abort: abort.clone(),
            stop,
            counters: Arc::clone(&counters),
        };
        Ok((ctx, Job::new(rx, abort, counters)))
    }
}

impl Engine {
    pub(crate) async fn capabilities(&self) -> Option<Capabilities> {
        self.caps
            .get_or_init(|| async {
                match self.conn.get_capabilities().await {
                    Ok(c) => Some(c),
                    Err(e) => {
                        tracing::info!(target: "swiftclient", "no cluster capabilities (assuming no SLO and no bulk operations): {e}");
                        None
                    }
                }
            })
            .await
            .clone()
    }
}

/// What every task of a job shares: the engine, the result channel, the tokens, the counters.
#[derive(Clone, Debug)]
pub(crate) struct Ctx {
    pub(crate) engine: Arc<Engine>,
    tx: mpsc::Sender<TransferResult>,
    /// Cancelled by [`Job::cancel`] or dropping the job: everything stops.
    pub(crate) abort: CancellationToken,
    /// Cancelled by `abort` or by `fail_fast`: nothing new starts.
    pub(crate) stop: CancellationToken,
    pub(crate) counters: Arc<progress::Counters>,
}

impl Ctx {
    pub(crate) fn conn(&self) -> &Connection {
        &self.engine.conn
    }

    pub(crate) fn checksum(&self) -> bool {
        self.engine.opts.checksum
    }

    /// True once nothing new should start.
    pub(crate) fn stopped(&self) -> bool {
        self.stop.is_cancelled()
    }

    /// Delivers a result to the consumer (waiting while the queue is full).
    pub(crate) async fn emit(&self, r: TransferResult) {
        self.counters.record(&r);
        if r.status == Status::Failed && self.engine.opts.fail_fast {
            self.stop.cancel();
        }
        if self.tx.send(r).await.is_err() {
            // Nobody is listening any more: stop working.
            self.abort.cancel();
        }
    }

    /// A permit of `sem`, or `None` when the job stops first.
    pub(crate) async fn permit(&self, sem: &Arc<Semaphore>) -> Option<OwnedSemaphorePermit> {
        tokio::select! {
            biased;
            _ = self.stop.cancelled() => None,
            p = Arc::clone(sem).acquire_owned() => p.ok(),
        }
    }

    /// Runs `fut` unless the job is aborted first.
    pub(crate) async fn abortable<F: Future>(&self, fut: F) -> Option<F::Output> {
        tokio::select! {
            biased;
            _ = self.abort.cancelled() => None,
            r = fut => Some(r),
        }
    }

    /// Runs `work` as a task holding a permit of `sem`, and emits its result; when the job
    /// stops first, emits `skeleton` as cancelled instead. Returns false once the job stopped.
    pub(crate) async fn schedule<F>(
        &self,
        set: &mut JoinSet<()>,
        sem: &Arc<Semaphore>,
        skeleton: TransferResult,
        work: F,
    ) -> bool
    where
        F: Future<Output = TransferResult> + Send + 'static,
    {
        while set.try_join_next().is_some() {}
        let Some(permit) = self.permit(sem).await else {
            self.emit(skeleton.cancelled()).await;
            return false;
        };
        let ctx = self.clone();
        set.spawn(async move {
            let _permit = permit;
            // A panic in the work is a failed result for its item, never silence.
            let r = match AssertUnwindSafe(ctx.abortable(work)).catch_unwind().await {
                Ok(Some(r)) => r,
                Ok(None) => skeleton.cancelled(),
                Err(panic) => skeleton.fail(Error::panicked(&*panic)),
            };
            ctx.emit(r).await;
        });
        true
    }

    /// Spawns the task that drives a job (lists, schedules, waits). Should it panic, the job
    /// reports a failed `action` result instead of ending as if all went well.
    pub(crate) fn spawn_driver<F>(ctx: Ctx, action: Action, container: Option<String>, fut: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        tokio::spawn(async move {
            if let Err(panic) = AssertUnwindSafe(fut).catch_unwind().await {
                let r = TransferResult::new(action, container.as_deref(), None);
                ctx.emit(r.fail(Error::panicked(&*panic))).await;
            }
        });
    }
}

/// Waits for every task of `set`.
pub(crate) async fn join_all(set: &mut JoinSet<()>) {
    while let Some(r) = set.join_next().await {
        if let Err(e) = r {
            if e.is_panic() {
                tracing::error!(target: "swiftclient", "a transfer task panicked: {e}");
            }
        }
    }
}
