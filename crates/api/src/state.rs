//! What every handler shares: the store, the store's time zone and the request limits.

use crate::access::AccessPolicy;
use crate::cards::CardBook;
use crate::cors::CorsPolicy;
use crate::refresh::{AnalyticsConfig, RefreshTrigger, Refresher};
use crate::{ApiError, Metrics};
use crm_domain::StoreZone;
use crm_storage::{Conn, Database, StorageError};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Bounds on what one request may carry.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most records in one sync batch.
    pub max_batch_records: usize,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_batch_records: 10_000, max_body_bytes: 32 * 1024 * 1024 }
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
    /// The store.
    pub db: Arc<Database>,
    /// The store's time zone: decides each sale's local day.
    pub zone: StoreZone,
    /// Request bounds.
    pub limits: Limits,
    /// Analytics rules.
    pub analytics: AnalyticsConfig,
    /// Asks the background refresh for a run.
    pub refresh: RefreshTrigger,
    /// Insight cards prepared by the refresh, and the marks of what changed since.
    pub cards: Arc<CardBook>,
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
            .ok_or_else(|| ApiError::Internal("the application state is not registered".into()))
    }

    /// What the analytics refresh needs from the state.
    pub fn refresher(&self) -> Refresher {
        Refresher {
            db: Arc::clone(&self.db),
            zone: self.zone,
            config: self.analytics.clone(),
            cards: Arc::clone(&self.cards),
        }
    }

    /// Runs a unit of writes in one transaction on the blocking pool.
    pub async fn write<T, F>(&self, unit: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> Result<T, StorageError> + Send + 'static,
    {
        self.write_then(unit, |_| ()).await
    }

    /// Runs a unit of writes in one transaction on the blocking pool, then `committed` with
    /// its result, on the same thread: it runs even when the client has gone away meanwhile,
    /// so what must follow a commit (marking changed insight cards) is never skipped.
    pub async fn write_then<T, F, C>(&self, unit: F, committed: C) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> Result<T, StorageError> + Send + 'static,
        C: FnOnce(&T) + Send + 'static,
    {
        let _turn = self.write_gate.acquire().await.map_err(|e| ApiError::Internal(e.to_string()))?;
        let db = Arc::clone(&self.db);
        Ok(actix_web::web::block(move || {
            let out = db.write(unit)?;
            committed(&out);
            Ok::<T, StorageError>(out)
        })
        .await??)
    }

    /// Runs a unit of writes that changes what the analytics derive from: after the commit
    /// (see [`write_then`](Self::write_then)), `mark` notes the insight cards it changed and
    /// a refresh is requested.
    pub async fn write_changes<T, F, M>(&self, unit: F, mark: M) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> Result<T, StorageError> + Send + 'static,
        M: FnOnce(&T, &CardBook) + Send + 'static,
    {
        let (cards, refresh) = (Arc::clone(&self.cards), self.refresh.clone());
        self.write_then(unit, move |out| {
            mark(out, &cards);
            refresh.request();
        })
        .await
    }

    /// Runs a read on the blocking pool.
    pub async fn read<T, F>(&self, query: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Conn) -> Result<T, StorageError> + Send + 'static,
    {
        let _turn = self.read_gate.acquire().await.map_err(|e| ApiError::Internal(e.to_string()))?;
        let db = Arc::clone(&self.db);
        Ok(actix_web::web::block(move || db.read(query)).await??)
    }
}
