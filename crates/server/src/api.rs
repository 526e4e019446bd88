//! The routes: each handler authorises its caller's token for one role, does its work on a
//! store handle on a blocking thread, and answers JSON, or a problem.

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use credence_registry::answer::{CheckAnswer, Report, SubjectAccess};
use credence_registry::tokens::{Presented, Principal, Role};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::metrics::CheckOutcome;
use crate::problem::{PROBLEM_JSON, Problem};
use crate::state::AppState;

/// The bearer token of the request, or why there is none.
fn bearer(headers: &HeaderMap) -> Result<String, Problem> {
    let unauthorised = |detail: &str| {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthorised",
            "No valid token",
            detail,
        )
        .field("Authorization")
    };
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(unauthorised(
            "this route needs a bearer token: send `Authorization: Bearer <token>` with a token \
             from `credence token issue`",
        ));
    };
    let value = value
        .to_str()
        .map_err(|_| unauthorised("the Authorization header is not text"))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim().to_owned())
        }
        _ => Err(unauthorised(
            "the Authorization header must be `Bearer <token>`",
        )),
    }
}

/// The principal of the request's token, if it holds `role`.
async fn authorise(
    state: &AppState,
    headers: &HeaderMap,
    role: Role,
) -> Result<Principal, Problem> {
    let token = bearer(headers)?;
    let presented = state
        .with_registry(move |registry, _| registry.present(&token))
        .await?;
    let unauthorised = |detail: String| {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthorised",
            "No valid token",
            detail,
        )
        .field("Authorization")
    };
    match presented {
        Presented::Valid { principal, .. } if principal.role() == role => Ok(principal),
        Presented::Valid { principal, .. } => Err(Problem::new(
            StatusCode::FORBIDDEN,
            "wrong-role",
            "Not permitted for this role",
            format!(
                "this route is for a principal in the role `{role}`; the token names a `{}`",
                principal.role()
            ),
        )
        .field("Authorization")),
        Presented::Revoked { id, .. } => Err(unauthorised(format!(
            "token `{id}` was revoked: ask the operator for a new one"
        ))),
        Presented::Unknown => Err(unauthorised(
            "the token is not one the registry issued".to_owned(),
        )),
    }
}

/// Reads a request body of at most `max` bytes; a larger one is refused as soon as it
/// crosses the limit.
async fn body_within(body: Body, max: usize) -> Result<Bytes, Problem> {
    axum::body::to_bytes(body, max).await.map_err(|e| {
        let too_large = std::error::Error::source(&e)
            .is_some_and(|s| s.to_string().contains("length limit"))
            || e.to_string().contains("length limit");
        if too_large {
            too_large_problem(max)
        } else {
            Problem::bad_request("body", format!("the body could not be read: {e}"))
        }
    })
}

pub(crate) fn too_large_problem(max: usize) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body-too-large",
        "Body too large",
        format!("the body holds more than {max} bytes, the most this route takes"),
    )
    .field("body")
}

/// A relying party's question.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub struct CheckRequest {
    /// The subject's identifier: a resident id, a USCC or `scheme:value`.
    pub subject: String,
    /// The measure asked about: one this relying party applies.
    pub measure: String,
}

