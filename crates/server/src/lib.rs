//! credence as an HTTP service: the registry's API over the same library as the command line
//! (`credence serve`).
//!
//! One registry is opened once: its shared state (the compiled policy, the sources, the
//! relying parties, the keys) is built once and shared by every request; each request takes a
//! store handle from a small pool and does its store work on a blocking thread. Every caller
//! presents a bearer token naming one principal in one role ([`credence_registry::tokens`]);
//! each route serves one role:
//!
//! | route | role | what |
//! |---|---|---|
//! | `POST /v1/checks` | relying party | whether a measure it applies applies to a subject |
//! | `GET /v1/me/report` | subject | its own disclosure |
//! | `GET /v1/me/accesses` | subject | who looked at it, and what they were told |
//! | `POST /v1/batches?file=NAME` | source | a batch of records, accepted or rejected whole |
//! | `GET /healthz`, `/readyz`, `/metrics`, `/openapi.json` | anyone | operations |
//!
//! Answers are JSON; errors are `application/problem+json` (RFC 9457, [`problem::Problem`])
//! naming the field at fault. The OpenAPI 3.1 document at `/openapi.json` is generated from
//! the handlers' declarations, so it lists exactly the routes the router serves. Every request
//! carries an `x-request-id` (made when the client sends none) in its log span and its answer.
//! Limits ([`Limits`]): the size of a body, the time a request may take and the work in
//! progress at once, each answered with a problem (413, 408, 503) when exceeded. On SIGTERM or
//! Ctrl-C the service stops accepting connections and finishes the requests it has accepted.

mod api;
mod metrics;
pub mod problem;
mod state;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use credence_model::Day;
use credence_registry::registry::{Registry, RegistryError};
use credence_store::Paths;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use api::{BatchAccepted, BatchQuery, CheckRequest, Health};
pub use problem::{PROBLEM_JSON, Problem, RowProblem};
use state::AppState;

/// What the service takes before it refuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The largest JSON body (a check), in bytes.
    pub body_bytes: usize,
    /// The largest batch body, in bytes (a batch is also held to the limits of a submitted
    /// file: rows, line length).
    pub batch_bytes: usize,
    /// The longest a request may take, from its arrival to its answer (reading its body
    /// included).
    pub request_timeout: Duration,
    /// Requests worked on at once; more are refused at once (503) rather than queued.
    pub concurrent: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            body_bytes: 64 * 1024,
            batch_bytes: 256 * 1024 * 1024,
            request_timeout: Duration::from_secs(60),
            concurrent: 64,
        }
    }
}

/// A service to run over a registry.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where the registry's files (and database) are.
    pub paths: Paths,
    pub limits: Limits,
    /// The registry's date, when it is not today's (UTC): to replay history, or in tests.
    pub today: Option<Day>,
}

/// The service, built over an open registry: its router and the OpenAPI document that
/// describes it.
pub struct Service {
    router: Router,
    openapi: utoipa::openapi::OpenApi,
    state: AppState,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field(
                "routes",
                &self.openapi.paths.paths.keys().collect::<Vec<_>>(),
            )
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "credence",
        description = "A transparent, appealable credit registry: relying parties ask about the measures they apply, subjects read their own file and who looked at it, sources submit records. Every read of a subject's data is in its access log before the answer leaves. Errors are application/problem+json (RFC 9457)."
    ),
    modifiers(&BearerScheme),
    components(schemas(Problem, RowProblem))
)]
struct ApiDoc;

/// Declares the bearer token scheme every `security(("bearer" = []))` route names.
struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The OpenAPI document, served at `/openapi.json`.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    responses(
        (status = 200, description = "This document (OpenAPI 3.1)", body = Object),
        (status = 503, description = "The service is at its limit of concurrent work: try again", body = Problem, content_type = PROBLEM_JSON),
    )
)]
async fn get_openapi(State(document): State<std::sync::Arc<String>>) -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        document.as_str().to_owned(),
    )
        .into_response()
}

impl Service {
    /// Opens the registry at `config.paths` (checking its history as every command does) and
    /// builds the service over it.
    pub fn open(config: Config) -> Result<Service, RegistryError> {
        let registry = Registry::open_at(&config.paths)?;
        Ok(Service::over(registry, config))
    }

