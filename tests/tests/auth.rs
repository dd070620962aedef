//! The dashboard under a token: signing in for a session cookie, cookie-authenticated mutations with the Origin
//! check, bearer clients unchanged, `QE_PROTECT_READS` on API reads, pages and server functions, and signing out.

use qe_tests::{qe_bin, reference_data_root, reference_spec, spawn_server};
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::{json, Value};
use std::time::Duration;

const TOKEN: &str = "s3cret-token";

/// A client that shows redirects instead of following them and keeps no cookies of its own.
fn http() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(120))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn set_cookie(res: &Response) -> Option<String> {
    res.headers().get("set-cookie").map(|v| v.to_str().unwrap().to_string())
}

/// Signs in with JSON and returns the `name=value` part of the session cookie.
fn sign_in(c: &Client, base: &str) -> String {
    let res = c
        .post(format!("{base}/ui/signin"))
        .json(&json!({"token": TOKEN, "next": "/ui/submit"}))
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookie = set_cookie(&res).expect("a session cookie");
    assert_eq!(res.json::<Value>().unwrap()["next"], "/ui/submit");
    cookie.split(';').next().unwrap().to_string()
}

fn cancel_unknown(c: &Client, base: &str) -> RequestBuilder {
    c.post(format!("{base}/runs/no-such-run/cancel"))
}

/// The status of a cancel of an unknown run sent with `cookie` only: 404 when the session admits it, 401 when not.
fn cancel_with_cookie(c: &Client, base: &str, cookie: &str) -> reqwest::StatusCode {
    cancel_unknown(c, base)
        .header("Cookie", cookie)
        .send()
        .unwrap()
        .status()
}

fn detail(res: Response) -> String {
    res.json::<Value>().unwrap()["detail"]
        .as_str()
        .expect("a {\"detail\": \"…\"} body")
        .to_string()
}

#[test]
fn a_wrong_token_is_refused_and_sets_no_cookie() {
    let server = spawn_server(&[], &[("QE_API_TOKEN", TOKEN)]);
    let c = http();
    let res = c
        .post(format!("{}/ui/signin", server.base))
        .json(&json!({"token": "wrong"}))
        .send()
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(set_cookie(&res).is_none());
    assert_eq!(detail(res), "Wrong token");
    // As a plain form (no WASM): back to the page with the error shown, still no cookie.
    let res = c
        .post(format!("{}/ui/signin", server.base))
        .form(&[("token", "wrong"), ("next", "/ui/runs")])
        .send()
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(set_cookie(&res).is_none());
    assert_eq!(res.headers()["location"], "/ui/signin?failed=1&next=%2Fui%2Fruns");
    let page = c
        .get(format!("{}/ui/signin?failed=1&next=%2Fui%2Fruns", server.base))
        .send()
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().unwrap();
    assert!(html.contains("Wrong token."), "the page names the error");
    assert!(html.contains(r#"value="/ui/runs""#), "the form keeps where to go next");
}

#[test]
fn the_right_token_gives_a_strict_http_only_session_cookie_that_is_not_the_token() {
    let server = spawn_server(&[], &[("QE_API_TOKEN", TOKEN)]);
    let c = http();
    let res = c
        .post(format!("{}/ui/signin", server.base))
        .json(&json!({"token": TOKEN}))
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    let cookie = set_cookie(&res).unwrap();
    let attrs: Vec<&str> = cookie.split(';').map(str::trim).collect();
    assert!(attrs.contains(&"HttpOnly"), "{cookie}");
    assert!(attrs.contains(&"SameSite=Strict"), "{cookie}");
    assert!(attrs.contains(&"Path=/"), "{cookie}");
    assert!(!attrs.contains(&"Secure"), "plain http: {cookie}");
    let value = attrs[0].strip_prefix("qe_session=").unwrap();
    assert!(value.len() >= 32 && !value.contains(TOKEN), "{cookie}");
    // Each sign-in is a new session.
    assert_ne!(sign_in(&c, &server.base), attrs[0]);
    // Behind an https proxy the cookie is Secure.
    let res = c
        .post(format!("{}/ui/signin", server.base))
        .header("X-Forwarded-Proto", "https")
        .json(&json!({"token": TOKEN}))
        .send()
        .unwrap();
    assert!(set_cookie(&res).unwrap().ends_with("; Secure"));
    // A form sign-in redirects to a local `next` only.
    for (next, to) in [
        ("/ui/runs?page=2", "/ui/runs?page=2"),
        ("https://evil.test/", "/"),
        ("//evil.test", "/"),
    ] {
        let res = c
            .post(format!("{}/ui/signin", server.base))
            .form(&[("token", TOKEN), ("next", next)])
            .send()
            .unwrap();
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], to, "next={next}");
        assert!(set_cookie(&res).unwrap().contains("HttpOnly"));
    }
}