/// A JSON object's string member `name`, or a problem naming it.
fn string_member(
    object: &serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> Result<String, Problem> {
    match object.get(name) {
        Some(serde_json::Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(Problem::bad_request(
            name,
            format!("`{name}` must be a string, not {}", json_kind(other)),
        )),
        None => Err(Problem::bad_request(name, format!("`{name}` is missing"))),
    }
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

impl CheckRequest {
    /// Reads the body, naming the field at fault: JSON that does not parse (with its line and
    /// column), a member missing or of the wrong type, a member this request does not have.
    fn parse(body: &[u8]) -> Result<CheckRequest, Problem> {
        let value: serde_json::Value = serde_json::from_slice(body)
            .map_err(|e| Problem::bad_request("body", format!("the body is not JSON: {e}")))?;
        let serde_json::Value::Object(object) = value else {
            return Err(Problem::bad_request(
                "body",
                format!(
                    "the body must be an object `{{\"subject\": ..., \"measure\": ...}}`, not {}",
                    json_kind(&value)
                ),
            ));
        };
        if let Some(unknown) = object
            .keys()
            .find(|k| !["subject", "measure"].contains(&k.as_str()))
        {
            return Err(Problem::bad_request(
                unknown,
                format!("`{unknown}` is not a member of a check: it has `subject` and `measure`"),
            ));
        }
        Ok(CheckRequest {
            subject: string_member(&object, "subject")?,
            measure: string_member(&object, "measure")?,
        })
    }
}

/// Whether a measure applies to a subject.
///
/// For a relying party, about a measure it applies (a permissible purpose): the decision, its
/// reasons, the legal basis, the end date and the subject's remedies; never a score, the file,
/// or another measure. Every check, answered or refused, is in the subject's access log before
/// the answer leaves.
#[utoipa::path(
    post,
    path = "/v1/checks",
    tag = "relying parties",
    request_body(content = CheckRequest, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The decision, with reasons, basis, end date and remedies", body = CheckAnswer),
        (status = 400, description = "Malformed JSON, or a member missing, of the wrong type or unknown (named in `field`)", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "No token, or one that is not valid or was revoked", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "Not a relying party's token, or a measure this party does not apply", body = Problem, content_type = PROBLEM_JSON),
        (status = 404, description = "No such measure in the policy in force", body = Problem, content_type = PROBLEM_JSON),
        (status = 408, description = "The request took longer than the service allows", body = Problem, content_type = PROBLEM_JSON),
        (status = 413, description = "The body is larger than the service takes", body = Problem, content_type = PROBLEM_JSON),
        (status = 422, description = "The subject's identifier is not valid", body = Problem, content_type = PROBLEM_JSON),
        (status = 503, description = "The service is at its limit of concurrent work: try again", body = Problem, content_type = PROBLEM_JSON),
    )
)]
pub(crate) async fn post_check(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<CheckAnswer>, Problem> {
    let principal = authorise(&state, &headers, Role::RelyingParty).await?;
    let Principal::RelyingParty { party } = principal else {
        return Err(Problem::internal("a relying party's token names no party"));
    };
    let body = body_within(body, state.limits().body_bytes).await?;
    let request = CheckRequest::parse(&body)?;
    let outcome = state
        .with_registry(move |registry, stamp| {
            registry.check(&request.subject, &request.measure, stamp.day, &party, stamp)
        })
        .await;
    state.metrics().checked(match &outcome {
        Ok(answer) if answer.applies => CheckOutcome::Applies,
        Ok(_) => CheckOutcome::DoesNotApply,
        Err(problem) if problem.kind == "measure-not-applied" => CheckOutcome::Refused,
        Err(_) => CheckOutcome::Failed,
    });
    outcome.map(Json)
}

/// The subject's own disclosure: its file, its explained standing, the measures that bind it
/// as a legal representative and who looked at it. Logged as the subject's own access.
#[utoipa::path(
    get,
    path = "/v1/me/report",
    tag = "subjects",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The disclosure the subject is owed", body = Report),
        (status = 401, description = "No token, or one that is not valid or was revoked", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "Not a subject's token", body = Problem, content_type = PROBLEM_JSON),
        (status = 503, description = "The service is at its limit of concurrent work: try again", body = Problem, content_type = PROBLEM_JSON),
    )
)]
pub(crate) async fn get_report(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Report>, Problem> {
    let Principal::Subject(subject) = authorise(&state, &headers, Role::Subject).await? else {
        return Err(Problem::internal("a subject's token names no subject"));
    };
    state
        .with_registry(move |registry, stamp| {
            registry.report_of(&subject, stamp.day, stamp.day, stamp)
        })
        .await
        .map(Json)
}

/// Who looked at the subject's standing, and what they were told (this reading included:
/// reading the log is logged too).
#[utoipa::path(
    get,
    path = "/v1/me/accesses",
    tag = "subjects",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every access, oldest first", body = Vec<SubjectAccess>),
        (status = 401, description = "No token, or one that is not valid or was revoked", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "Not a subject's token", body = Problem, content_type = PROBLEM_JSON),
        (status = 503, description = "The service is at its limit of concurrent work: try again", body = Problem, content_type = PROBLEM_JSON),
    )
)]
pub(crate) async fn get_accesses(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Vec<SubjectAccess>>, Problem> {
    let Principal::Subject(subject) = authorise(&state, &headers, Role::Subject).await? else {
        return Err(Problem::internal("a subject's token names no subject"));
    };
    state
        .with_registry(move |registry, stamp| registry.accesses_of(&subject, stamp))
        .await
        .map(Json)
}

/// The batch's name, as the source calls its file.
#[derive(Clone, Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BatchQuery {
    /// The file's name, kept with the batch for audit (`court-2026-11.jsonl`); its extension,
    /// when it has one, must agree with the Content-Type.
    pub file: Option<String>,
}

/// An accepted batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BatchAccepted {
    /// The batch's number in the registry's history.
    pub batch: i64,
    /// Events appended.
    pub appended: usize,
    /// Rows already held unchanged under the same references (resubmitting is harmless).
    pub unchanged: usize,
    /// Subjects whose standing was recomputed.
    pub subjects: usize,
    /// The batch chain's head after the batch (hex), as published to the witness.
    pub head: String,
}

/// The body's format from its Content-Type: the extension intake reads it by.
fn extension(headers: &HeaderMap) -> Result<&'static str, Problem> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "application/jsonl"
        | "application/x-ndjson"
        | "application/x-jsonlines"
        | "application/jsonlines" => Ok("jsonl"),
        "text/csv" => Ok("csv"),
        _ => Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported batch format",
            format!(
                "a batch is JSONL (`Content-Type: application/jsonl` or `application/x-ndjson`) \
                 or CSV (`text/csv`), not `{content_type}`"
            ),
        )
        .field("Content-Type")),
    }
}

