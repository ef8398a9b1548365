//! What every handler shares: the use cases, the access rules and the request limits; and
//! the bridge from async handlers to the blocking use cases.

use crate::access::AccessPolicy;
use crate::cors::CorsPolicy;
use crate::{ApiError, Metrics};
use crm_service::{Service, ServiceError};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Bounds on what one request may carry.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_body_bytes: 32 * 1024 * 1024 }
    }
}

/// Shared application state, registered once as `web::Data<AppState>`.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Who may call what: keys, trusted proxies.
    pub access: AccessPolicy,
    /// Which browser origins may call the API.
    pub cors: CorsPolicy,
    /// The service's metrics.
    pub metrics: Arc<Metrics>,
    /// Request bounds.
    pub limits: Limits,
    /// The store's currency, an ISO 4217 code (`EUR`): what every amount is in.
    pub currency: String,
    /// The use cases.
    pub service: Arc<Service>,
    /// Admits as many reads to the blocking pool as there are read connections, so
    /// blocked threads never queue on the connection pool (under load, that queue costs
    /// more in thread switches than the queries themselves).
    pub read_gate: Arc<Semaphore>,
    /// Admits one write at a time to the blocking pool: writes are serial anyway.
    pub write_gate: Arc<Semaphore>,
}

impl AppState {
    /// The state registered with the app serving `req`; an error (500) if there is none,
    /// so a route mounted without it is refused rather than served unchecked.
    pub fn of(req: &actix_web::HttpRequest) -> Result<&Self, ApiError> {
        req.app_data::<actix_web::web::Data<Self>>()
            .map(|data| data.get_ref())
            .ok_or_else(|| ApiError::internal("the application state is not registered"))
    }

    /// Runs a use case that writes on the blocking pool, one at a time. It runs to the end
    /// even when the client has gone away meanwhile, so what follows a commit (marking the
    /// insight cards it changed) is never skipped.
    pub async fn write<T, F>(&self, use_case: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Service) -> Result<T, ServiceError> + Send + 'static,
    {
        let _turn = self.write_gate.acquire().await.map_err(ApiError::internal)?;
        self.block(use_case).await
    }

    /// Runs a use case that reads on the blocking pool.
    pub async fn read<T, F>(&self, use_case: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Service) -> Result<T, ServiceError> + Send + 'static,
    {
        let _turn = self.read_gate.acquire().await.map_err(ApiError::internal)?;
        self.block(use_case).await
    }

    /// Runs a use case on the blocking pool, admitted by no gate (the refresh, which reads
    /// on a connection of its own and waits for any refresh already running).
    pub async fn block<T, F>(&self, use_case: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Service) -> Result<T, ServiceError> + Send + 'static,
    {
        let service = Arc::clone(&self.service);
        Ok(actix_web::web::block(move || use_case(&service)).await.map_err(ApiError::internal)??)
    }
}
