//! The names of what the forecast and the reorder advice say: how a product is forecast,
//! how an event adjusted a day and where its multiplier came from, and where a product
//! stands for reordering. The analytics compute them (`crm_analytics::demand`,
//! `crm_analytics::reorder`); every layer names them with these types.

/// How a product's units (or the store's series) are forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnitsMethod {
    /// The regression model on the daily series.
    Regression,
    /// Teunter–Syntetos–Babai for intermittent demand.
    Intermittent,
}

impl UnitsMethod {
    /// Every method.
    pub const ALL: [Self; 2] = [Self::Regression, Self::Intermittent];

    /// The name shown (`regression`, `intermittent`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Regression => "regression",
            Self::Intermittent => "intermittent",
        }
    }
}

/// How a forecast was made: a product's [`UnitsMethod`], or nothing to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ForecastMethod {
    /// The regression model (the store, and products that sell most days).
    Regression,
    /// Teunter–Syntetos–Babai (products that sell on few days).
    Intermittent,
    /// A product that sold nothing in its history window: every day is 0.
    NoSales,
}

impl ForecastMethod {
    /// Every method.
    pub const ALL: [Self; 3] = [Self::Regression, Self::Intermittent, Self::NoSales];

    /// The name shown (`regression`, `intermittent`, `no_sales`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Regression => "regression",
            Self::Intermittent => "intermittent",
            Self::NoSales => "no_sales",
        }
    }
}

impl From<Option<UnitsMethod>> for ForecastMethod {
    fn from(method: Option<UnitsMethod>) -> Self {
        match method {
            Some(UnitsMethod::Regression) => Self::Regression,
            Some(UnitsMethod::Intermittent) => Self::Intermittent,
            None => Self::NoSales,
        }
    }
}

/// Which part of an event adjusts a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// One of the lead days before the event.
    BuildUp,
    /// One of the event's own days.
    Event,
}

impl Phase {
    /// Every phase.
    pub const ALL: [Self; 2] = [Self::BuildUp, Self::Event];

    /// The name shown (`build_up`, `event`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::BuildUp => "build_up",
            Self::Event => "event",
        }
    }
}

/// What a learned effect was learned from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Basis {
    /// Past occurrences of the same event.
    SameEvent,
    /// Past occurrences of other events of the same type.
    SameType,
}

impl Basis {
    /// Every basis.
    pub const ALL: [Self; 2] = [Self::SameEvent, Self::SameType];

    /// The name shown (`same_event`, `same_type`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SameEvent => "same_event",
            Self::SameType => "same_type",
        }
    }
}

/// Where an event's multiplier came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EffectSource {
    /// Learned from the history.
    Learned,
    /// The event's declared multiplier (no history, or a declared closure).
    Declared,
}

impl EffectSource {
    /// Every source.
    pub const ALL: [Self; 2] = [Self::Learned, Self::Declared];

    /// The name shown (`learned`, `declared`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Learned => "learned",
            Self::Declared => "declared",
        }
    }
}

/// Where a product stands for reordering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReorderStatus {
    /// At or below its reorder point: order now.
    OrderNow,
    /// Enough stock for the lead time.
    Enough,
    /// Sold in its history window, but the catalogue gives no stock level.
    NoStockData,
    /// Nothing sold in its history window: no demand to plan for.
    NoSalesHistory,
    /// Marked discontinued: never recommended.
    Discontinued,
}

impl ReorderStatus {
    /// Every status, in the order the list shows them within the same days of cover.
    pub const ALL: [Self; 5] =
        [Self::OrderNow, Self::Enough, Self::NoStockData, Self::NoSalesHistory, Self::Discontinued];

    /// The name shown (`order_now`, `enough`, `no_stock_data`, `no_sales_history`,
    /// `discontinued`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::OrderNow => "order_now",
            Self::Enough => "enough",
            Self::NoStockData => "no_stock_data",
            Self::NoSalesHistory => "no_sales_history",
            Self::Discontinued => "discontinued",
        }
    }
}
/// The advice for one product.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Advice {
    /// The lead time used (the product's, or the policy's default).
    pub lead_time_days: u32,
    /// Expected demand over the lead time.
    pub lead_time_demand: f64,
    /// Safety stock, `z·σ_L`.
    pub safety_stock: f64,
    /// Reorder point, `μ_L + z·σ_L`.
    pub reorder_point: f64,
    /// Days the stock lasts at the forecast mean; `None` when nothing is forecast to sell.
    pub days_of_cover: Option<f64>,
    /// Units to order now (0: no order).
    pub order_quantity: i64,
    /// The order's cost in cents, when the unit cost is known.
    pub order_cost_cents: Option<i64>,
}

/// The store's reorder rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReorderPolicy {
    /// Chance of not running out before an order arrives (default 0.95).
    pub service_level: f64,
    /// Days until the order list is looked at again (default 7).
    pub review_days: u32,
    /// Lead time of a product that gives none (default 7 days).
    pub default_lead_time_days: u32,
}

impl Default for ReorderPolicy {
    fn default() -> Self {
        Self { service_level: 0.95, review_days: 7, default_lead_time_days: 7 }
    }
}