/// The file name a batch is kept under: the given name, with the extension of its format.
fn batch_name(file: Option<String>, extension: &str) -> Result<String, Problem> {
    let Some(file) = file.filter(|f| !f.trim().is_empty()) else {
        return Err(Problem::bad_request(
            "file",
            "name the batch: `?file=NAME` (kept with the batch for audit)",
        ));
    };
    if let Some(message) = credence_model::text::forbidden_message(&file) {
        return Err(Problem::bad_request("file", message));
    }
    match std::path::Path::new(&file)
        .extension()
        .and_then(|e| e.to_str())
    {
        Some(given) if given.eq_ignore_ascii_case(extension) => Ok(file),
        Some(given)
            if ["jsonl", "ndjson", "csv"]
                .iter()
                .any(|known| given.eq_ignore_ascii_case(known)) =>
        {
            Err(Problem::bad_request(
                "file",
                format!("`{file}` names a .{given} file, but the Content-Type says {extension}"),
            ))
        }
        _ => Ok(format!("{file}.{extension}")),
    }
}

/// Submits a batch of records from the token's source, accepted whole or rejected whole.
///
/// The body is JSONL (one record object per line) or CSV (a header, then one row per record),
/// by its Content-Type, in the same format as `credence ingest` reads. A rejection lists every
/// bad row by line and field in `errors`; nothing of a rejected batch is kept. Resubmitting the
/// same rows is harmless (intake is idempotent on each row's `ref`).
#[utoipa::path(
    post,
    path = "/v1/batches",
    tag = "sources",
    params(BatchQuery),
    request_body(content = String, description = "The records: JSONL or CSV", content_type = "application/jsonl"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The batch was accepted whole", body = BatchAccepted),
        (status = 400, description = "No `file` name, or one whose extension contradicts the Content-Type", body = Problem, content_type = PROBLEM_JSON),
        (status = 401, description = "No token, or one that is not valid or was revoked", body = Problem, content_type = PROBLEM_JSON),
        (status = 403, description = "Not a source's token", body = Problem, content_type = PROBLEM_JSON),
        (status = 408, description = "The request took longer than the service allows (resubmitting is harmless)", body = Problem, content_type = PROBLEM_JSON),
        (status = 413, description = "The body is larger than the service takes", body = Problem, content_type = PROBLEM_JSON),
        (status = 415, description = "The Content-Type is not JSONL or CSV", body = Problem, content_type = PROBLEM_JSON),
        (status = 422, description = "The batch was rejected whole: every bad row by line and field in `errors`", body = Problem, content_type = PROBLEM_JSON),
        (status = 503, description = "The service is at its limit of concurrent work: try again", body = Problem, content_type = PROBLEM_JSON),
    )
)]
pub(crate) async fn post_batch(
    State(state): State<AppState>,
    Query(query): Query<BatchQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<BatchAccepted>, Problem> {
    let Principal::Source { source } = authorise(&state, &headers, Role::Source).await? else {
        return Err(Problem::internal("a source's token names no source"));
    };
    let extension = extension(&headers)?;
    let name = batch_name(query.file, extension)?;
    let bytes = body_within(body, state.limits().batch_bytes).await?;
    let receipt = state
        .with_registry(move |registry, stamp| {
            registry.ingest(
                &name,
                &bytes[..],
                &source,
                stamp.day,
                stamp.at_ms,
                &mut |_, _| {},
            )
        })
        .await?;
    Ok(Json(BatchAccepted {
        batch: receipt.batch,
        appended: receipt.appended,
        unchanged: receipt.unchanged,
        subjects: receipt.subjects,
        head: receipt.head,
    }))
}

/// The service's own state.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
}

/// Whether the process answers at all (liveness).
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses(
        (status = 200, description = "The process answers", body = Health),
        (status = 503, description = "The service is at its limit of concurrent work: try again", body = Problem, content_type = PROBLEM_JSON),
    )
)]
pub(crate) async fn get_health() -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
    })
}

/// Whether the service can answer from its registry now (readiness): its history verifies
/// against the witness, and it is not shutting down.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready to answer", body = Health),
        (status = 503, description = "Not ready: shutting down, the store is unreachable, or its history does not verify; or the service is at its limit of concurrent work", body = Problem, content_type = PROBLEM_JSON),
    )
)]
pub(crate) async fn get_ready(State(state): State<AppState>) -> Result<Json<Health>, Problem> {
    let not_ready = |detail: String| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not-ready",
            "Not ready",
            detail,
        )
    };
    if !state.accepting() {
        return Err(not_ready("the service is shutting down".to_owned()));
    }
    state
        .with_registry(|registry, _| {
            credence_store::Store::verify_published(registry.store())?;
            Ok(())
        })
        .await
        .map_err(|problem| not_ready(problem.detail))?;
    Ok(Json(Health {
        status: "ok".to_owned(),
    }))
}

/// The service's metrics in the Prometheus text format: requests by route and status, a
/// latency histogram, checks by outcome, requests in flight.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses(
        (status = 200, description = "Prometheus text exposition format 0.0.4", body = String, content_type = "text/plain"),
        (status = 503, description = "The service is at its limit of concurrent work: try again", body = Problem, content_type = PROBLEM_JSON),
    )
)]
pub(crate) async fn get_metrics(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics().render(),
    )
        .into_response()
}
