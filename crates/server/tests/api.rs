#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

//! The service driven in-process: every route for its role, every error path, the limits, and
//! every answer held against the OpenAPI document the service serves.

mod common;

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::Request;
use common::{Exchange, Recorder, Tokens, day, debtor, dishonest, fixture, request, stranger};
use credence_registry::registry::Registry;
use credence_server::{Config, Limits, Service};
use serde_json::{Value, json};
use tower::ServiceExt;

/// Sends `request` to `router` and records what comes back under `route`.
async fn send(
    recorder: &Recorder,
    router: &Router,
    route: &str,
    request: Request<Body>,
) -> Exchange {
    let method = request.method().to_string();
    let response = router
        .clone()
        .oneshot(request)
        .await
        .expect("the router answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(
        response.headers().contains_key("x-request-id"),
        "{method} {route}: every answer carries its request id"
    );
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("the body");
    let exchange = Exchange {
        method,
        route: route.to_owned(),
        status,
        content_type,
        body: body.to_vec(),
    };
    recorder.record(exchange.clone());
    exchange
}

/// A body that never ends: its first poll is announced, then it waits forever (a client that
/// stops sending).
struct Stalled {
    polled: Option<tokio::sync::oneshot::Sender<()>>,
}

impl http_body::Body for Stalled {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        if let Some(polled) = self.polled.take() {
            let _ = polled.send(());
        }
        Poll::Pending
    }
}

fn stalled() -> (Body, tokio::sync::oneshot::Receiver<()>) {
    let (tx, rx) = tokio::sync::oneshot::channel();
    (Body::new(Stalled { polled: Some(tx) }), rx)
}

fn check_body(subject: &str, measure: &str) -> Body {
    Body::from(json!({"subject": subject, "measure": measure}).to_string())
}

fn check(token: Option<&str>, body: Body) -> Request<Body> {
    request("POST", "/v1/checks", token, Some("application/json"), body)
}

fn problem_field(e: &Exchange) -> Value {
    assert_eq!(e.content_type, "application/problem+json", "{}", e.text());
    e.json()["field"].clone()
}

struct World {
    _dir: tempfile::TempDir,
    router: Router,
    /// A second service over the same registry, with a short request time.
    strict: Router,
    /// A third, that works on one request at a time.
    single: Router,
    tokens: Tokens,
    document: Value,
    paths: credence_store::Paths,
    recorder: Recorder,
}

fn world() -> World {
    let dir = tempfile::tempdir().expect("a directory");
    let (registry, tokens) = fixture(dir.path());
    let paths = credence_store::Paths::new(&dir.path().join("registry"));
    let shared = Arc::clone(registry.shared());
    let config = Config {
        paths: paths.clone(),
        limits: Limits {
            body_bytes: 1024,
            batch_bytes: 64 * 1024,
            ..Limits::default()
        },
        today: Some(day(common::TODAY)),
    };
    let service = Service::over(registry, config.clone());
    let document = serde_json::to_value(service.openapi()).expect("the document");
    let strict = Service::over(
        Registry::open_with(Arc::clone(&shared), &paths).expect("another handle"),
        Config {
            limits: Limits {
                request_timeout: Duration::from_millis(200),
                ..config.limits.clone()
            },
            ..config.clone()
        },
    );
    let single = Service::over(
        Registry::open_with(shared, &paths).expect("another handle"),
        Config {
            limits: Limits {
                concurrent: 1,
                ..config.limits.clone()
            },
            ..config
        },
    );
    World {
        _dir: dir,
        router: service.router(),
        strict: strict.router(),
        single: single.router(),
        tokens,
        document,
        paths,
        recorder: Recorder::default(),
    }
}

