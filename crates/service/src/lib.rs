//! The use cases of crm-trends, between the HTTP shell (`crm-api`) and the store and
//! analytics (`crm-storage`, `crm-analytics`): sync (validate, store, mark the insight cards
//! it changed, ask for a refresh), the analytics refresh, prepared insight cards and card
//! reads, trends and the dashboard, customers and the calendar.
//!
//! It knows no HTTP and no OpenAPI: every use case is a method of [`Service`] that takes
//! domain values (or what a client sent, for the records it validates) and returns values
//! or a [`ServiceError`]. Methods block (they run queries): an async caller runs them on
//! its blocking pool. A CLI calls them directly.

mod budget;
mod calendar;
mod card;
mod cards;
mod clock;
mod customers;
mod error;
mod export;
mod forecast;
mod ical;
mod import;
mod personal;
mod refresh;
mod reorder;
mod replicas;
mod status;
mod sync;
mod trends;
mod value;

pub use budget::Budget;
pub use calendar::{EventSpan, MAX_LIST_DAYS, unreadable_event};
pub use card::{CardValue, InsightCard, LastPurchase, PreferredProduct, PurchaseLine, RfmScores, Suggestion};
pub use cards::{CardBook, CardBookStats};
pub use clock::{Clock, FixedClock, SystemClock};
pub use customers::{CustomerPage, CustomerQuery, CustomerSort, MAX_LIMIT};
pub use error::{Invalid, RecordFault, ServiceError, StoreFault, StoreFaultKind};
pub use export::{EXPORT_PAGE, ExportError, ExportRequest, ExportTable, MAX_EXPORT_DAYS};
pub use forecast::{
    ACCURACY_FOLDS, ACCURACY_HORIZON, DEFAULT_FORECAST_DAYS, Forecast, ForecastAccuracy, ForecastBook, ForecastRequest,
    ForecastStats, ForecastTarget, MAX_FORECAST_DAYS, STORE_HISTORY_DAYS,
};
pub use ical::{ImportReport, ImportRequest, ImportedOccurrence, MAX_IMPORT_OCCURRENCES, read_calendar_file};
pub use import::{
    CsvImport, DEFAULT_TIME_FORMATS, EventBatch, IMPORT_BATCH_RECORDS, ImportFailure, ImportFormat, ImportKind,
    ImportSummary, ImportTarget, ImportWatcher, Layout, MAX_ROW_BYTES, MAX_ROW_LINES, MAX_SOURCE_IDS, Opener,
    PROGRESS_EVERY_ROWS, RejectedRow, Rules, SOURCE_ID, SourceIds, SourceKind, TextEncoding, import_csv, source_id,
};
pub use personal::{CustomerData, CustomerRecord, SaleLineRecord, SaleRecord};
pub use refresh::{AnalyticsConfig, RefreshTrigger, run_forever};
pub use reorder::{
    DASHBOARD_REORDER_LINES, MIN_REORDER_HORIZON_DAYS, ReorderItem, ReorderList, ReorderOverview, ReorderStatus,
};
pub use replicas::{FOLLOW_EVERY, LEASE_MS};
pub use status::{STALE_AFTER, SyncState, staleness};
pub use sync::Received;
pub use trends::{
    Dashboard, DashboardRequest, MAX_DASHBOARD_DAYS, MAX_PRODUCTS, MAX_RANGE_DAYS, ProductSold, ProductSort,
    ProductsRequest, SegmentCounts, SegmentReport, TrendPoint, TrendRequest, TrendSeries, TrendSummary, average_basket,
};
pub use value::{
    BgNbdParams, Calibration, CalibrationWeek, CustomerValue, CustomerValueReport, DEFAULT_VALUE_HORIZON_DAYS,
    GammaGammaParams, MAX_VALUE_HORIZON_DAYS, ModelFit, SLIPPING_BELOW, SLIPPING_LIMIT, SlippingCustomer, ValueDecile,
    ValueModels, ValueScoreDetail,
};

use crm_domain::StoreZone;
use crm_storage::Database;
use std::sync::Arc;

/// Bounds on what one call may carry.
#[derive(Debug, Clone, Copy)]
pub struct ServiceLimits {
    /// Most records in one sync batch.
    pub max_batch_records: usize,
}

impl Default for ServiceLimits {
    fn default() -> Self {
        Self { max_batch_records: 10_000 }
    }
}

/// The use cases, over one store.
#[derive(Debug)]
pub struct Service {
    db: Arc<Database>,
    zone: StoreZone,
    config: AnalyticsConfig,
    limits: ServiceLimits,
    cards: CardBook,
    forecasts: ForecastBook,
    values: value::ValueBook,
    refresh: RefreshTrigger,
    clock: Arc<dyn Clock>,
    /// This process's name among the replicas on the store.
    replica: String,
    follower: replicas::Follower,
}

impl Service {
    /// The use cases over `db`, for a store in `zone`, with the analytics rules `config`.
    pub fn new(db: Arc<Database>, zone: StoreZone, config: AnalyticsConfig, limits: ServiceLimits) -> Self {
        Self {
            db,
            zone,
            config,
            limits,
            cards: CardBook::default(),
            forecasts: ForecastBook::default(),
            values: value::ValueBook::default(),
            refresh: RefreshTrigger::default(),
            clock: Arc::new(SystemClock),
            replica: replicas::replica_name(),
            follower: replicas::Follower::default(),
        }
    }

    /// The same service reading the time from `clock` (the system's by default).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The current instant, as the service's clock says.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// The store-local day it is now.
    pub fn today(&self) -> chrono::NaiveDate {
        self.zone.today(self.now())
    }

    /// The store's time zone.
    pub fn zone(&self) -> StoreZone {
        self.zone
    }

    /// The analytics rules.
    pub fn config(&self) -> &AnalyticsConfig {
        &self.config
    }

    /// The engine the store runs on: `sqlite` or `postgresql`.
    pub fn backend_name(&self) -> &'static str {
        self.db.backend().as_str()
    }

    /// The size of the store's files (database and write-ahead log), in bytes.
    pub fn store_bytes(&self) -> u64 {
        self.db.size_bytes()
    }

    /// Prepared insight cards and pending marks, for the operator.
    pub fn card_stats(&self) -> CardBookStats {
        self.cards.stats()
    }
}

/// An error and its causes, outermost first, joined by `: `: what a log line shows.
pub use crm_domain::error_chain;