#[test]
fn a_session_authorizes_mutations_from_our_origin_only_and_bearer_clients_are_unchanged() {
    let data = reference_data_root();
    let server = spawn_server(
        &[],
        &[
            ("QE_API_TOKEN", TOKEN),
            ("QE_DATA_ROOT", data.path().to_str().unwrap()),
            ("QE_CORS_ORIGINS", "http://allowed.test"),
        ],
    );
    let (c, base) = (http(), server.base.as_str());
    let cookie = sign_in(&c, base);
    // Nothing: 401 as before.
    let res = cancel_unknown(&c, base).send().unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(detail(res), "Not authenticated");
    // The cookie alone gets through to the handler (404: no such run), with or without our own Origin.
    assert_eq!(cancel_with_cookie(&c, base, &cookie), 404);
    let res = cancel_unknown(&c, base)
        .header("Cookie", &cookie)
        .header("Origin", base)
        .send()
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(detail(res), "Run not found");
    // A foreign Origin with the cookie is refused; an origin listed in QE_CORS_ORIGINS is not.
    let res = cancel_unknown(&c, base)
        .header("Cookie", &cookie)
        .header("Origin", "http://evil.test")
        .send()
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(detail(res).contains("Cross-origin"));
    let res = cancel_unknown(&c, base)
        .header("Cookie", &cookie)
        .header("Origin", "http://allowed.test")
        .send()
        .unwrap();
    assert_eq!(res.status(), 404);
    // A made-up cookie is no session.
    let res = cancel_unknown(&c, base)
        .header("Cookie", format!("qe_session={}", "0".repeat(64)))
        .send()
        .unwrap();
    assert_eq!(res.status(), 401);
    // The bearer token works as before, whatever the Origin; a wrong one does not.
    assert_eq!(
        cancel_unknown(&c, base).bearer_auth(TOKEN).send().unwrap().status(),
        404
    );
    let res = cancel_unknown(&c, base)
        .bearer_auth(TOKEN)
        .header("Origin", "http://evil.test")
        .send()
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(
        cancel_unknown(&c, base).bearer_auth("wrong").send().unwrap().status(),
        401
    );
    // A real submit with the cookie, as the dashboard sends it.
    let res = c
        .post(format!("{base}/stats/run"))
        .header("Cookie", &cookie)
        .header("Origin", base)
        .header("Prefer", "respond-async")
        .json(&reference_spec("stats_run.json"))
        .send()
        .unwrap();
    assert_eq!(res.status(), 202);
    assert!(res.json::<Value>().unwrap()["id"].is_string());
    // Reads stay open without QE_PROTECT_READS.
    assert_eq!(c.get(format!("{base}/runs")).send().unwrap().status(), 200);
}

#[test]
fn signing_out_ends_the_session() {
    let server = spawn_server(&[], &[("QE_API_TOKEN", TOKEN)]);
    let (c, base) = (http(), server.base.as_str());
    let cookie = sign_in(&c, base);
    let other = sign_in(&c, base);
    let res = c
        .post(format!("{base}/ui/signout"))
        .header("Cookie", &cookie)
        .header("Origin", "http://evil.test")
        .send()
        .unwrap();
    assert_eq!(res.status(), 403, "no sign-out from another site");
    assert_eq!(cancel_with_cookie(&c, base, &cookie), 404);
    let res = c
        .post(format!("{base}/ui/signout"))
        .header("Cookie", &cookie)
        .send()
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/ui/signin");
    assert!(set_cookie(&res).unwrap().contains("Max-Age=0"));
    assert_eq!(cancel_with_cookie(&c, base, &cookie), 401);
    assert_eq!(cancel_with_cookie(&c, base, &other), 404, "other sessions live on");
}

