//! What the service's tests share: a registry of the shipped packs with records and tokens, a
//! recorder of every exchange, and a validator of answers against the OpenAPI document.

#![allow(dead_code, reason = "each test binary uses its own part")]

use std::path::Path;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use credence_model::Day;
use credence_model::id::resident_id_check_char;
use credence_policy::PolicySource;
use credence_registry::registry::Registry;
use credence_registry::tokens::Role;
use serde_json::Value;

pub const TODAY: &str = "2026-11-01";
pub const ORGANISATION: &str = "91110000600037341L";

pub fn day(text: &str) -> Day {
    Day::parse(text).expect("a date")
}

pub fn person(first17: &str) -> String {
    format!(
        "{first17}{}",
        resident_id_check_char(first17).expect("17 digits")
    )
}

/// The listed debtor of the fixture.
pub fn debtor() -> String {
    person("11010519491231002")
}

/// Someone the registry holds nothing about.
pub fn stranger() -> String {
    person("11010519800202002")
}

/// Every shipped pack and the shipped sources file.
pub fn shipped_packs() -> (Vec<PolicySource>, String) {
    let policies = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies");
    let mut packs: Vec<PolicySource> = std::fs::read_dir(&policies)
        .expect("the policies directory")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && !p.ends_with("sources.toml"))
        .map(|p| PolicySource {
            name: p.display().to_string(),
            text: std::fs::read_to_string(&p).expect("a pack"),
        })
        .collect();
    packs.sort_by(|a, b| a.name.cmp(&b.name));
    let sources = std::fs::read_to_string(policies.join("sources.toml")).expect("the sources file");
    (packs, sources)
}

/// A dishonest-conduct record (the ground `refuses`) of the court about `subject`.
pub fn dishonest(reference: &str, subject: &str, date: &str) -> String {
    format!(
        r#"{{"ref":"{reference}","action":"record","subject":"{subject}","category":"court.dishonest-conduct","date":"{date}","attributes":{{"case":"(2025)京0105执{reference}号","court":"Chaoyang","ground":"refuses","amount":"50000.00"}}}}"#
    )
}

/// The tokens of the fixture, one per principal.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub court: String,
    pub airline: String,
    pub library: String,
    pub debtor: String,
    pub stranger: String,
    pub operator: String,
    pub revoked: String,
}

/// A PostgreSQL schema of its own for one test (in `CREDENCE_TEST_DATABASE_URL`, by default
/// `postgres://postgres@127.0.0.1:5432/test`), dropped when it ends.
pub struct Schema {
    base: String,
    name: String,
}

impl Schema {
    pub fn new() -> Schema {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let base = std::env::var(credence_store::postgres::TEST_DATABASE_ENV)
            .unwrap_or_else(|_| credence_store::postgres::TEST_DATABASE_DEFAULT.to_owned());
        let name = format!(
            "credence_server_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let mut client = postgres::Client::connect(&base, postgres::NoTls).expect("PostgreSQL");
        client
            .batch_execute(&format!("CREATE SCHEMA {name}"))
            .expect("a schema");
        Schema { base, name }
    }

    /// The URL whose connections work in this schema.
    pub fn url(&self) -> String {
        let separator = if self.base.contains('?') { '&' } else { '?' };
        format!(
            "{}{separator}options=-c%20search_path%3D{}",
            self.base, self.name
        )
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.base, postgres::NoTls) {
            let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}

/// A registry in `dir` with the shipped packs, the debtor listed by the court, and a token for
/// each principal (one revoked).
pub fn fixture(dir: &Path) -> (Registry, Tokens) {
    fixture_at(&credence_store::Paths::new(&dir.join("registry")))
}

/// [`fixture`] with the registry's files (and database) at `paths`.
pub fn fixture_at(paths: &credence_store::Paths) -> (Registry, Tokens) {
    let (packs, sources) = shipped_packs();
    let mut registry =
        Registry::init_at(paths, packs, "sources.toml", &sources).expect("a new registry");
    registry
        .ingest(
            "court.jsonl",
            &dishonest("c1", &debtor(), "2025-06-01"),
            "court",
            day(TODAY),
            0,
            &mut |_, _| {},
        )
        .expect("the court's records");
    let mut issue =
        |role: Role, named: &str| registry.issue_token(role, named, 1).expect("a token").0;
    let tokens = Tokens {
        court: issue(Role::Source, "court"),
        airline: issue(Role::RelyingParty, "airline"),
        library: issue(Role::RelyingParty, "library"),
        debtor: issue(Role::Subject, &debtor()),
        stranger: issue(Role::Subject, &stranger()),
        operator: issue(Role::Operator, "Wang Fang"),
        revoked: issue(Role::RelyingParty, "railway"),
    };
    let id = registry
        .tokens()
        .expect("the tokens")
        .into_iter()
        .find(|t| t.principal == "railway")
        .expect("the railway's token")
        .id;
    registry.revoke_token(&id, 2).expect("revoked");
    (registry, tokens)
}

/// One exchange with the service, as received.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: String,
    /// The route's template, as the document names it.
    pub route: String,
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Exchange {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} {} answered {} with no JSON ({e}): {}",
                self.method,
                self.route,
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Every exchange of a test, to hold against the document at the end.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    pub exchanges: Arc<Mutex<Vec<Exchange>>>,
}

impl Recorder {
    pub fn record(&self, exchange: Exchange) {
        self.exchanges.lock().expect("the recorder").push(exchange);
    }

