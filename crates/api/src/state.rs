//! What every handler shares: the use cases, the access rules and the request limits; and
//! the bridge from async handlers to the blocking use cases.

use crate::access::AccessPolicy;
use crate::access::Caller;
use crate::cors::CorsPolicy;
use crate::host::HostPolicy;
use crate::rate::{RateLimits, RatePolicy};
use crate::{ApiError, Metrics};
use crm_service::{Budget, Service, ServiceError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

/// Bounds on what one request may carry and the work it may start.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Expensive reads (a forecast or backtest computed for the request, a calendar file
    /// read, an export) that may run at once.
    pub expensive_reads: usize,
    /// Longest one expensive read may run before it is abandoned (503).
    pub expensive_budget: Duration,
    /// Longest a request waits for a turn: an expensive read for a free slot, a write for
    /// the writer; then 503 with `Retry-After`.
    pub queue_wait: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 32 * 1024 * 1024,
            expensive_reads: 1,
            expensive_budget: Duration::from_secs(20),
            queue_wait: Duration::from_secs(5),
        }
    }
}

/// Shared application state, registered once as `web::Data<AppState>`.
#[derive(Debug, Clone)]
pub struct AppState {
    /// Who may call what: keys, trusted proxies.
    pub access: AccessPolicy,
    /// Which browser origins may call the API.
    pub cors: CorsPolicy,
    /// Which host names the server answers to.
    pub hosts: HostPolicy,
    /// Rate limits (failed authentications, writes, expensive reads).
    pub rates: Arc<RateLimits>,
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
    read_gate: Arc<Semaphore>,
    /// Admits one write at a time to the blocking pool: writes are serial anyway.
    write_gate: Arc<Semaphore>,
    /// Admits [`Limits::expensive_reads`] expensive reads at a time, apart from the read
    /// gate, so they never stand in front of the checkout card.
    expensive_gate: Arc<Semaphore>,
    /// Set once the server is told to stop: waits for long work end then, so a stop is
    /// never held up by a refresh or a forecast.
    stopping: Arc<watch::Sender<bool>>,
}

/// Everything an [`AppState`] is made of but its gates.
#[derive(Debug)]
pub struct StateParts {
    /// Keys and trusted proxies.
    pub access: AccessPolicy,
    /// Allowed browser origins.
    pub cors: CorsPolicy,
    /// Allowed host names.
    pub hosts: HostPolicy,
    /// Rate limits.
    pub rates: RatePolicy,
    /// Metrics.
    pub metrics: Arc<Metrics>,
    /// Bounds.
    pub limits: Limits,
    /// The store's currency.
    pub currency: String,
    /// The use cases.
    pub service: Arc<Service>,
    /// Read connections of the store: reads admitted at once.
    pub read_connections: usize,
}

impl AppState {
    /// The state, with its gates sized from `parts`.
    pub fn new(parts: StateParts) -> Self {
        let StateParts { access, cors, hosts, rates, metrics, limits, currency, service, read_connections } = parts;
        Self {
            access,
            cors,
            hosts,
            rates: Arc::new(RateLimits::new(rates)),
            metrics,
            limits,
            currency,
            service,
            read_gate: Arc::new(Semaphore::new(read_connections.max(1))),
            write_gate: Arc::new(Semaphore::new(1)),
            expensive_gate: Arc::new(Semaphore::new(limits.expensive_reads.max(1))),
            stopping: Arc::new(watch::Sender::new(false)),
        }
    }