#[test]
fn protected_reads_need_a_credential_and_pages_lead_to_the_sign_in() {
    let server = spawn_server(&[], &[("QE_API_TOKEN", TOKEN), ("QE_PROTECT_READS", "1")]);
    let (c, base) = (http(), server.base.as_str());
    let res = c.get(format!("{base}/runs")).send().unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(detail(res), "Not authenticated");
    assert_eq!(
        c.get(format!("{base}/runs"))
            .bearer_auth(TOKEN)
            .send()
            .unwrap()
            .status(),
        200
    );
    // Pages redirect to the sign-in page with where to come back to.
    for (page, next) in [
        ("/ui/runs?page=2", "%2Fui%2Fruns%3Fpage%3D2"),
        ("/", "%2F"),
        ("/ui/submit", "%2Fui%2Fsubmit"),
    ] {
        let res = c.get(format!("{base}{page}")).send().unwrap();
        assert_eq!(res.status(), 303, "{page}");
        assert_eq!(res.headers()["location"], format!("/ui/signin?next={next}").as_str());
    }
    // Server functions answer 401, the event stream too.
    let res = c.post(format!("{base}/api/auth_status")).send().unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(detail(res), "Not authenticated");
    assert_eq!(c.get(format!("{base}/runs/x/events")).send().unwrap().status(), 401);
    // Open: health, the sign-in page, assets (404 here: no site built, but neither 303 nor 401).
    assert_eq!(c.get(format!("{base}/healthz")).send().unwrap().status(), 200);
    let page = c.get(format!("{base}/ui/signin?next=%2Fui%2Fruns")).send().unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().unwrap();
    assert!(html.contains(r#"id="signin-form""#) && html.contains(r#"id="signin-link""#));
    for asset in ["/pkg/quant-engine.css", "/favicon.svg"] {
        let status = c.get(format!("{base}{asset}")).send().unwrap().status();
        assert!(status != 303 && status != 401, "{asset}: {status}");
    }
    // With the cookie: reads, pages and server functions answer.
    let cookie = sign_in(&c, base);
    assert_eq!(
        c.get(format!("{base}/runs"))
            .header("Cookie", &cookie)
            .send()
            .unwrap()
            .status(),
        200
    );
    let res = c
        .get(format!("{base}/ui/runs"))
        .header("Cookie", &cookie)
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().unwrap();
    assert!(html.contains(r#"id="signout""#), "the header offers to sign out");
    let res = c
        .post(format!("{base}/api/auth_status"))
        .header("Cookie", &cookie)
        .header("Origin", base)
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().unwrap(),
        json!({"required": true, "signed_in": true})
    );
    // Signed out, the pages redirect again.
    c.post(format!("{base}/ui/signout"))
        .header("Cookie", &cookie)
        .send()
        .unwrap();
    assert_eq!(
        c.get(format!("{base}/ui/runs"))
            .header("Cookie", &cookie)
            .send()
            .unwrap()
            .status(),
        303
    );
    assert_eq!(
        c.get(format!("{base}/runs"))
            .header("Cookie", &cookie)
            .send()
            .unwrap()
            .status(),
        401
    );
}

#[test]
fn without_a_token_nothing_changes() {
    let server = spawn_server(&[], &[]);
    let (c, base) = (http(), server.base.as_str());
    let page = c.get(format!("{base}/")).send().unwrap();
    assert_eq!(page.status(), 200);
    assert!(!page.text().unwrap().contains("signin-link"), "no sign-in link");
    assert_eq!(cancel_unknown(&c, base).send().unwrap().status(), 404);
    let res = c
        .post(format!("{base}/ui/signin"))
        .json(&json!({"token": "anything"}))
        .send()
        .unwrap();
    assert_eq!(res.status(), 404);
    assert!(set_cookie(&res).is_none());
    let res = c.post(format!("{base}/api/auth_status")).send().unwrap();
    assert_eq!(
        res.json::<Value>().unwrap(),
        json!({"required": false, "signed_in": false})
    );
    // With a token the header links to the sign-in page.
    let server = spawn_server(&[], &[("QE_API_TOKEN", TOKEN)]);
    let html = c
        .get(format!("{}/ui/runs", server.base))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(html.contains(r#"id="signin-link""#));
}

#[test]
fn protecting_reads_without_a_token_is_refused_at_start() {
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(qe_bin())
        .args(["serve", "--addr", "127.0.0.1:0", "--protect-reads"])
        .env("QE_HOME", home.path())
        .env_remove("QE_API_TOKEN")
        .env_remove("QE_DB_URL")
        .env_remove("DB_DSN")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("QE_API_TOKEN"), "{stderr}");
}
