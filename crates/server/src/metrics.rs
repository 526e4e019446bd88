//! Prometheus text exposition written by hand from atomics: requests by route and status, a
//! latency histogram, checks by outcome, work in flight.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The routes counted, by their template; anything else is counted as `other`.
pub(crate) const ROUTES: [&str; 9] = [
    "/v1/checks",
    "/v1/me/report",
    "/v1/me/accesses",
    "/v1/batches",
    "/healthz",
    "/readyz",
    "/metrics",
    "/openapi.json",
    "other",
];
const ROUTE_COUNT: usize = ROUTES.len();

/// The statuses counted one by one; any other is counted as `other`.
const STATUSES: [u16; 12] = [200, 400, 401, 403, 404, 405, 408, 413, 415, 422, 500, 503];
const STATUS_COUNT: usize = STATUSES.len() + 1;

/// Upper bounds of the latency buckets, in microseconds (and `+Inf`).
const BUCKETS_US: [u64; 12] = [
    250, 500, 1_000, 2_000, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000, 10_000_000,
];

/// How a check ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CheckOutcome {
    Applies,
    DoesNotApply,
    /// The party asked about a measure it does not apply (and learned nothing).
    Refused,
    /// The check could not be answered (an invalid identifier, an unknown measure, the store).
    Failed,
}

const OUTCOMES: [(CheckOutcome, &str); 4] = [
    (CheckOutcome::Applies, "applies"),
    (CheckOutcome::DoesNotApply, "does-not-apply"),
    (CheckOutcome::Refused, "refused"),
    (CheckOutcome::Failed, "failed"),
];

/// The service's counters.
#[derive(Debug)]
pub(crate) struct Metrics {
    requests: [[AtomicU64; STATUS_COUNT]; ROUTE_COUNT],
    buckets: [AtomicU64; BUCKETS_US.len()],
    count: AtomicU64,
    sum_us: AtomicU64,
    checks: [AtomicU64; OUTCOMES.len()],
    in_flight: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics {
            requests: std::array::from_fn(|_| std::array::from_fn(|_| AtomicU64::new(0))),
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            count: AtomicU64::new(0),
            sum_us: AtomicU64::new(0),
            checks: std::array::from_fn(|_| AtomicU64::new(0)),
            in_flight: AtomicU64::new(0),
        }
    }
}

impl Metrics {
    pub(crate) fn started(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
    }

    /// A request answered: its route template, status and time taken.
    pub(crate) fn answered(&self, route: &str, status: u16, took: Duration) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
        let route = ROUTES
            .iter()
            .position(|r| *r == route)
            .unwrap_or(ROUTE_COUNT - 1);
        let status = STATUSES
            .iter()
            .position(|s| *s == status)
            .unwrap_or(STATUS_COUNT - 1);
        self.requests[route][status].fetch_add(1, Ordering::Relaxed);
        let us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        for (bound, bucket) in BUCKETS_US.iter().zip(&self.buckets) {
            if us <= *bound {
                bucket.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_us.fetch_add(us, Ordering::Relaxed);
    }

    pub(crate) fn checked(&self, outcome: CheckOutcome) {
        if let Some(i) = OUTCOMES.iter().position(|(o, _)| *o == outcome) {
            self.checks[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The Prometheus text exposition format (version 0.0.4).
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP credence_http_requests_total Requests answered, by route and status."
        );
        let _ = writeln!(out, "# TYPE credence_http_requests_total counter");
        for (r, route) in ROUTES.iter().enumerate() {
            for s in 0..STATUS_COUNT {
                let n = self.requests[r][s].load(Ordering::Relaxed);
                if n == 0 {
                    continue;
                }
                let status = STATUSES
                    .get(s)
                    .map_or_else(|| "other".to_owned(), u16::to_string);
                let _ = writeln!(
                    out,
                    "credence_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP credence_http_request_duration_seconds Time from a request's arrival to its answer."
        );
        let _ = writeln!(
            out,
            "# TYPE credence_http_request_duration_seconds histogram"
        );
        for (bound, bucket) in BUCKETS_US.iter().zip(&self.buckets) {
            let _ = writeln!(
                out,
                "credence_http_request_duration_seconds_bucket{{le=\"{}\"}} {}",
                *bound as f64 / 1e6,
                bucket.load(Ordering::Relaxed)
            );
        }
        let count = self.count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "credence_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            out,
            "credence_http_request_duration_seconds_sum {}",
            self.sum_us.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(out, "credence_http_request_duration_seconds_count {count}");
        let _ = writeln!(
            out,
            "# HELP credence_checks_total Relying parties' checks, by outcome."
        );
        let _ = writeln!(out, "# TYPE credence_checks_total counter");
        for ((_, name), n) in OUTCOMES.iter().zip(&self.checks) {
            let _ = writeln!(
                out,
                "credence_checks_total{{outcome=\"{name}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP credence_http_requests_in_flight Requests being worked on now."
        );
        let _ = writeln!(out, "# TYPE credence_http_requests_in_flight gauge");
        let _ = writeln!(
            out,
            "credence_http_requests_in_flight {}",
            self.in_flight.load(Ordering::Relaxed)
        );
        out
    }
}