    /// Says the server is stopping: every request waiting on long work ([`Self::expensive`],
    /// [`Self::until_stop`]) answers 503 at once, while writes in flight finish.
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    /// `work`'s answer, or 503 as soon as the server is told to stop (the work itself runs
    /// on; the process ends without it, and the store keeps whatever it had committed).
    pub async fn until_stop<T>(&self, work: impl Future<Output = Result<T, ApiError>>) -> Result<T, ApiError> {
        let mut stopping = self.stopping.subscribe();
        tokio::select! {
            // A stop wins over work that is done at the same moment: once stopping, nothing new.
            biased;
            _ = stopping.wait_for(|stopping| *stopping) => Err(ApiError::Unavailable(
                "the server is stopping; this request was not completed, retry it once the server is back".into(),
            )),
            answer = work => answer,
        }
    }

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
    ///
    /// A write waits for its turn at most [`Limits::queue_wait`], then is refused with 503
    /// and `Retry-After` (nothing written), so a slow write never holds a queue of others
    /// for longer than a client would wait.
    pub async fn write<T, F>(&self, use_case: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Service) -> Result<T, ServiceError> + Send + 'static,
    {
        let turn = self.turn(&self.write_gate, "the writer is busy with earlier writes; nothing was written").await?;
        self.block(move |service| {
            // Held until the write ends, even when its client has stopped waiting.
            let _turn = turn;
            use_case(service)
        })
        .await
    }

    /// Runs an expensive read (its cost set by the request: a forecast computed for it, a
    /// backtest, a calendar file read, an export) on its own bounded slots, within
    /// [`Limits::expensive_budget`]. With every slot taken for [`Limits::queue_wait`] it is
    /// refused with 503 and `Retry-After`. The use case checks its [`Budget`] between
    /// steps: once the time is spent, or the client has gone (this future dropped), it
    /// stops at the next step.
    pub async fn expensive<T, F>(&self, caller: &Caller, use_case: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Service, &Budget) -> Result<T, ServiceError> + Send + 'static,
    {
        let slot = self.expensive_slot(caller).await?;
        let limit = self.limits.expensive_budget;
        let budget = Budget::new(limit);
        // Dropped with this future (the client hung up, or the time is spent): the work
        // stops at its next check.
        let _cancel_on_drop = CancelOnDrop(budget.clone());
        let work = self.block(move |service| {
            // The slot is held until the work ends, not until its caller stops waiting: at
            // most `expensive_reads` of them ever run at once.
            let _slot = slot;
            use_case(service, &budget)
        });
        // The answer comes when the time is spent, whether or not the work has reached a check.
        match actix_web::rt::time::timeout(limit, self.until_stop(work)).await {
            Ok(answer) => answer,
            Err(_) => Err(ApiError::OverBudget(format!(
                "the request needs more than the {} s it may take, and was abandoned; narrow it, or retry when the \
                 server is less busy",
                limit.as_secs_f64()
            ))),
        }
    }

    /// Streams what `produce` writes as a response body (an export): admitted as an
    /// expensive read (the caller's rate, one of the expensive slots, held until the last
    /// byte), but without a time budget, as an export of any size takes as long as its
    /// client reads. It is written on the blocking pool into a channel of a few 64 KiB
    /// chunks, so a slow client holds memory of that size and no store connection; when the
    /// client goes away the next write fails and the work stops. A failure after the first
    /// byte ends the body with an error, which a client sees as a truncated transfer.
    pub async fn stream<F>(&self, caller: &Caller, produce: F) -> Result<crate::stream::Chunks, ApiError>
    where
        F: FnOnce(&Service, &mut crate::stream::ChannelWriter) -> Result<(), String> + Send + 'static,
    {
        let slot = self.expensive_slot(caller).await?;
        let (mut writer, chunks) = crate::stream::channel();
        let service = Arc::clone(&self.service);
        // Not awaited: it runs while the response streams, and ends with it.
        drop(actix_web::rt::task::spawn_blocking(move || {
            let _slot = slot;
            let outcome = produce(&service, &mut writer).and_then(|()| writer.finish().map_err(|e| e.to_string()));
            if let Err(error) = outcome {
                log::warn!("a streamed export stopped: {error}");
                writer.fail(error);
            }
        }));
        Ok(chunks)
    }

    /// The caller's expensive read counted against its rate, and one of the expensive-read
    /// slots, waited for at most [`Limits::queue_wait`].
    async fn expensive_slot(&self, caller: &Caller) -> Result<OwnedSemaphorePermit, ApiError> {
        self.rates.check_expensive(caller.subject())?;
        self.turn(
            &self.expensive_gate,
            "every slot for expensive reads (forecasts, backtests, imports, exports) is busy",
        )
        .await
    }

