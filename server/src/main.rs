//! `qe`: Quant Engine's one binary. Without a subcommand it serves the dashboard and API.

mod api;
mod cli;
mod config;
mod demo;
mod plot;
mod serve;

use clap::Parser;

/// mimalloc: a faster allocator for the many short-lived buffers of data loading and jobs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // A .env file in the working directory provides defaults for QE_* variables; real variables win.
    let _ = dotenvy::dotenv();
    let cli = cli::Cli::parse();
    init_tracing(cli.log_json);
    engine::alloc::quiet_out_of_memory_panics();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(cli::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(cli::output::exit_code_of(&e))
        }
    }
}

fn init_tracing(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("QE_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
