#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

//! `credence token`: a token is printed once and kept as its hash, listed without it, and
//! revoked by its id; `credence serve --help` says what the service does and how to call it.

mod common;

use common::{credence, ok, policies, sources};

fn init(dir: &std::path::Path) -> String {
    let registry = dir.join("registry");
    let reg = registry.to_str().unwrap().to_owned();
    let sources = sources();
    let mut args = vec!["init", reg.as_str(), "--sources", &sources, "--policy"];
    let policies = policies();
    args.extend(policies.iter().map(String::as_str));
    ok(&args);
    reg
}

#[test]
fn a_token_is_printed_once_kept_as_its_hash_listed_and_revoked() {
    let root = tempfile::tempdir().unwrap();
    let reg = init(root.path());
    let token = ok(&[
        "--registry",
        &reg,
        "token",
        "issue",
        "--role",
        "relying-party",
        "--for",
        "airline",
    ]);
    let token = token.trim();
    assert!(
        token.starts_with("credence_") && token.len() > 60,
        "{token}"
    );
    let subject = ok(&[
        "--registry",
        &reg,
        "token",
        "issue",
        "--role",
        "subject",
        "--for",
        "11010519491231002X",
        "--json",
    ]);
    let subject: serde_json::Value = serde_json::from_str(&subject).unwrap();
    assert_eq!(
        subject["for"], "**************002X",
        "a subject is shown masked"
    );

    let listed = ok(&["--registry", &reg, "token", "list"]);
    assert!(
        listed.contains("relying-party") && listed.contains("airline"),
        "{listed}"
    );
    assert!(listed.contains("**************002X"), "{listed}");
    assert!(
        !listed.contains("11010519491231002X"),
        "never the identifier: {listed}"
    );
    assert!(!listed.contains(token), "never the token: {listed}");
    // The database holds the token's hash, not the token.
    let db = std::fs::read(root.path().join("registry/registry.db")).unwrap();
    let text = String::from_utf8_lossy(&db);
    assert!(!text.contains(token));
    assert!(!text.contains("11010519491231002X"));

    let id = listed
        .lines()
        .find(|l| l.contains("airline"))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let revoked = ok(&["--registry", &reg, "token", "revoke", &id]);
    assert!(revoked.contains(&id), "{revoked}");
    let listed = ok(&["--registry", &reg, "token", "list"]);
    assert!(
        listed
            .lines()
            .any(|l| l.contains(&id) && l.contains("REVOKED")),
        "{listed}"
    );
}

#[test]
fn a_token_for_no_registered_principal_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let reg = init(root.path());
    for (role, named, code, says) in [
        (
            "source",
            "tax-bureau-of-nowhere",
            4,
            "registered sources are",
        ),
        ("relying-party", "casino", 4, "relying parties are"),
        ("subject", "110105194912310021", 3, "110105194912310021"),
        ("operator", "", 3, "--for NAME"),
        ("auditor", "Li\u{1b}[2J", 3, "auditor"),
    ] {
        let out = credence(&[
            "--registry",
            &reg,
            "token",
            "issue",
            "--role",
            role,
            "--for",
            named,
        ]);
        assert_eq!(out.status.code(), Some(code), "{role} {named}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{role}: {stderr}");
        assert!(out.stdout.is_empty(), "no token printed: {out:?}");
    }
    let bad_role = credence(&[
        "--registry",
        &reg,
        "token",
        "issue",
        "--role",
        "judge",
        "--for",
        "x",
    ]);
    assert_eq!(bad_role.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_role.stderr).contains("relying-party"));
    let unknown = credence(&["--registry", &reg, "token", "revoke", "000000000000"]);
    assert_eq!(unknown.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("token list"));
    assert!(ok(&["--registry", &reg, "token", "list"]).contains("no tokens issued"));
}

#[test]
fn serve_help_teaches_the_routes_the_roles_and_a_first_call() {
    let help = ok(&["serve", "--help"]);
    for taught in [
        "POST /v1/checks",
        "GET  /v1/me/report",
        "POST /v1/batches?file=NAME",
        "/openapi.json",
        "token issue --role relying-party",
        "Authorization: Bearer",
        "--max-concurrent",
        "--request-timeout",
        "--database",
    ] {
        assert!(help.contains(taught), "`{taught}` in:\n{help}");
    }
}

#[test]
fn serve_refuses_what_it_cannot_serve_and_says_why() {
    let root = tempfile::tempdir().unwrap();
    // No registry there: nothing is served, and the way to make one is named.
    let missing = root.path().join("nothing");
    let out = credence(&[
        "--registry",
        missing.to_str().unwrap(),
        "serve",
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("credence init"),
        "{out:?}"
    );
    // An address already taken.
    let reg = init(root.path());
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = credence(&["--registry", &reg, "serve", "--listen", &addr]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
}