    /// A permit of `gate`, waited for at most [`Limits::queue_wait`].
    async fn turn(&self, gate: &Arc<Semaphore>, busy: &str) -> Result<OwnedSemaphorePermit, ApiError> {
        match actix_web::rt::time::timeout(self.limits.queue_wait, Arc::clone(gate).acquire_owned()).await {
            Ok(permit) => permit.map_err(ApiError::internal),
            Err(_) => Err(ApiError::Busy(format!(
                "{busy}: no turn within {} s; retry shortly",
                self.limits.queue_wait.as_secs_f64()
            ))),
        }
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

/// Cancels a budget when dropped: the work it bounds stops at its next check.
struct CancelOnDrop(Budget);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_service::{AnalyticsConfig, ServiceLimits};
    use crm_storage::{Database, DbOptions};
    use std::sync::mpsc;

    fn state(dir: &tempfile::TempDir, limits: Limits) -> AppState {
        let db = Database::open(dir.path().join("crm.sqlite"), DbOptions::default()).unwrap();
        let service = Service::new(
            Arc::new(db),
            crm_domain::StoreZone::UTC,
            AnalyticsConfig::default(),
            ServiceLimits::default(),
        );
        AppState::new(StateParts {
            access: AccessPolicy::default(),
            cors: CorsPolicy::default(),
            hosts: HostPolicy::default(),
            rates: RatePolicy::default(),
            metrics: Arc::default(),
            limits,
            currency: "EUR".into(),
            service: Arc::new(service),
            read_connections: 2,
        })
    }

    fn local() -> Caller {
        Caller { presented: crate::access::Presented::Nothing, client: Some("127.0.0.1".parse().unwrap()) }
    }

    fn limits() -> Limits {
        Limits { expensive_reads: 1, queue_wait: Duration::from_millis(200), ..Limits::default() }
    }

    /// Waits (without blocking the runtime) until `ready` holds.
    async fn until(ready: impl Fn() -> bool) {
        while !ready() {
            actix_web::rt::time::sleep(Duration::from_millis(5)).await;
        }
    }

    #[actix_web::test]
    async fn an_expensive_read_waits_for_a_slot_no_longer_than_the_queue_wait() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(&dir, limits());
        let (release, hold) = mpsc::channel::<()>();
        let first = actix_web::rt::spawn({
            let state = state.clone();
            async move { state.expensive(&local(), move |_, _| Ok(hold.recv().is_ok())).await }
        });
        until(|| state.expensive_gate.available_permits() == 0).await;
        let second = state.expensive(&local(), |_, _| Ok(false)).await.unwrap_err();
        assert_eq!(second.problem().status, 503);
        assert_eq!(
            second.to_string(),
            "every slot for expensive reads (forecasts, backtests, imports, exports) is busy: no turn within 0.2 s; \
             retry shortly"
        );
        assert_eq!(second.problem().code, crate::ProblemCode::Busy);
        // Cheap reads never wait behind it.
        assert_eq!(state.read(|_| Ok(7)).await.unwrap(), 7);
        release.send(()).unwrap();
        assert!(first.await.unwrap().unwrap());
        assert!(!state.expensive(&local(), |_, _| Ok(false)).await.unwrap());
    }

