//! `qe serve` answers health checks and renders the overview with the demo data on the server.

use qe_tests::spawn_server;

#[test]
fn healthz_reports_a_working_database() {
    let server = spawn_server(&[], &[]);
    let health: model::Health = reqwest::blocking::get(format!("{}/healthz", server.base))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(health.status, "ok");
    assert_eq!(health.database, "ok");
    assert!(
        server.home.path().join("quant.db").exists(),
        "the SQLite file is created under QE_HOME"
    );
}

#[test]
fn overview_is_server_rendered_with_the_seeded_demo_data() {
    let server = spawn_server(&["--seed-demo"], &[]);
    let res = reqwest::blocking::get(format!("{}/", server.base)).unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().unwrap();
    for symbol in ["EURUSD", "ES", "BTCUSD"] {
        assert!(
            html.contains(&format!("<td class=\"sym\">{symbol}</td>")),
            "{symbol} row missing from the SSR HTML"
        );
    }
    assert!(html.contains("/pkg/quant-engine.js"), "hydration script is referenced");
    assert!(server.home.path().join("data/demo.parquet").exists());
    assert!(server.home.path().join("data/demo.csv").exists());
}

#[test]
fn unknown_pages_answer_404() {
    let server = spawn_server(&[], &[]);
    let res = reqwest::blocking::get(format!("{}/ui/does-not-exist", server.base)).unwrap();
    assert_eq!(res.status(), 404);
}
