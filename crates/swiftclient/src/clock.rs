//! Time, injectable: how the retry loop waits ([`Sleeper`]), and the boxed future type of this
//! crate's object-safe traits.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// A boxed future, as returned by [`Sleeper::sleep`] and
/// [`Authenticator::authenticate`](crate::Authenticator::authenticate).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The connection's clock: how the retry loop waits, and the time that token expiry,
/// rate-limit pauses and the retry deadline are measured on. The default ([`TokioSleeper`])
/// sleeps on the tokio timer and reads the system clocks; tests substitute a
/// [`ManualClock`], on which sleeping returns at once and moves the time on.
pub trait Sleeper: Send + Sync + fmt::Debug {
    /// Waits for `d`.
    fn sleep(&self, d: Duration) -> BoxFuture<'static, ()>;

    /// The monotonic time rate-limit pauses and the retry deadline are measured on.
    fn now(&self) -> Instant {
        Instant::now()
    }

    /// The wall-clock time a token's announced expiry is compared with.
    fn system_now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock for tests: it starts at the real time of its creation, moves only when told
/// ([`ManualClock::advance`]) or slept on (a sleep returns at once, moving the time by its
/// duration), and records every sleep requested. Clones share the time and the record.
///
/// ```
/// use std::time::Duration;
/// use swiftclient::{ManualClock, Sleeper};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let clock = ManualClock::new();
/// let start = clock.now();
/// clock.sleep(Duration::from_secs(64)).await;   // returns at once
/// clock.advance(Duration::from_secs(1));
/// assert_eq!(clock.now() - start, Duration::from_secs(65));
/// assert_eq!(clock.sleeps(), vec![Duration::from_secs(64)]);
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ManualClock {
    inner: Arc<Mutex<ManualState>>,
}

#[derive(Debug)]
struct ManualState {
    instant: Instant,
    system: SystemTime,
    offset: Duration,
    sleeps: Vec<Duration>,
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl ManualClock {
    /// A clock at the current time.
    pub fn new() -> Self {
        ManualClock {
            inner: Arc::new(Mutex::new(ManualState {
                instant: Instant::now(),
                system: SystemTime::now(),
                offset: Duration::ZERO,
                sleeps: Vec::new(),
            })),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, ManualState> {
        match self.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// Moves the time on by `d`.
    pub fn advance(&self, d: Duration) {
        let mut s = self.state();
        s.offset = s.offset.saturating_add(d);
    }

    /// Every sleep requested so far, in order.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.state().sleeps.clone()
    }
}

impl Sleeper for ManualClock {
    fn sleep(&self, d: Duration) -> BoxFuture<'static, ()> {
        {
            let mut s = self.state();
            s.sleeps.push(d);
            s.offset = s.offset.saturating_add(d);
        }
        // Yield once, as a real sleep would, so that other tasks get to run.
        Box::pin(tokio::task::yield_now())
    }

    fn now(&self) -> Instant {
        let s = self.state();
        s.instant.checked_add(s.offset).unwrap_or(s.instant)
    }

    fn system_now(&self) -> SystemTime {
        let s = self.state();
        s.system.checked_add(s.offset).unwrap_or(s.system)
    }
}

/// Sleeps on the tokio timer.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, d: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(d))
    }
}
