//! What every request shares: the registry's shared state, a pool of store handles, the limits,
//! the metrics and the registry's date.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use credence_model::Day;
use credence_registry::registry::{Registry, RegistryError, Shared};
use credence_store::{Paths, Stamp, StoreError};

use crate::Limits;
use crate::metrics::Metrics;
use crate::problem::Problem;

/// The state of a running service; cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    shared: Arc<Shared>,
    paths: Paths,
    /// Store handles not in use. A request takes one (or opens one) for its blocking work and
    /// puts it back; concurrent work is bounded by the service's limit, so the pool is too.
    pool: Mutex<Vec<Registry>>,
    limits: Limits,
    metrics: Metrics,
    today: Option<Day>,
    /// One permit per request worked on at once.
    permits: Arc<tokio::sync::Semaphore>,
    /// Cleared when the service begins to shut down: `/readyz` then says so.
    accepting: AtomicBool,
}

impl Drop for Inner {
    /// Closing a store handle may block (the PostgreSQL client runs a runtime of its own to
    /// close its connection), which a thread of the service's runtime must not do: the pool's
    /// handles are closed on a thread of their own.
    fn drop(&mut self) {
        let pool = std::mem::take(match self.pool.get_mut() {
            Ok(pool) => pool,
            Err(poisoned) => poisoned.into_inner(),
        });
        if !pool.is_empty() {
            let _ = std::thread::spawn(move || drop(pool)).join();
        }
    }
}

impl AppState {
    /// The state over an open registry: its shared state is built once, and the handle it was
    /// opened with is the pool's first.
    pub(crate) fn new(
        registry: Registry,
        paths: Paths,
        limits: Limits,
        today: Option<Day>,
    ) -> AppState {
        AppState {
            inner: Arc::new(Inner {
                shared: Arc::clone(registry.shared()),
                paths,
                pool: Mutex::new(vec![registry]),
                permits: Arc::new(tokio::sync::Semaphore::new(limits.concurrent.max(1))),
                limits,
                metrics: Metrics::default(),
                today,
                accepting: AtomicBool::new(true),
            }),
        }
    }

    pub(crate) fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// A permit to work on a request, when fewer than the limit are being worked on.
    pub(crate) fn permit(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        Arc::clone(&self.inner.permits).try_acquire_owned().ok()
    }

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    pub(crate) fn accepting(&self) -> bool {
        self.inner.accepting.load(Ordering::Relaxed)
    }

    pub(crate) fn stop_accepting(&self) {
        self.inner.accepting.store(false, Ordering::Relaxed);
    }

    /// Now: the registry's date (the configured one, or today's UTC date) and the wall-clock
    /// time.
    pub(crate) fn stamp(&self) -> Stamp {
        let now = now_ms();
        Stamp {
            day: self.inner.today.unwrap_or_else(|| Stamp::utc_day(now)),
            at_ms: now,
        }
    }

    /// Runs `work` on a store handle on a blocking thread (store calls block), and hands the
    /// handle back to the pool afterwards unless its connection failed.
    pub(crate) async fn with_registry<T, F>(&self, work: F) -> Result<T, Problem>
    where
        T: Send + 'static,
        F: FnOnce(&mut Registry, Stamp) -> Result<T, RegistryError> + Send + 'static,
    {
        let state = self.clone();
        let stamp = self.stamp();
        tokio::task::spawn_blocking(move || {
            let mut registry = state.take()?;
            let outcome = work(&mut registry, stamp);
            let broken = matches!(
                outcome,
                Err(RegistryError::Store(
                    StoreError::Backend { .. } | StoreError::Io { .. }
                ))
            );
            if !broken {
                state.give(registry);
            }
            outcome
        })
        .await
        .map_err(|e| Problem::internal(format!("the request's work failed: {e}")))?
        .map_err(Problem::from)
    }

    fn take(&self) -> Result<Registry, RegistryError> {
        let pooled = match self.inner.pool.lock() {
            Ok(mut pool) => pool.pop(),
            Err(poisoned) => poisoned.into_inner().pop(),
        };
        match pooled {
            Some(registry) => Ok(registry),
            None => Registry::open_with(Arc::clone(&self.inner.shared), &self.inner.paths),
        }
    }

    fn give(&self, registry: Registry) {
        match self.inner.pool.lock() {
            Ok(mut pool) => pool.push(registry),
            Err(poisoned) => poisoned.into_inner().push(registry),
        }
    }
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
