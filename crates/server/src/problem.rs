//! Errors as `application/problem+json` (RFC 9457): a type, a title, the status, a detail in
//! words, and the field (or, for a refused batch, every row by line and field) at fault.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use credence_registry::registry::RegistryError;
use credence_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every error.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error answer (RFC 9457).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct Problem {
    /// What kind of problem it is: a URI naming it (`urn:credence:problem:...`); the field
    /// holds its last part.
    #[serde(rename = "type", serialize_with = "urn")]
    pub kind: &'static str,
    /// The kind of problem in words, the same for every occurrence.
    pub title: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// This occurrence in words: what is wrong and how to put it right.
    pub detail: String,
    /// The request field at fault (`measure`, `subject`, `file`, the body as a whole: `body`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// A refused batch: every bad row by line and field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<RowProblem>,
}

/// One bad row of a refused batch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct RowProblem {
    /// 1-based line of the body (for CSV the header is line 1).
    pub line: usize,
    /// The field as named in the body (`subject`; `attributes.amount` in JSONL, `amount` in
    /// CSV), or `-` for the row as a whole.
    pub field: String,
    pub detail: String,
}

impl Problem {
    pub fn new(
        status: StatusCode,
        kind: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Problem {
        Problem {
            kind,
            title,
            status: status.as_u16(),
            detail: detail.into(),
            field: None,
            errors: Vec::new(),
        }
    }

    /// The same problem, naming the request field at fault.
    pub fn field(mut self, field: &str) -> Problem {
        self.field = Some(field.to_owned());
        self
    }

    pub fn bad_request(field: &str, detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-request",
            "Bad request",
            detail,
        )
        .field(field)
    }

    pub fn internal(detail: impl Into<String>) -> Problem {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            detail,
        )
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// A problem's kind as the URI RFC 9457 asks for.
fn urn<S: serde::Serializer>(kind: &&'static str, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&format_args!("urn:credence:problem:{kind}"))
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"credence\""),
            );
        }
        response
    }
}

impl From<RegistryError> for Problem {
    fn from(error: RegistryError) -> Problem {
        let detail = error.to_string();
        match error {
            RegistryError::Identifier(..) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid-identifier",
                "Invalid identifier",
                detail,
            )
            .field("subject"),
            RegistryError::UnknownMeasure(_) => Problem::new(
                StatusCode::NOT_FOUND,
                "unknown-measure",
                "No such measure",
                detail,
            )
            .field("measure"),
            RegistryError::NotPermitted { .. } => Problem::new(
                StatusCode::FORBIDDEN,
                "measure-not-applied",
                "Not a measure this party applies",
                detail,
            )
            .field("measure"),
            RegistryError::Rejected(errors) => {
                // The summary only: the lines after it are the rows, given in `errors`.
                let detail = detail.lines().next().unwrap_or_default().to_owned();
                let rows = errors
                    .errors
                    .iter()
                    .map(|e| RowProblem {
                        line: e.line,
                        field: e.field.clone(),
                        detail: e.message.clone(),
                    })
                    .collect();
                Problem {
                    errors: rows,
                    ..Problem::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "batch-rejected",
                        "Batch rejected: nothing of it was accepted",
                        detail,
                    )
                    .field("body")
                }
            }
            RegistryError::Format(_) => Problem::bad_request("file", detail),
            RegistryError::Read(_) => Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unreadable-batch",
                "Batch not readable",
                detail,
            )
            .field("body"),
            RegistryError::Time(_) | RegistryError::Store(StoreError::RecordedBackwards { .. }) => {
                Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "time-backwards",
                    "Recorded time only moves forward",
                    detail,
                )
            }
            RegistryError::Store(StoreError::Tampered(_) | StoreError::RolledBack { .. }) => {
                // Nothing is answered from a history that does not verify.
                Problem::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "history-altered",
                    "History altered: nothing is answered from it",
                    detail,
                )
            }
            RegistryError::Store(StoreError::Busy { .. }) => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "Busy: try again",
                detail,
            ),
            _ => Problem::internal(detail),
        }
    }
}
