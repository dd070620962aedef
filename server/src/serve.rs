//! `qe serve`: the axum server with `/healthz`, the JSON API and the Leptos dashboard.

use crate::config::Config;
use app::{shell, App};
use axum::{extract::State, routing::get, Json, Router};
use clap::Args;
use engine::store::Store;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;

#[derive(Debug, Default, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (printed on stdout).
    #[arg(long, env = "QE_ADDR")]
    pub addr: Option<SocketAddr>,
    /// Directory holding the compiled site (`pkg/` with the WASM, JS and CSS).
    #[arg(long, env = "QE_SITE_ROOT")]
    pub site_root: Option<String>,
    /// Generate and register the demo data set when the database has none.
    #[arg(long, env = "QE_SEED_DEMO")]
    pub seed_demo: bool,
}

#[derive(Clone)]
struct AppState {
    leptos: LeptosOptions,
    store: Store,
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos.clone()
    }
}

/// Connects the database, seeds demo data if asked, and serves until Ctrl-C or SIGTERM.
pub async fn serve(config: &Config, args: ServeArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let store = Store::connect(&config.db_url()).await?;
    if args.seed_demo {
        crate::demo::seed_if_empty(&store, &config.demo_dir()).await?;
    }
    let leptos = leptos_options(&args);
    let addr = leptos.site_addr;
    let routes = generate_route_list(App);
    let state = AppState {
        leptos: leptos.clone(),
        store: store.clone(),
    };
    let router = Router::new()
        .route("/healthz", get(healthz))
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let store = store.clone();
                move || provide_context(store.clone())
            },
            {
                let leptos = leptos.clone();
                move || shell(leptos.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    println!("listening on http://{local}");
    tracing::info!(%local, db = %config.db_url(), startup_ms = started.elapsed().as_millis() as u64, "qe serve ready");
    axum::serve(listener, router.into_make_service())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

/// Leptos options from cargo-leptos's `LEPTOS_*` variables when present, else from our flags and defaults.
fn leptos_options(args: &ServeArgs) -> LeptosOptions {
    let env = |k: &str| std::env::var(k).ok();
    let addr = args
        .addr
        .or_else(|| env("LEPTOS_SITE_ADDR").and_then(|a| a.parse().ok()))
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 3000)));
    let site_root = args
        .site_root
        .clone()
        .or_else(|| env("LEPTOS_SITE_ROOT"))
        .unwrap_or_else(|| "target/site".into());
    LeptosOptions::builder()
        .output_name(env("LEPTOS_OUTPUT_NAME").unwrap_or_else(|| "quant-engine".into()))
        .site_root(site_root)
        .site_pkg_dir(env("LEPTOS_SITE_PKG_DIR").unwrap_or_else(|| "pkg".into()))
        .site_addr(addr)
        .reload_port(env("LEPTOS_RELOAD_PORT").and_then(|p| p.parse().ok()).unwrap_or(3001))
        .build()
}

async fn healthz(State(state): State<AppState>) -> Json<model::Health> {
    let database = match state.store.ping().await {
        Ok(()) => "ok".to_string(),
        Err(e) => format!("error: {e}"),
    };
    Json(model::Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        database,
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