#[tokio::test]
async fn the_api_answers_as_documented_on_every_path() {
    let w = world();
    operations(&w).await;
    checks(&w).await;
    checks_refused(&w).await;
    subjects(&w).await;
    batches(&w).await;
    batches_refused(&w).await;
    limits(&w).await;
    // The document the service serves is the one it was built with, and every answer the
    // tests received conforms to it; every status it documents was received.
    let served = send(
        &w.recorder,
        &w.router,
        "/openapi.json",
        request("GET", "/openapi.json", None, None, Body::empty()),
    )
    .await;
    assert_eq!(served.json(), w.document);
    assert_eq!(w.document["openapi"], "3.1.0");
    common::conforms(&w.document, &w.recorder.all());
}

async fn operations(w: &World) {
    let r = &w.recorder;
    let health = send(
        r,
        &w.router,
        "/healthz",
        request("GET", "/healthz", None, None, Body::empty()),
    )
    .await;
    assert_eq!(
        (health.status, health.json()),
        (200, json!({"status": "ok"}))
    );
    let ready = send(
        r,
        &w.router,
        "/readyz",
        request("GET", "/readyz", None, None, Body::empty()),
    )
    .await;
    assert_eq!(ready.status, 200, "{}", ready.text());
    let metrics = send(
        r,
        &w.router,
        "/metrics",
        request("GET", "/metrics", None, None, Body::empty()),
    )
    .await;
    assert_eq!(metrics.status, 200);
    let text = metrics.text();
    assert!(
        text.contains("credence_http_requests_total{route=\"/healthz\",status=\"200\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("# TYPE credence_http_request_duration_seconds histogram"),
        "{text}"
    );
    assert!(
        text.contains("credence_checks_total{outcome=\"applies\"} 0"),
        "{text}"
    );
}

async fn checks(w: &World) {
    let r = &w.recorder;
    let t = &w.tokens;
    let applies = send(
        r,
        &w.router,
        "/v1/checks",
        check(Some(&t.airline), check_body(&debtor(), "no-flights")),
    )
    .await;
    assert_eq!(applies.status, 200, "{}", applies.text());
    let answer = applies.json();
    assert_eq!(answer["applies"], true);
    assert_eq!(answer["because"][0]["kind"], "listed");
    assert!(answer["until"].is_string(), "{answer}");
    assert!(
        answer["remedies"].as_array().is_some_and(|r| !r.is_empty()),
        "{answer}"
    );
    // Never a score, a case number or a reference.
    let said = applies.text();
    assert!(!said.contains("c1") && !said.contains("执"), "{said}");
    let free = send(
        r,
        &w.router,
        "/v1/checks",
        check(Some(&t.airline), check_body(&stranger(), "no-flights")),
    )
    .await;
    assert_eq!(
        (free.status, free.json()["applies"].clone()),
        (200, json!(false))
    );
    let metrics = send(
        r,
        &w.router,
        "/metrics",
        request("GET", "/metrics", None, None, Body::empty()),
    )
    .await;
    assert!(
        metrics
            .text()
            .contains("credence_checks_total{outcome=\"applies\"} 1"),
        "{}",
        metrics.text()
    );
    assert!(
        metrics
            .text()
            .contains("credence_checks_total{outcome=\"does-not-apply\"} 1"),
        "{}",
        metrics.text()
    );
}

async fn checks_refused(w: &World) {
    let r = &w.recorder;
    let t = &w.tokens;
    let route = "/v1/checks";
    let body = || check_body(&debtor(), "no-flights");

    let none = send(r, &w.router, route, check(None, body())).await;
    assert_eq!(none.status, 401);
    assert_eq!(problem_field(&none), "Authorization");
    assert!(none.text().contains("Bearer"), "{}", none.text());

    let bad = send(
        r,
        &w.router,
        route,
        check(Some("credence_not-a-token"), body()),
    )
    .await;
    assert_eq!(bad.status, 401);
    assert!(
        bad.text().contains("not one the registry issued"),
        "{}",
        bad.text()
    );

    let revoked = send(r, &w.router, route, check(Some(&t.revoked), body())).await;
    assert_eq!(revoked.status, 401);
    assert!(revoked.text().contains("revoked"), "{}", revoked.text());

    let malformed_header = send(
        r,
        &w.router,
        route,
        Request::builder()
            .method("POST")
            .uri(route)
            .header("authorization", "Basic dXNlcjpwYXNz")
            .body(body())
            .expect("a request"),
    )
    .await;
    assert_eq!(malformed_header.status, 401);

    for token in [&t.debtor, &t.court, &t.operator] {
        let wrong = send(r, &w.router, route, check(Some(token), body())).await;
        assert_eq!(wrong.status, 403, "{}", wrong.text());
        assert!(wrong.text().contains("relying-party"), "{}", wrong.text());
    }

    // The library applies no flight ban: it learns nothing, and the refusal is logged.
    let not_applied = send(r, &w.router, route, check(Some(&t.library), body())).await;
    assert_eq!(not_applied.status, 403, "{}", not_applied.text());
    assert_eq!(problem_field(&not_applied), "measure");
    assert!(
        !not_applied.text().contains("applies until"),
        "{}",
        not_applied.text()
    );

    let unknown = send(
        r,
        &w.router,
        route,
        check(Some(&t.airline), check_body(&debtor(), "no-such-measure")),
    )
    .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(problem_field(&unknown), "measure");

    let bad_id = send(
        r,
        &w.router,
        route,
        check(
            Some(&t.airline),
            check_body("110105194912310021", "no-flights"),
        ),
    )
    .await;
    assert_eq!(bad_id.status, 422, "{}", bad_id.text());
    assert_eq!(problem_field(&bad_id), "subject");

    for (body, field, says) in [
        ("{\"subject\": \"x\", ", "body", "not JSON"),
        ("[1, 2]", "body", "must be an object"),
        (
            "{\"subject\": 5, \"measure\": \"no-flights\"}",
            "subject",
            "must be a string",
        ),
        ("{\"subject\": \"x\"}", "measure", "is missing"),
        (
            "{\"subject\": \"x\", \"measure\": \"m\", \"score\": 1}",
            "score",
            "not a member",
        ),
    ] {
        let malformed = send(
            r,
            &w.router,
            route,
            check(Some(&t.airline), Body::from(body)),
        )
        .await;
        assert_eq!(malformed.status, 400, "{body}: {}", malformed.text());
        assert_eq!(problem_field(&malformed), field, "{body}");
        assert!(
            malformed.text().contains(says),
            "{body}: {}",
            malformed.text()
        );
    }

    let large = format!(
        "{{\"subject\": \"{}\", \"measure\": \"no-flights\"}}",
        "1".repeat(2000)
    );
    let too_large = send(
        r,
        &w.router,
        route,
        check(Some(&t.airline), Body::from(large)),
    )
    .await;
    assert_eq!(too_large.status, 413, "{}", too_large.text());
    assert_eq!(problem_field(&too_large), "body");
}

async fn subjects(w: &World) {
    let r = &w.recorder;
    let t = &w.tokens;
    for route in ["/v1/me/report", "/v1/me/accesses"] {
        let none = send(
            r,
            &w.router,
            route,
            request("GET", route, None, None, Body::empty()),
        )
        .await;
        assert_eq!(none.status, 401);
        let wrong = send(
            r,
            &w.router,
            route,
            request("GET", route, Some(&t.airline), None, Body::empty()),
        )
        .await;
        assert_eq!(wrong.status, 403);
        let revoked = send(
            r,
            &w.router,
            route,
            request("GET", route, Some(&t.revoked), None, Body::empty()),
        )
        .await;
        assert_eq!(revoked.status, 401);
    }
    let report = send(
        r,
        &w.router,
        "/v1/me/report",
        request("GET", "/v1/me/report", Some(&t.debtor), None, Body::empty()),
    )
    .await;
    assert_eq!(report.status, 200, "{}", report.text());
    let disclosed = report.json();
    assert_eq!(
        disclosed["subject"],
        format!("**************{}", &debtor()[14..])
    );
    assert!(
        disclosed["standing"]["lists"]
            .as_array()
            .is_some_and(|l| !l.is_empty())
    );
    // The airline's check and the library's refused question are both in the subject's log.
    let accesses = disclosed["accesses"].as_array().expect("accesses").clone();
    assert!(
        accesses.iter().any(|a| a["party"] == "airline"
            && a["outcome"]
                .as_str()
                .is_some_and(|o| o.starts_with("applies"))),
        "{accesses:?}"
    );
    assert!(
        accesses.iter().any(|a| a["party"] == "library"
            && a["outcome"]
                .as_str()
                .is_some_and(|o| o.starts_with("refused"))),
        "{accesses:?}"
    );
    assert!(
        accesses
            .iter()
            .any(|a| a["party"] == "subject" && a["purpose"] == "report"),
        "{accesses:?}"
    );
    let pseudonym = Registry::open_at(&w.paths)
        .expect("the registry")
        .pseudonym_of(&debtor())
        .expect("a pseudonym");
    assert!(!report.text().contains(&pseudonym));

    let read = send(
        r,
        &w.router,
        "/v1/me/accesses",
        request(
            "GET",
            "/v1/me/accesses",
            Some(&t.debtor),
            None,
            Body::empty(),
        ),
    )
    .await;
    assert_eq!(read.status, 200);
    let log = read.json();
    let log = log.as_array().expect("a list");
    assert_eq!(
        log.last().map(|a| a["purpose"].clone()),
        Some(json!("accesses")),
        "reading the log is logged first"
    );
    assert!(log.iter().any(|a| a["purpose"] == "report"));
    assert!(!read.text().contains(&pseudonym));

    // A subject the registry holds nothing about is answered from an empty file, and sees only
    // its own log: not the debtor's.
    let own = send(
        r,
        &w.router,
        "/v1/me/accesses",
        request(
            "GET",
            "/v1/me/accesses",
            Some(&t.stranger),
            None,
            Body::empty(),
        ),
    )
    .await;
    let own = own.json();
    assert!(
        own.as_array()
            .is_some_and(|a| a.iter().all(|x| x["party"] != "library")),
        "{own}"
    );
    let empty = send(
        r,
        &w.router,
        "/v1/me/report",
        request(
            "GET",
            "/v1/me/report",
            Some(&t.stranger),
            None,
            Body::empty(),
        ),
    )
    .await;
    assert_eq!(empty.status, 200);
    assert_eq!(empty.json()["events"], json!([]));
}

fn batch(token: Option<&str>, file: &str, content_type: &str, body: String) -> Request<Body> {
    request(
        "POST",
        &format!("/v1/batches?file={file}"),
        token,
        Some(content_type),
        Body::from(body),
    )
}

async fn batches(w: &World) {
    let r = &w.recorder;
    let t = &w.tokens;
    let newcomer = common::person("11010519900303003");
    let accepted = send(
        r,
        &w.router,
        "/v1/batches",
        batch(
            Some(&t.court),
            "court-2.jsonl",
            "application/jsonl",
            dishonest("c2", &newcomer, "2026-01-05"),
        ),
    )
    .await;
    assert_eq!(accepted.status, 200, "{}", accepted.text());
    assert_eq!(accepted.json()["appended"], 1);
    // Resubmitted: nothing new, nothing refused.
    let again = send(
        r,
        &w.router,
        "/v1/batches",
        batch(
            Some(&t.court),
            "court-2.jsonl",
            "application/x-ndjson; charset=utf-8",
            dishonest("c2", &newcomer, "2026-01-05"),
        ),
    )
    .await;
    assert_eq!(
        (again.status, again.json()["unchanged"].clone()),
        (200, json!(1))
    );
    // The record is visible to the next check.
    let applies = send(
        r,
        &w.router,
        "/v1/checks",
        check(Some(&t.airline), check_body(&newcomer, "no-flights")),
    )
    .await;
    assert_eq!(applies.json()["applies"], true, "{}", applies.text());
    // CSV by its Content-Type; the name gets the format's extension.
    let csv = format!(
        "ref,action,subject,category,date,case,court,ground,amount\nc3,record,{},court.dishonest-conduct,2026-02-01,(2026)京0105执3号,Chaoyang,refuses,100.00\n",
        common::person("11010519900404004")
    );
    let from_csv = send(
        r,
        &w.router,
        "/v1/batches",
        batch(Some(&t.court), "court-3", "text/csv", csv),
    )
    .await;
    assert_eq!(from_csv.status, 200, "{}", from_csv.text());
}

async fn batches_refused(w: &World) {
    let r = &w.recorder;
    let t = &w.tokens;
    let route = "/v1/batches";
    let good = || dishonest("c9", &debtor(), "2026-03-01");

    let none = send(
        r,
        &w.router,
        route,
        batch(None, "x.jsonl", "application/jsonl", good()),
    )
    .await;
    assert_eq!(none.status, 401);
    let revoked = send(
        r,
        &w.router,
        route,
        batch(Some(&t.revoked), "x.jsonl", "application/jsonl", good()),
    )
    .await;
    assert_eq!(revoked.status, 401);
    let wrong = send(
        r,
        &w.router,
        route,
        batch(Some(&t.airline), "x.jsonl", "application/jsonl", good()),
    )
    .await;
    assert_eq!(wrong.status, 403);

    let media = send(
        r,
        &w.router,
        route,
        batch(Some(&t.court), "x.jsonl", "application/xml", good()),
    )
    .await;
    assert_eq!(media.status, 415);
    assert_eq!(problem_field(&media), "Content-Type");
    let unnamed = send(
        r,
        &w.router,
        "/v1/batches",
        request(
            "POST",
            "/v1/batches",
            Some(&t.court),
            Some("application/jsonl"),
            Body::from(good()),
        ),
    )
    .await;
    assert_eq!(unnamed.status, 400);
    assert_eq!(problem_field(&unnamed), "file");
    let contradicts = send(
        r,
        &w.router,
        route,
        batch(Some(&t.court), "x.csv", "application/jsonl", good()),
    )
    .await;
    assert_eq!(contradicts.status, 400);
    assert_eq!(problem_field(&contradicts), "file");

    // Bad rows, each by line and field; nothing of the batch is kept.
    let rows = [
        good(),
        dishonest("c10", "110105194912310021", "2026-03-01"),
        r#"{"ref":"c11","action":"record","subject":"11010519491231002X","category":"court.dishonest-conduct","date":"2026-13-01","attributes":{"case":"x","court":"Chaoyang","ground":"refuses","amount":"1.00"}}"#.to_owned(),
        "{not json".to_owned(),
    ]
    .join("\n");
    let rejected = send(
        r,
        &w.router,
        route,
        batch(Some(&t.court), "bad.jsonl", "application/jsonl", rows),
    )
    .await;
    assert_eq!(rejected.status, 422, "{}", rejected.text());
    let problem = rejected.json();
    let errors = problem["errors"].as_array().expect("errors").clone();
    let at = |line: u64, field: &str| {
        errors
            .iter()
            .any(|e| e["line"] == line && e["field"] == field)
    };
    assert!(at(2, "subject"), "{errors:?}");
    assert!(at(3, "date"), "{errors:?}");
    assert!(errors.iter().any(|e| e["line"] == 4), "{errors:?}");
    assert!(!errors.iter().any(|e| e["line"] == 1), "{errors:?}");
    let kept = send(
        r,
        &w.router,
        "/v1/checks",
        check(Some(&t.airline), check_body(&debtor(), "no-flights")),
    )
    .await;
    assert_eq!(kept.status, 200);

    // Not UTF-8: refused with where it stops being UTF-8.
    let latin = send(
        r,
        &w.router,
        route,
        request(
            "POST",
            "/v1/batches?file=latin.csv",
            Some(&t.court),
            Some("text/csv"),
            Body::from(vec![b'r', b'e', b'f', 0xE9, b'\n']),
        ),
    )
    .await;
    assert_eq!(latin.status, 422, "{}", latin.text());
    assert!(latin.text().contains("UTF-8"), "{}", latin.text());

    let large = send(
        r,
        &w.router,
        route,
        batch(
            Some(&t.court),
            "big.jsonl",
            "application/jsonl",
            good().repeat(1000),
        ),
    )
    .await;
    assert_eq!(large.status, 413, "{}", large.text());
}

async fn limits(w: &World) {
    let r = &w.recorder;
    let t = &w.tokens;
    // A body that stops arriving: the request is answered 408 when its time is up, on each
    // route that reads a body.
    for (route, uri, content_type, token) in [
        ("/v1/checks", "/v1/checks", "application/json", &t.airline),
        (
            "/v1/batches",
            "/v1/batches?file=slow.jsonl",
            "application/jsonl",
            &t.court,
        ),
    ] {
        let (body, _) = stalled();
        let slow = send(
            r,
            &w.strict,
            route,
            request("POST", uri, Some(token), Some(content_type), body),
        )
        .await;
        assert_eq!(slow.status, 408, "{route}: {}", slow.text());
        assert_eq!(slow.content_type, "application/problem+json");
    }
    // One request at a time: while one is in progress, every route answers 503 at once.
    let (body, polled) = stalled();
    let single = w.single.clone();
    let held = request(
        "POST",
        "/v1/checks",
        Some(&t.airline),
        Some("application/json"),
        body,
    );
    let holder = tokio::spawn(async move { single.oneshot(held).await });
    polled.await.expect("the held request reads its body");
    for (method, route, uri, token) in [
        ("POST", "/v1/checks", "/v1/checks", Some(&t.airline)),
        (
            "POST",
            "/v1/batches",
            "/v1/batches?file=x.jsonl",
            Some(&t.court),
        ),
        ("GET", "/v1/me/report", "/v1/me/report", Some(&t.debtor)),
        ("GET", "/v1/me/accesses", "/v1/me/accesses", Some(&t.debtor)),
        ("GET", "/healthz", "/healthz", None),
        ("GET", "/readyz", "/readyz", None),
        ("GET", "/metrics", "/metrics", None),
        ("GET", "/openapi.json", "/openapi.json", None),
    ] {
        let busy = send(
            r,
            &w.single,
            route,
            request(
                method,
                uri,
                token.map(String::as_str),
                Some("application/json"),
                Body::from("{}"),
            ),
        )
        .await;
        assert_eq!(busy.status, 503, "{route}: {}", busy.text());
        assert!(busy.text().contains("try again"), "{}", busy.text());
    }
    // The client gives up: its request ends, and the service takes work again.
    holder.abort();
    assert!(holder.await.is_err_and(|e| e.is_cancelled()));
    let free = send(
        r,
        &w.single,
        "/healthz",
        request("GET", "/healthz", None, None, Body::empty()),
    )
    .await;
    assert_eq!(free.status, 200);

    // A registry whose witness no longer matches its history is not ready.
    let witness = w.paths.witness.clone();
    let kept = std::fs::read_to_string(&witness).expect("the witness");
    std::fs::write(
        &witness,
        format!("{kept}batch 999 digest 00 access 0:00 key x at 0 mac 00\n"),
    )
    .expect("written");
    let unready = send(
        r,
        &w.router,
        "/readyz",
        request("GET", "/readyz", None, None, Body::empty()),
    )
    .await;
    std::fs::write(&witness, kept).expect("restored");
    assert_eq!(unready.status, 503, "{}", unready.text());
    let ready = send(
        r,
        &w.router,
        "/readyz",
        request("GET", "/readyz", None, None, Body::empty()),
    )
    .await;
    assert_eq!(ready.status, 200, "{}", ready.text());
}
