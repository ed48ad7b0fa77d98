//! Starting the sandbox on a loopback port, in-process or standalone.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::clock::SandboxClock;
use crate::control::{ControlError, SandboxControl, validate_registration};
use crate::routes;
use crate::state::{ClientRegistration, SandboxState};

/// The token lifetime UPS's documentation shows (`"expires_in": "14399"`).
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(14_399);

/// How a sandbox starts.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The sandbox clock ([`SandboxClock::fixed`] in tests, [`SandboxClock::system`] for the demo).
    pub clock: SandboxClock,
    /// Added to every API call (control calls excepted).
    pub latency: Duration,
    /// Lifetime of issued tokens, on the sandbox clock.
    pub token_lifetime: Duration,
    /// Registered OAuth clients; the first is [`RunningUpsSandbox::default_client`].
    pub clients: Vec<ClientRegistration>,
    /// How long a `timeout-after-label` response is held before the connection is dropped (real
    /// time, not the sandbox clock): longer than the client's timeout.
    pub timeout_hold: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            port: 0,
            clock: SandboxClock::system(),
            latency: Duration::ZERO,
            token_lifetime: DEFAULT_TOKEN_LIFETIME,
            clients: vec![ClientRegistration::sandbox_default()],
            timeout_hold: Duration::from_secs(30),
        }
    }
}

/// Why the sandbox did not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot listen on 127.0.0.1:{port}: {source}; pick another port, or 0 for any free one")]
    Bind { port: u16, source: std::io::Error },
    #[error("the sandbox needs at least one registered client: add one to SandboxConfig::clients")]
    NoClients,
    #[error("invalid client registration: {0}")]
    InvalidClient(#[from] ControlError),
    #[error("waiting for Ctrl-C failed: {0}")]
    Signal(std::io::Error),
}

impl SandboxConfig {
    /// Starts the sandbox on 127.0.0.1 and serves until the returned handle is shut down or dropped.
    pub async fn start(self) -> Result<RunningUpsSandbox, SandboxError> {
        let default_client = self.clients.first().cloned().ok_or(SandboxError::NoClients)?;
        for client in &self.clients {
            validate_registration(client)?;
        }
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, self.port))
            .await
            .map_err(|source| SandboxError::Bind { port: self.port, source })?;
        let address = listener.local_addr().map_err(|source| SandboxError::Bind { port: self.port, source })?;
        let state =
            Arc::new(SandboxState::new(self.clock, self.token_lifetime, self.timeout_hold, self.latency, self.clients));
        let app = routes::router(Arc::clone(&state));
        let (shutdown, shutdown_signal) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = shutdown_signal.await;
                })
                .await;
            if let Err(error) = served {
                tracing::error!(%error, "the UPS sandbox stopped serving");
            }
        });
        tracing::info!(%address, "UPS sandbox listening");
        Ok(RunningUpsSandbox {
            address,
            default_client,
            control: SandboxControl::new(state),
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }
}

/// A running sandbox. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningUpsSandbox {
    address: SocketAddr,
    default_client: ClientRegistration,
    control: SandboxControl,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningUpsSandbox {
    /// `http://127.0.0.1:PORT`: what the connector uses in place of `https://onlinetools.ups.com`
    /// (OAuth at `{base_url}/security/v1/oauth/token`, the APIs under `{base_url}/api/...`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The socket the sandbox listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The first registered client: its id, secret and shipper account.
    pub fn default_client(&self) -> ClientRegistration {
        self.default_client.clone()
    }

    /// Clock, faults, latency, clients and the sandbox's records.
    pub fn control(&self) -> &SandboxControl {
        &self.control
    }

    /// Stops serving and waits for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningUpsSandbox {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl RunningUpsSandbox {
    /// What a person needs to point a UPS client at the sandbox (printed by [`run_standalone`]).
    /// It contains the default client's secret: it is the sandbox's own, made to be typed in.
    pub fn startup_banner(&self) -> String {
        let client = self.default_client();
        format!(
            "UPS sandbox listening on {url}\n\
             \x20 OAuth token:    POST {url}/security/v1/oauth/token (HTTP Basic client id:secret)\n\
             \x20 APIs:           {url}/api/... (rating, shipments, addressvalidation, track)\n\
             \x20 Control API:    {url}/sandbox/control/...\n\
             \x20 client id:      {id}\n\
             \x20 client secret:  {secret}\n\
             \x20 account number: {account}\n",
            url = self.base_url(),
            id = client.client_id,
            secret = client.client_secret.expose_secret(),
            account = client.account_number,
        )
    }

    /// Serves until Ctrl-C, then shuts down.
    pub async fn serve_until_ctrl_c(self) -> Result<(), SandboxError> {
        tokio::signal::ctrl_c().await.map_err(SandboxError::Signal)?;
        self.shutdown().await;
        Ok(())
    }
}

/// Runs a sandbox until Ctrl-C, after printing its address and credentials to standard output:
/// what `wharf` calls to run the sandbox on its own.
pub async fn run_standalone(config: SandboxConfig) -> Result<(), SandboxError> {
    let sandbox = config.start().await?;
    println!("{}", sandbox.startup_banner());
    sandbox.serve_until_ctrl_c().await
}
