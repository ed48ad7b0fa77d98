//! Starting and stopping a sandbox: in-process for tests, or standalone for `wharf sears-sandbox`.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::config::{SandboxConfig, SellerCredentials};
use crate::control::{SandboxControl, Shared};
use crate::error::SandboxError;
use crate::marketplace::Marketplace;
use crate::seed::{SeedRequest, SeedSummary};
use crate::{control_api, sears_api};

/// A sandbox serving on 127.0.0.1. Dropping it stops the server; `shutdown` also waits for it.
pub struct RunningSandbox {
    addr: SocketAddr,
    control: SandboxControl,
    default_seller: SellerCredentials,
    seeded: Option<SeedSummary>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl std::fmt::Debug for RunningSandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningSandbox")
            .field("addr", &self.addr)
            .field("default_seller", &self.default_seller)
            .finish_non_exhaustive()
    }
}

impl SandboxConfig {
    /// Binds 127.0.0.1:`port`, seeds the default seller (showcase set + `orders` random orders) and serves until
    /// the returned handle is shut down or dropped.
    pub async fn start(self) -> Result<RunningSandbox, SandboxError> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, self.port))
            .await
            .map_err(|source| SandboxError::Bind { port: self.port, source })?;
        let addr = listener.local_addr().map_err(|source| SandboxError::Bind { port: self.port, source })?;
        let market = Marketplace::new(self.seller.clone(), self.settings.clone());
        let shared = Arc::new(Shared::new(market, self.clock.clone()));
        let control = SandboxControl { shared: shared.clone() };
        let seeded = if self.showcase || self.orders > 0 {
            let request = SeedRequest {
                seller_id: None,
                seed: self.seed,
                orders: self.orders,
                days: self.days,
                showcase: self.showcase,
                ..SeedRequest::default()
            };
            Some(control.seed(&request)?)
        } else {
            None
        };

        let app = sears_api::router(shared.clone()).merge(control_api::router(shared.clone()));
        let mut stopped = shared.shutdown.subscribe();
        let server = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|stopped| *stopped).await;
            });
        let task = tokio::spawn(async move { server.await });
        tracing::info!(%addr, seller_id = %self.seller.seller_id, "Sears sandbox listening");
        Ok(RunningSandbox { addr, control, default_seller: self.seller, seeded, task: Some(task) })
    }
}

impl RunningSandbox {
    /// `http://127.0.0.1:PORT`; the Sears API is under `/SellerPortal/api/`, the control API under `/sandbox/control/`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The seller that received the seed data.
    pub fn default_seller(&self) -> SellerCredentials {
        self.default_seller.clone()
    }

    pub fn control(&self) -> &SandboxControl {
        &self.control
    }

    /// What the start-up seeding added, if anything.
    pub fn seeded(&self) -> Option<&SeedSummary> {
        self.seeded.as_ref()
    }

    /// The text `wharf sears-sandbox` prints: where to connect and with which credentials.
    pub fn startup_banner(&self) -> String {
        let base = self.base_url();
        let seller = &self.default_seller;
        let orders = match &self.seeded {
            Some(s) => format!(
                "{} showcase + {} random orders for seller {}, dated relative to {} (US Central; see SEED.md)",
                s.showcase_orders, s.random_orders, s.seller_id, s.today
            ),
            None => "none (add some with POST /sandbox/control/seed)".to_owned(),
        };
        let clock = if self.control.clock().is_fixed() {
            format!("fixed at {} (move it with POST /sandbox/control/clock)", self.control.now())
        } else {
            "system time".to_owned()
        };
        format!(
            "Sears Marketplace sandbox listening on {base}\n\
             \x20 Sears API:    {base}/SellerPortal/api/\n\
             \x20 Control API:  {base}/sandbox/control/\n\
             \x20 Seller id:    {}\n\
             \x20 Email:        {}\n\
             \x20 Auth key:     {}\n\
             \x20 Orders:       {orders}\n\
             \x20 Clock:        {clock}\n\
             These are sandbox credentials; point a Wharf store at {base} with them.",
            seller.seller_id, seller.email, seller.auth_key
        )
    }

    /// Stops accepting calls, ends held responses, and waits (up to 5 seconds) for the server to finish.
    pub async fn shutdown(mut self) -> Result<(), SandboxError> {
        self.control.shared.shutdown.send_replace(true);
        let Some(mut task) = self.task.take() else {
            return Ok(());
        };
        match tokio::time::timeout(Duration::from_secs(5), &mut task).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(io))) => Err(SandboxError::Serve(io)),
            Ok(Err(join)) => Err(SandboxError::Serve(std::io::Error::other(join))),
            Err(_) => {
                task.abort();
                Ok(())
            }
        }
    }

    /// Serves until Ctrl-C, then shuts down.
    pub async fn serve_until_ctrl_c(mut self) -> Result<(), SandboxError> {
        let Some(task) = self.task.as_mut() else {
            return Ok(());
        };
        tokio::select! {
            signal = tokio::signal::ctrl_c() => signal.map_err(SandboxError::Serve)?,
            finished = task => {
                self.task = None;
                return match finished {
                    Ok(result) => result.map_err(SandboxError::Serve),
                    Err(join) => Err(SandboxError::Serve(std::io::Error::other(join))),
                };
            }
        }
        self.shutdown().await
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        self.control.shared.shutdown.send_replace(true);
    }
}

/// Runs a sandbox on 127.0.0.1 until Ctrl-C, printing [`RunningSandbox::startup_banner`] once it listens.
/// `wharf sears-sandbox --port P --seed S --orders N` is this with `SandboxConfig { port, seed, orders, .. }`.
pub async fn run_standalone(config: SandboxConfig) -> Result<(), SandboxError> {
    let sandbox = config.start().await?;
    println!("{}", sandbox.startup_banner());
    sandbox.serve_until_ctrl_c().await
}