    #[actix_web::test]
    async fn an_abandoned_expensive_read_stops_at_its_next_check_and_frees_its_slot() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(&dir, limits());
        let (started, has_started) = mpsc::channel::<()>();
        let (stopped, why) = mpsc::channel::<String>();
        let request = actix_web::rt::spawn({
            let state = state.clone();
            async move {
                state
                    .expensive::<(), _>(&local(), move |_, budget| {
                        let _ = started.send(());
                        loop {
                            if let Err(e) = budget.check() {
                                let _ = stopped.send(e.to_string());
                                return Err(e);
                            }
                            std::thread::sleep(Duration::from_millis(2));
                        }
                    })
                    .await
            }
        });
        until(|| has_started.try_recv().is_ok()).await;
        // The client hangs up: actix drops the handler's future.
        request.abort();
        let mut reason = None;
        while reason.is_none() {
            actix_web::rt::time::sleep(Duration::from_millis(5)).await;
            reason = why.try_recv().ok();
        }
        assert_eq!(reason.as_deref(), Some("the request was abandoned by its caller"));
        until(|| state.expensive_gate.available_permits() == 1).await;
    }

    #[actix_web::test]
    async fn an_expensive_read_that_outlives_its_budget_is_over_budget() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(&dir, Limits { expensive_budget: Duration::from_millis(50), ..limits() });
        let answer = state
            .expensive::<(), _>(&local(), |_, budget| {
                loop {
                    budget.check()?;
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
            .await
            .unwrap_err();
        assert_eq!((answer.problem().status, answer.problem().code), (503, crate::ProblemCode::OverBudget));
    }

    #[actix_web::test]
    async fn the_answer_comes_when_the_budget_is_spent_even_if_the_work_never_checks_it() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(&dir, Limits { expensive_budget: Duration::from_millis(50), ..limits() });
        let (release, hold) = mpsc::channel::<()>();
        let (ended, has_ended) = mpsc::channel::<bool>();
        // Work that ignores its budget and ends only when released.
        let answer = state
            .expensive(&local(), move |_, budget| {
                let _ = hold.recv();
                let _ = ended.send(budget.check().is_err());
                Ok(())
            })
            .await
            .unwrap_err();
        assert_eq!(answer.problem().code, crate::ProblemCode::OverBudget);
        assert!(answer.to_string().starts_with("the request needs more than the 0.05 s it may take"), "{answer}");
        // The work still holds its slot: the pool stays bounded while it runs.
        assert_eq!(state.expensive_gate.available_permits(), 0);
        release.send(()).unwrap();
        let mut saw_cancelled = None;
        while saw_cancelled.is_none() {
            actix_web::rt::time::sleep(Duration::from_millis(5)).await;
            saw_cancelled = has_ended.try_recv().ok();
        }
        assert_eq!(saw_cancelled, Some(true), "the abandoned work saw its budget cancelled");
        until(|| state.expensive_gate.available_permits() == 1).await;
    }

    #[actix_web::test]
    async fn a_stop_answers_the_waits_on_long_work_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(&dir, limits());
        let (release, hold) = mpsc::channel::<()>();
        let refresh = actix_web::rt::spawn({
            let state = state.clone();
            async move { state.until_stop(state.block(move |_| Ok(hold.recv().is_ok()))).await }
        });
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        state.stop();
        let answer = refresh.await.unwrap().unwrap_err();
        assert_eq!(answer.problem().status, 503);
        assert_eq!(
            answer.to_string(),
            "the server is stopping; this request was not completed, retry it once the server is back"
        );
        release.send(()).unwrap();
        // After the stop, long work is refused at once too.
        let late = state.expensive(&local(), |_, _| Ok(())).await.unwrap_err();
        assert_eq!(late.problem().status, 503);
    }

    #[actix_web::test]
    async fn a_write_waits_for_the_writer_no_longer_than_the_queue_wait() {
        let dir = tempfile::tempdir().unwrap();
        let state = state(&dir, limits());
        let (release, hold) = mpsc::channel::<()>();
        let first = actix_web::rt::spawn({
            let state = state.clone();
            async move { state.write(move |_| Ok(hold.recv().is_ok())).await }
        });
        until(|| state.write_gate.available_permits() == 0).await;
        let second = state.write(|_| Ok(false)).await.unwrap_err();
        assert_eq!(
            second.to_string(),
            "the writer is busy with earlier writes; nothing was written: no turn within 0.2 s; retry shortly"
        );
        release.send(()).unwrap();
        assert!(first.await.unwrap().unwrap());
    }
}