    /// The service over a registry already open (its handle becomes the pool's first).
    pub fn over(registry: Registry, config: Config) -> Service {
        let state = AppState::new(registry, config.paths, config.limits, config.today);
        let (api, openapi) = OpenApiRouter::with_openapi(ApiDoc::openapi())
            .routes(routes!(api::post_check))
            .routes(routes!(api::get_report))
            .routes(routes!(api::get_accesses))
            .routes(routes!(api::post_batch))
            .routes(routes!(api::get_health))
            .routes(routes!(api::get_ready))
            .routes(routes!(api::get_metrics))
            .with_state(state.clone())
            .split_for_parts();
        // The document describes its own route too, so it is added before it is written.
        let (docs, document_paths) = OpenApiRouter::<std::sync::Arc<String>>::new()
            .routes(routes!(get_openapi))
            .split_for_parts();
        let mut openapi = openapi;
        openapi.paths.paths.extend(document_paths.paths.paths);
        let document = std::sync::Arc::new(openapi.to_json().unwrap_or_default());
        let router = api.merge(docs.with_state(document));
        let router = router
            .layer(middleware::from_fn_with_state(state.clone(), guard))
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(
                TraceLayer::new_for_http().make_span_with(|request: &Request| {
                    let id = request
                        .extensions()
                        .get::<RequestId>()
                        .and_then(|id| id.header_value().to_str().ok())
                        .unwrap_or("-")
                        .to_owned();
                    tracing::info_span!(
                        "request",
                        request_id = %id,
                        method = %request.method(),
                        path = %request.uri().path(),
                    )
                }),
            )
            .layer(SetRequestIdLayer::x_request_id(SequentialId::default()));
        Service {
            router,
            openapi,
            state,
        }
    }

    /// The router, to serve or to drive in-process.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// The OpenAPI document the service serves at `/openapi.json`.
    pub fn openapi(&self) -> &utoipa::openapi::OpenApi {
        &self.openapi
    }

    /// Serves on `listener` until `shutdown` completes; then stops accepting connections and
    /// finishes the requests already accepted before it returns.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let state = self.state.clone();
        let shutdown = async move {
            shutdown.await;
            state.stop_accepting();
            tracing::info!("shutting down: finishing the requests accepted");
        };
        axum::serve(listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await
    }
}

/// Runs the service on `addr` until SIGTERM or Ctrl-C (the command `credence serve`).
pub fn run(config: Config, addr: SocketAddr) -> Result<(), ServeError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(ServeError::Io)?;
    let service = Service::open(config)?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| ServeError::Bind(addr, e))?;
        let bound = listener.local_addr().map_err(ServeError::Io)?;
        tracing::info!(%bound, "serving");
        eprintln!("credence serving on http://{bound} (the API is described at /openapi.json)");
        let stopping = async {
            terminated().await;
            eprintln!("credence stopping: finishing the requests accepted");
        };
        service
            .serve(listener, stopping)
            .await
            .map_err(ServeError::Io)?;
        eprintln!("credence stopped");
        Ok(())
    })
}

/// Why the service could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    #[error("{0}")]
    Io(std::io::Error),
}

/// Completes on SIGTERM or Ctrl-C.
async fn terminated() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

/// Holds every request to the service's limits and counts its answer: more requests at once
/// than the limit are refused at once (503), and one that takes longer than the request time
/// (a body sent too slowly, work that takes too long) is answered 408; every answer is counted
/// by route and status, with its latency.
async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "other".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    state.metrics().started();
    let response = match state.permit() {
        None => Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "Too much work at once",
            "the service is working on as many requests as it takes at once: try again shortly",
        )
        .into_response(),
        Some(permit) => {
            let answered =
                tokio::time::timeout(state.limits().request_timeout, next.run(request)).await;
            drop(permit);
            answered.unwrap_or_else(|_| {
                Problem::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "request-timeout",
                    "Request took too long",
                    "the request was not answered within the time the service allows (a body \
                     sent too slowly, or work that took too long); a batch may be resubmitted: \
                     intake is idempotent",
                )
                .into_response()
            })
        }
    };
    let took = started.elapsed();
    state
        .metrics()
        .answered(&route, response.status().as_u16(), took);
    tracing::info!(
        status = response.status().as_u16(),
        micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
        "answered"
    );
    response
}

/// Request ids for requests that bring none: the process's start time and a counter.
#[derive(Clone, Debug)]
struct SequentialId {
    prefix: String,
    next: std::sync::Arc<AtomicU64>,
}

impl Default for SequentialId {
    fn default() -> SequentialId {
        SequentialId {
            prefix: format!("{:x}", state::now_ms()),
            next: std::sync::Arc::new(AtomicU64::new(1)),
        }
    }
}

impl MakeRequestId for SequentialId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}
