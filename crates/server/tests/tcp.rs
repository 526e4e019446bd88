#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

//! The service over real TCP, with a client of raw HTTP/1.1 on `std::net`: a source submits a
//! record, a relying party's check applies, the subject reads its report; then a shutdown
//! while a request is half sent finishes that request before the service stops.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};

use common::{day, debtor, dishonest, fixture_at};
use credence_server::{Config, Limits, Service};
use serde_json::Value;

/// A response: status, headers (lower-case names) and body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Writes the head of a request (and `body`), with `Content-Length` of `length`.
fn start(
    addr: SocketAddr,
    method: &str,
    target: &str,
    token: Option<&str>,
    content_type: &str,
    length: usize,
    body: &[u8],
) -> TcpStream {
    let mut stream = TcpStream::connect(addr).expect("the service accepts");
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {length}\r\n"
    );
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    if !content_type.is_empty() {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("the head is sent");
    stream.write_all(body).expect("the body is sent");
    stream
}

/// Reads a whole response (the connection is closed after it).
fn finish(stream: TcpStream) -> Answer {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).expect("a status line");
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {line:?}"));
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).expect("a header");
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed.split_once(':').expect("name: value");
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    let mut body = Vec::new();
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok());
    match length {
        Some(length) => {
            body.resize(length, 0);
            reader.read_exact(&mut body).expect("the body");
        }
        None => {
            reader.read_to_end(&mut body).expect("the body");
        }
    }
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn call(
    addr: SocketAddr,
    method: &str,
    target: &str,
    token: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> Answer {
    finish(start(
        addr,
        method,
        target,
        token,
        content_type,
        body.len(),
        body,
    ))
}

#[test]
fn over_tcp_on_the_embedded_store() {
    let dir = tempfile::tempdir().expect("a directory");
    over_tcp(credence_store::Paths::new(&dir.path().join("registry")));
}

#[test]
fn over_tcp_on_postgres() {
    let schema = common::Schema::new();
    let dir = tempfile::tempdir().expect("a directory");
    over_tcp(
        credence_store::Paths::new(&dir.path().join("registry")).with_database(Some(schema.url())),
    );
}

/// A listing is submitted, checked and disclosed over TCP; a shutdown finishes the request it
/// finds half sent.
fn over_tcp(paths: credence_store::Paths) {
    let (registry, tokens) = fixture_at(&paths);
    let service = Service::over(
        registry,
        Config {
            paths: paths.clone(),
            limits: Limits::default(),
            today: Some(day(common::TODAY)),
        },
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a port");
    let addr = listener.local_addr().expect("its address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = runtime.spawn(service.serve(listener, async move {
        let _ = stopped.await;
    }));

    // A source submits a record that lists a new debtor.
    let newcomer = common::person("11010519900303003");
    let record = dishonest("c2", &newcomer, "2026-01-05");
    let accepted = call(
        addr,
        "POST",
        "/v1/batches?file=court-2.jsonl",
        Some(&tokens.court),
        "application/jsonl",
        record.as_bytes(),
    );
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert!(accepted.header("x-request-id").is_some());
    assert_eq!(accepted.json()["appended"], 1);

    // The airline's check applies, with reasons.
    let question = format!("{{\"subject\":\"{newcomer}\",\"measure\":\"no-flights\"}}");
    let answer = call(
        addr,
        "POST",
        "/v1/checks",
        Some(&tokens.airline),
        "application/json",
        question.as_bytes(),
    );
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert_eq!(answer.json()["applies"], true);
    let because = &answer.json()["because"][0];
    assert_eq!(because["kind"], "listed", "{}", answer.body);
    assert!(
        because["basis"].as_str().is_some_and(|b| !b.is_empty()),
        "{}",
        answer.body
    );

    // A problem over the wire is problem+json.
    let refused = call(
        addr,
        "POST",
        "/v1/checks",
        None,
        "application/json",
        question.as_bytes(),
    );
    assert_eq!(refused.status, 401);
    assert_eq!(
        refused.header("content-type"),
        Some("application/problem+json")
    );

    // A request half sent when the shutdown comes: the service stops accepting, finishes it,
    // and only then stops.
    let question = format!(
        "{{\"subject\":\"{}\",\"measure\":\"no-flights\"}}",
        debtor()
    );
    let (first, rest) = question.as_bytes().split_at(10);
    let pending = start(
        addr,
        "POST",
        "/v1/checks",
        Some(&tokens.airline),
        "application/json",
        question.len(),
        first,
    );
    // Wait until the service is working on it (two requests in flight: it and the metrics').
    loop {
        let metrics = call(addr, "GET", "/metrics", None, "", b"");
        if metrics.body.contains("credence_http_requests_in_flight 2") {
            break;
        }
        std::thread::yield_now();
    }
    stop.send(()).expect("the service listens for its shutdown");
    let mut pending = pending;
    pending.write_all(rest).expect("the rest of the body");
    let finished = finish(pending);
    assert_eq!(finished.status, 200, "{}", finished.body);
    assert_eq!(finished.json()["applies"], true);
    runtime
        .block_on(server)
        .expect("the service task")
        .expect("the service stopped cleanly");
    assert!(
        TcpStream::connect(addr).is_err(),
        "no connection is accepted after the shutdown"
    );

    // The subject sees both checks, the one answered during the shutdown included.
    let mut registry =
        credence_registry::registry::Registry::open_at(&paths).expect("the registry");
    let report = registry
        .report(&debtor(), day(common::TODAY), day(common::TODAY), 0)
        .expect("a report");
    let checks = report
        .accesses
        .iter()
        .filter(|a| a.party == "airline")
        .count();
    assert_eq!(checks, 1, "{:?}", report.accesses);
}
