//! Domain types and validation rules for crm-trends.
//!
//! Everything here is plain data with validated constructors: a value of one of these
//! types has passed its rules, so the layers above never re-check them. The crate knows
//! nothing of HTTP, SQL or the clock; where a rule needs "now" or the store's time zone,
//! it takes them as arguments.

mod advice;
mod calendar;
mod daily;
mod derived;
mod error;
mod fields;
mod forecast;
mod ids;
mod labels;
mod money;
mod records;
mod status;
mod tags;
mod text;
mod time;

pub use advice::{Advice, Basis, EffectSource, ForecastMethod, Phase, ReorderPolicy, ReorderStatus, UnitsMethod};
pub use calendar::{
    CalendarEvent, EventFields, ImpactLevel, MAX_DEMAND_MULTIPLIER, MAX_EVENT_DAYS, MAX_EVENT_LEAD_DAYS, StoredEvent,
};
pub use daily::{DaySales, Granularity};
pub use derived::{
    ChurnBasis, ChurnLevel, ChurnRisk, CustomerAnalytics, CustomerProfile, Direction, PopularProduct, ProductTrend,
    RfmSegment, Segment, ValueScore,
};
pub use error::{DomainError, FieldError, error_chain};
pub use fields::Fields;
pub use forecast::{Accuracy, Adjustment, AdjustmentSource, DayForecast};
pub use ids::{CustomerId, EventId, MAX_ID, ProductId, SaleId};
pub use labels::Label;
pub use money::{Money, UnitPrice};
pub use records::{
    Customer, CustomerFields, MAX_LEAD_TIME_DAYS, MAX_ORDER_UNITS, MAX_STOCK, Product, ProductFields, Sale, SaleFields,
    SaleItem, SaleLineFields, SaleStatus,
};
pub use status::{AnalyticsRun, KindStatus, SyncCounts, SyncKind, SyncStatus, TableCounts, WriteFault};
pub use tags::{MAX_TAGS, TAG, event_tag, parse_tags};
pub use text::{
    TextRule, is_bidi_control, is_default_ignorable, nfc, optional_email, optional_text, required_text, rules,
    spreadsheet_safe, spreadsheet_unguarded,
};
pub use time::{StoreZone, parse_day, parse_timestamp};

/// Largest quantity accepted on one sale line.
pub const MAX_QUANTITY: i64 = 1_000_000;
/// Largest number of lines accepted on one sale.
pub const MAX_ITEMS_PER_SALE: usize = 1_000;

labels::labels!(
    Segment,
    RfmSegment,
    Direction,
    ChurnLevel,
    ChurnBasis,
    ImpactLevel,
    SaleStatus,
    UnitsMethod,
    ForecastMethod,
    Phase,
    Basis,
    EffectSource,
    ReorderStatus,
    SyncKind,
    Granularity,
);