    pub fn all(&self) -> Vec<Exchange> {
        self.exchanges.lock().expect("the recorder").clone()
    }
}

/// A request to `route` (its template: `/v1/batches` for `/v1/batches?file=x`).
pub fn request(
    method: &str,
    uri: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: Body,
) -> Request<Body> {
    let mut builder = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        builder = builder.header("authorization", format!("Bearer {token}"));
    }
    if let Some(content_type) = content_type {
        builder = builder.header("content-type", content_type);
    }
    builder.body(body).expect("a request")
}

/// Whether `value` is of the JSON Schema type `ty`.
fn of_type(ty: &str, value: &Value) -> bool {
    match ty {
        "null" => value.is_null(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        "boolean" => value.is_boolean(),
        _ => false,
    }
}

/// Checks `value` against `schema` (the subset of JSON Schema the document uses: `$ref`,
/// `allOf`, `oneOf`, `anyOf`, `type`, `enum`, `required`, `properties`,
/// `additionalProperties: false`, `items`), resolving references in `document`.
pub fn validate(document: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .ok_or_else(|| format!("{at}: reference {reference} outside the components"))?;
        let target = &document["components"]["schemas"][name];
        if target.is_null() {
            return Err(format!("{at}: no schema {name}"));
        }
        return validate(document, target, value, at);
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for part in all {
            validate(document, part, value, at)?;
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let errors: Vec<String> = options
                .iter()
                .filter_map(|o| validate(document, o, value, at).err())
                .collect();
            if errors.len() == options.len() {
                return Err(format!("{at}: matches none of {key}: {errors:?}"));
            }
        }
    }
    match schema.get("type") {
        Some(Value::String(ty)) if !of_type(ty, value) => {
            return Err(format!("{at}: {value} is not of type {ty}"));
        }
        Some(Value::Array(types))
            if !types
                .iter()
                .any(|t| t.as_str().is_some_and(|t| of_type(t, value))) =>
        {
            return Err(format!("{at}: {value} is none of the types {types:?}"));
        }
        _ => {}
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        return Err(format!("{at}: {value} is not one of {options:?}"));
    }
    if let Value::Object(object) = value {
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if !object.contains_key(name) {
                    return Err(format!("{at}: required member `{name}` is missing"));
                }
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        if let Some(properties) = properties {
            for (name, inner) in object {
                if let Some(property) = properties.get(name) {
                    validate(document, property, inner, &format!("{at}.{name}"))?;
                } else if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
                    return Err(format!("{at}: member `{name}` is not in the schema"));
                }
            }
        }
    }
    if let (Value::Array(items), Some(item)) = (value, schema.get("items")) {
        for (i, inner) in items.iter().enumerate() {
            validate(document, item, inner, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

/// Holds every exchange against the document: its route, method and status are documented,
/// its content type is the documented one, and its body validates against the documented
/// schema. Then every status the document gives for every route must have been received.
pub fn conforms(document: &Value, exchanges: &[Exchange]) {
    let mut problems = Vec::new();
    for e in exchanges {
        let operation = &document["paths"][&e.route][e.method.to_ascii_lowercase()];
        if operation.is_null() {
            problems.push(format!("{} {} is not in the document", e.method, e.route));
            continue;
        }
        let response = &operation["responses"][e.status.to_string()];
        if response.is_null() {
            problems.push(format!(
                "{} {} answered {}, a status the document does not give",
                e.method, e.route, e.status
            ));
            continue;
        }
        let media = e.content_type.split(';').next().unwrap_or("").trim();
        let Some(content) = response["content"].get(media) else {
            problems.push(format!(
                "{} {} {} answered `{media}`, documented: {}",
                e.method, e.route, e.status, response["content"]
            ));
            continue;
        };
        let body = if media.starts_with("text/") {
            Value::String(e.text())
        } else {
            e.json()
        };
        if let Err(why) = validate(document, &content["schema"], &body, "body") {
            problems.push(format!("{} {} {}: {why}", e.method, e.route, e.status));
        }
    }
    for (route, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("a path item") {
            for status in operation["responses"]
                .as_object()
                .expect("responses")
                .keys()
            {
                let produced = exchanges.iter().any(|e| {
                    &e.route == route
                        && e.method.eq_ignore_ascii_case(method)
                        && e.status.to_string() == *status
                });
                if !produced {
                    problems.push(format!(
                        "{method} {route} documents {status}, which no test received"
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A status as a number, for messages.
pub fn code(status: StatusCode) -> u16 {
    status.as_u16()
}
