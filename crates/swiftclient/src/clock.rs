//! Time, injectable: how the retry loop waits ([`Sleeper`]), and the boxed future type of this
//! crate's object-safe traits.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A boxed future, as returned by [`Sleeper::sleep`] and
/// [`Authenticator::authenticate`](crate::Authenticator::authenticate).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How the retry loop waits. The default sleeps on the tokio timer; tests substitute one that
/// records the requested durations and returns at once (a mockable clock).
pub trait Sleeper: Send + Sync + fmt::Debug {
    /// Waits for `d`.
    fn sleep(&self, d: Duration) -> BoxFuture<'static, ()>;
}

/// Sleeps on the tokio timer.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, d: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(d))
    }
}
