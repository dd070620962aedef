//! `qe serve`: the axum server with `/healthz`, the JSON API and the Leptos dashboard.

use crate::api;
use crate::config::Config;
use app::{shell, App};
use axum::{extract::State, routing::get, Json, Router};
use clap::Args;
use engine::data::{AllowedSources, LoadOptions, SourcePolicy};
use engine::jobs::nats::{Nats, NatsSettings};
use engine::jobs::{Jobs, JobsConfig};
use engine::store::Store;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Debug, Args)]
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
    /// With `--seed-demo`: wait for the demo jobs (an optimisation, stats, seasonality) before listening, so the
    /// dashboard has every kind of result at once.
    #[arg(long, env = "QE_SEED_DEMO_WAIT")]
    pub seed_demo_wait: bool,
    /// Token required on mutating requests (POST), as a bearer token or a dashboard session from `/ui/signin`;
    /// unset = open.
    #[arg(long, env = "QE_API_TOKEN", hide_env_values = true)]
    pub api_token: Option<String>,
    /// With `--api-token`: reads need the token (or a dashboard session) too; pages redirect to `/ui/signin`.
    #[arg(long, env = "QE_PROTECT_READS", value_parser = clap::builder::BoolishValueParser::new())]
    pub protect_reads: bool,
    /// Comma-separated origins allowed by CORS (e.g. `http://localhost:4200`).
    #[arg(long, env = "QE_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
    /// Largest accepted request body in bytes.
    #[arg(long, env = "QE_MAX_BODY_BYTES", default_value_t = 2 * 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Seconds a request may take (synchronous job POSTs included) before 408.
    #[arg(long, env = "QE_REQUEST_TIMEOUT", default_value_t = 900)]
    pub request_timeout: u64,
    /// Jobs running at once.
    #[arg(long, env = "QE_JOB_WORKERS", default_value_t = 2)]
    pub job_workers: usize,
    /// Jobs allowed to wait for a worker; more answer 429.
    #[arg(long, env = "QE_JOB_QUEUE", default_value_t = 32)]
    pub job_queue: usize,
    /// Seconds running jobs get to finish at shutdown before they are cancelled and marked interrupted.
    #[arg(long, env = "QE_SHUTDOWN_GRACE", default_value_t = 30)]
    pub shutdown_grace: u64,
    /// Trials one optimisation job may run (a grid's size, `max_trials` of random, TPE and seasonality searches);
    /// a spec over it is refused before it is queued.
    #[arg(long, env = "QE_MAX_TRIALS", default_value_t = model::spec::limits::DEFAULT_MAX_TRIALS)]
    pub max_trials: usize,
    /// NATS server (e.g. `nats://127.0.0.1:4222`): optimisations' trials then run on `qe worker`s; unset = here.
    #[arg(long = "nats", env = "QE_NATS_URL")]
    pub nats_url: Option<String>,
}

impl ServeArgs {
    /// The arguments `qe serve` would get with no flags (defaults and `QE_*` variables).
    pub fn from_env() -> ServeArgs {
        #[derive(clap::Parser)]
        struct Only {
            #[command(flatten)]
            args: ServeArgs,
        }
        <Only as clap::Parser>::parse_from(["qe"]).args
    }
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
    let token = args.api_token.clone().filter(|t| !t.is_empty());
    if args.protect_reads && token.is_none() {
        anyhow::bail!("QE_PROTECT_READS (--protect-reads) needs QE_API_TOKEN (--api-token) to sign in with");
    }
    let store = Store::connect(&config.db_url()).await?;
    let seeded = match args.seed_demo {
        true => {
            crate::demo::write_sample_bars(&config.data_root);
            crate::demo::seed_if_empty(&store, &config.demo_dir()).await?
        }
        false => None,
    };
    let sources = AllowedSources::from_env().map_err(anyhow::Error::msg)?;
    engine::jobs::budget::check_setting().map_err(anyhow::Error::msg)?;
    let nats = match args.nats_url.as_deref().filter(|u| !u.is_empty()) {
        Some(url) => Some(Nats::connect(NatsSettings::from_env(url)?).await?),
        None => None,
    };
    let jobs = Jobs::start(store.clone(), jobs_config(config, &args, &sources, nats.clone())).await?;
    if let Some(parquet) = seeded {
        let parquet = std::fs::canonicalize(&parquet)?;
        crate::demo::submit_demo_jobs(&jobs, &parquet, args.seed_demo_wait).await?;
    }
    let leptos = leptos_options(&args);
    let addr = leptos.site_addr;
    let routes = generate_route_list(App);
    let state = AppState {
        leptos: leptos.clone(),
        store: store.clone(),
    };
    let api_state = api::ApiState {
        store: store.clone(),
        jobs: jobs.clone(),
        data_root: config.data_root.clone(),
        artifacts_dir: config.artifacts_dir(),
        limits: model::spec::limits::Limits {
            max_trials: args.max_trials,
        },
        sources: SourcePolicy::Confined(sources),
        paths: api::ServerPaths::new(&[&config.artifacts_dir(), &config.data_root, &config.home]),
        nats: nats.clone(),
    };
    let protection = api::Protection {
        token,
        protect_reads: args.protect_reads,
        sessions: api::Sessions::default(),
        cors_origins: args
            .cors_origins
            .iter()
            .map(|o| o.trim().to_string())
            .filter(|o| !o.is_empty())
            .collect(),
        max_body_bytes: args.max_body_bytes,
        request_timeout: Duration::from_secs(args.request_timeout),
    };
    let pages = Router::new()
        .route("/healthz", get(healthz))
        .leptos_routes_with_context(
            &state,
            routes,
            {
                let store = store.clone();
                let nats = app::jobs::NatsContext(nats.clone());
                let load = app::runs::trial::ReplayLoad(jobs.load_options().clone());
                move || {
                    provide_context(store.clone());
                    provide_context(nats.clone());
                    provide_context(load.clone());
                }
            },
            {
                let leptos = leptos.clone();
                move || shell(leptos.clone())
            },
        )
        .merge(api::signin_routes(&protection))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .with_state(state);
    let router = api::router(api_state, &protection)
        .merge(protection.guard_pages(pages))
        // gzip for clients that accept it; event streams and images are sent as they are.
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(tower_http::trace::TraceLayer::new_for_http());
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    println!("listening on http://{local}");
    tracing::info!(%local, db = %engine::store::redact_url(&config.db_url()), startup_ms = started.elapsed().as_millis() as u64, "qe serve ready");
    let grace = Duration::from_secs(args.shutdown_grace);
    axum::serve(listener, router.into_make_service())
        .with_graceful_shutdown(async move {
            shutdown_signal().await;
            jobs.shutdown(grace).await;
        })
        .await?;
    Ok(())
}

/// The job executor's settings: workers, queue, artifacts under the configured directory, data root.
fn jobs_config(config: &Config, args: &ServeArgs, sources: &AllowedSources, nats: Option<Nats>) -> JobsConfig {
    JobsConfig {
        workers: args.job_workers,
        queue_limit: args.job_queue,
        artifacts_dir: config.artifacts_dir(),
        load: LoadOptions {
            sources: SourcePolicy::Confined(sources.clone()),
            binance_cache: Some(config.home.join("cache").join("binance")),
            ..LoadOptions::from_env(Some(config.data_root.clone()), None)
        },
        nats,
    }
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

#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = model::Health)))]
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

pub(crate) async fn shutdown_signal() {
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
