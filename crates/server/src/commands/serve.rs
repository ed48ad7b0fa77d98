//! `wharf serve`: the HTTP server and the job workers.

use std::process::ExitCode;

use anyhow::Context;
use tokio::sync::watch;
use wharf_app::{App, jobs};

use crate::cli::ServeArgs;
use crate::config::Config;
use crate::http::{self, HttpState};
use crate::setup;

pub async fn run(mut config: Config, args: ServeArgs) -> anyhow::Result<ExitCode> {
    if let Some(port) = args.port {
        config.port = port;
    }
    if let Some(bind) = args.bind {
        config.bind = bind;
    }
    let app = setup::open_app(&config).await?;
    let listener = bind(&config).await?;
    println!("Wharf is running at http://{}", listener.local_addr()?);
    run_with(app, listener, config.workers, shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

pub async fn bind(config: &Config) -> anyhow::Result<tokio::net::TcpListener> {
    let addr = format!("{}:{}", config.bind, config.port);
    tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("cannot listen on {addr} (is the port in use? choose another with --port)"))
}

/// Serves HTTP and runs `workers` job workers until `shutdown` completes.
pub async fn run_with(
    app: App,
    listener: tokio::net::TcpListener,
    workers: u32,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    jobs::ensure_schedules(&app).await?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "wharf".into());
    let mut worker_tasks = Vec::new();
    for n in 0..workers.max(1) {
        let worker = format!("{host}-{}-{n}", std::process::id());
        worker_tasks.push(tokio::spawn(jobs::run_worker(app.clone(), worker, stop_rx.clone())));
    }
    let state = HttpState { app, metrics: http::metrics_handle()? };
    let result = http::serve(listener, state, shutdown).await;
    let _ = stop_tx.send(true);
    for task in worker_tasks {
        let _ = task.await;
    }
    result
}

pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down");
}
