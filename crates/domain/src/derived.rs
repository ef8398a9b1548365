//! What the analytics derive and the store keeps: the seed's customer segments, the named
//! RFM segments, trend directions and churn levels, and the per-customer and per-product
//! figures of a refresh. They live here, beside the records, so every layer (analytics,
//! storage, service, API) names them with the same types; a name is read back into one of
//! these only where it is stored.

use crate::{CustomerId, ProductId};
use chrono::NaiveDate;

/// The seed's customer segments (rules in `crm_analytics::segments`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Segment {
    /// No completed purchase yet.
    Prospect,
    /// First purchase recently.
    New,
    /// Everyone else with purchases.
    Regular,
    /// Top spenders of the trailing window who buy repeatedly.
    Vip,
}

impl Segment {
    /// Every segment.
    pub const ALL: [Self; 4] = [Self::Prospect, Self::New, Self::Regular, Self::Vip];

    /// The segment's name as stored and sent (`prospect`, `new`, `regular`, `vip`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Prospect => "prospect",
            Self::New => "new",
            Self::Regular => "regular",
            Self::Vip => "vip",
        }
    }

    /// Finds a segment by its name.
    ///
    /// ```
    /// use crm_domain::Segment;
    /// assert_eq!(Segment::from_name("vip"), Some(Segment::Vip));
    /// assert_eq!(Segment::from_name("VIP"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// Named RFM segments, from the recency (R) and frequency (F) scores as in the usual
/// R-by-F grid; the monetary score is reported beside them but does not change the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RfmSegment {
    /// R 5, F 4-5: bought recently and often.
    Champions,
    /// R 3-4, F 4-5: buy often, fairly recently.
    Loyal,
    /// R 4-5, F 2-3: recent, with a few purchases.
    PotentialLoyalist,
    /// R 5, F 1: first purchase very recently.
    New,
    /// R 4, F 1: one recent purchase.
    Promising,
    /// R 3, F 3: average on both.
    NeedAttention,
    /// R 3, F 1-2: slipping, few purchases.
    AboutToSleep,
    /// R 1-2, F 3-4: used to buy often, not lately.
    AtRisk,
    /// R 1-2, F 5: among the most frequent ever, not lately.
    CannotLose,
    /// R 1-2, F 1-2 (but not R 1 F 1): long ago and rarely.
    Hibernating,
    /// R 1, F 1: one purchase, long ago.
    Lost,
}

impl RfmSegment {
    /// Every segment, best first.
    pub const ALL: [Self; 11] = [
        Self::Champions,
        Self::Loyal,
        Self::PotentialLoyalist,
        Self::New,
        Self::Promising,
        Self::NeedAttention,
        Self::AboutToSleep,
        Self::AtRisk,
        Self::CannotLose,
        Self::Hibernating,
        Self::Lost,
    ];

    /// The segment of a recency and a frequency score (each 1-5; values outside are clamped).
    ///
    /// ```
    /// use crm_domain::RfmSegment;
    /// assert_eq!(RfmSegment::from_scores(5, 5), RfmSegment::Champions);
    /// assert_eq!(RfmSegment::from_scores(1, 5), RfmSegment::CannotLose);
    /// assert_eq!(RfmSegment::from_scores(1, 1), RfmSegment::Lost);
    /// ```
    pub fn from_scores(recency: u8, frequency: u8) -> Self {
        match (recency.clamp(1, 5), frequency.clamp(1, 5)) {
            (5, 4..=5) => Self::Champions,
            (3..=4, 4..=5) => Self::Loyal,
            (1..=2, 5) => Self::CannotLose,
            (1..=2, 3..=4) => Self::AtRisk,
            (4..=5, 2..=3) => Self::PotentialLoyalist,
            (5, 1) => Self::New,
            (4, 1) => Self::Promising,
            (3, 3) => Self::NeedAttention,
            (3, 1..=2) => Self::AboutToSleep,
            (1, 1) => Self::Lost,
            _ => Self::Hibernating,
        }
    }

    /// The segment's name as stored, shown in the API and on the dashboard.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Champions => "Champions",
            Self::Loyal => "Loyal",
            Self::PotentialLoyalist => "Potential Loyalist",
            Self::New => "New",
            Self::Promising => "Promising",
            Self::NeedAttention => "Need Attention",
            Self::AboutToSleep => "About to Sleep",
            Self::AtRisk => "At Risk",
            Self::CannotLose => "Cannot Lose",
            Self::Hibernating => "Hibernating",
            Self::Lost => "Lost",
        }
    }

    /// Finds a segment by its [`name`](Self::as_str).
    ///
    /// ```
    /// use crm_domain::RfmSegment;
    /// assert_eq!(RfmSegment::from_name("At Risk"), Some(RfmSegment::AtRisk));
    /// assert_eq!(RfmSegment::from_name("at risk"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// Which way a series is heading (the test is in `crm_analytics::trend`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Significantly rising.
    Up,
    /// Significantly falling.
    Down,
    /// No significant slope (or too few points to tell).
    Flat,
}

impl Direction {
    /// Every direction.
    pub const ALL: [Self; 3] = [Self::Up, Self::Down, Self::Flat];

    /// The name as stored and sent (`up`, `down`, `flat`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
            Self::Flat => "flat",
        }
    }

    /// Finds a direction by its name.
    ///
    /// ```
    /// use crm_domain::Direction;
    /// assert_eq!(Direction::from_name("up"), Some(Direction::Up));
    /// assert_eq!(Direction::from_name("rising"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == name)
    }
}

/// How likely a customer is to have stopped coming (the rule is in
/// `crm_analytics::customer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChurnLevel {
    /// Within 1.5 typical gaps of the last visit.
    Low,
    /// Between 1.5 and 3 typical gaps.
    Medium,
    /// Three typical gaps or more.
    High,
}

impl ChurnLevel {
    /// Every level, lowest first.
    pub const ALL: [Self; 3] = [Self::Low, Self::Medium, Self::High];

    /// The level's name in the API (`low`, `medium`, `high`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

/// A customer's derived analytics: as the last refresh computed them.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerAnalytics {
    /// The customer.
    pub customer_id: CustomerId,
    /// The seed's segment.
    pub segment: Segment,
    /// The last purchase is older than the lapse limit.
    pub lapsed: bool,
    /// RFM recency score 1-5 (none for prospects).
    pub recency_score: Option<i32>,
    /// RFM frequency score 1-5.
    pub frequency_score: Option<i32>,
    /// RFM monetary score 1-5.
    pub monetary_score: Option<i32>,
    /// Named RFM segment.
    pub rfm_segment: Option<RfmSegment>,
    /// Completed purchases.
    pub visits: i64,
    /// Spent on completed purchases, in cents.
    pub total_spent_cents: i64,
    /// Day of the first completed purchase.
    pub first_purchase: Option<NaiveDate>,
    /// Day of the last completed purchase.
    pub last_purchase: Option<NaiveDate>,
    /// Days with a completed purchase (several sales on one day are one purchase day).
    pub purchase_days: i64,
    /// Customer value over the refresh's horizon (absent without a purchase, or where the
    /// models could not be fitted).
    pub value: Option<ValueScore>,
}

/// A customer's value as the BG/NBD and Gamma-Gamma models see it, over a horizon.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValueScore {
    /// Probability the customer is still buying, 0-1.
    pub p_alive: f64,
    /// Purchase days expected in the horizon.
    pub expected_purchases: f64,
    /// Spend expected in the horizon, in cents (absent where the spend model could not
    /// be fitted).
    pub expected_value_cents: Option<i64>,
}

/// A product's popularity: as the last refresh computed it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductTrend {
    /// The product.
    pub product_id: ProductId,
    /// 0-100.
    pub popularity_score: f64,
    /// 1 = most popular.
    pub popularity_rank: i32,
    /// Where its daily units are heading.
    pub trend_direction: Direction,
    /// Units weighted by age.
    pub decayed_units: f64,
    /// Revenue in cents weighted by age.
    pub decayed_revenue_cents: f64,
    /// Units within the trend window.
    pub recent_units: i64,
}

/// A customer's profile with its derived analytics (absent until the first refresh).
#[derive(Debug, Clone, PartialEq)]
pub struct CustomerProfile {
    /// The POS id.
    pub id: CustomerId,
    /// Name; `None` for a placeholder not synced yet.
    pub name: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Whether the customer is known only from sales so far.
    pub placeholder: bool,
    /// Segment, RFM and totals from the last refresh.
    pub analytics: Option<CustomerAnalytics>,
}

/// What answered a churn risk: the customer-value model (P(alive), for a customer with a
/// repeat purchase once the model is fitted) or the rule on days since the last visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChurnBasis {
    /// BG/NBD's probability that the customer is still buying.
    Model,
    /// Days since the last purchase against the customer's usual gap.
    Rule,
}

impl ChurnBasis {
    /// Both, the model first.
    pub const ALL: [Self; 2] = [Self::Model, Self::Rule];

    /// The name in the API (`model`, `rule`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Model => "model",
            Self::Rule => "rule",
        }
    }
}

/// Churn risk with the figures behind it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChurnRisk {
    /// The level.
    pub level: ChurnLevel,
    /// What answered.
    pub basis: ChurnBasis,
    /// The model's probability that the customer is still buying (with `basis` model).
    pub p_alive: Option<f64>,
    /// Days since the last purchase.
    pub days_since_last: i64,
    /// The gap compared against: the customer's own typical gap, or the default.
    pub expected_gap_days: f64,
    /// `days_since_last / expected_gap_days`.
    pub ratio: f64,
}

/// A ranked product with its catalogue name and category.
#[derive(Debug, Clone, PartialEq)]
pub struct PopularProduct {
    /// Its popularity, as the last refresh computed it.
    pub trend: ProductTrend,
    /// Its name in the catalogue.
    pub name: String,
    /// Its category, when the catalogue has one.
    pub category: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_reads_back_as_its_value() {
        for s in Segment::ALL {
            assert_eq!(Segment::from_name(s.as_str()), Some(s));
        }
        for s in RfmSegment::ALL {
            assert_eq!(RfmSegment::from_name(s.as_str()), Some(s));
        }
        for d in Direction::ALL {
            assert_eq!(Direction::from_name(d.as_str()), Some(d));
        }
    }

    #[test]
    fn every_cell_of_the_grid_has_the_segment_the_docs_give() {
        // Rows: recency 5 (top) to 1; columns: frequency 1 to 5.
        use RfmSegment::*;
        let grid = [
            [New, PotentialLoyalist, PotentialLoyalist, Champions, Champions],
            [Promising, PotentialLoyalist, PotentialLoyalist, Loyal, Loyal],
            [AboutToSleep, AboutToSleep, NeedAttention, Loyal, Loyal],
            [Hibernating, Hibernating, AtRisk, AtRisk, CannotLose],
            [Lost, Hibernating, AtRisk, AtRisk, CannotLose],
        ];
        for (row, recency) in grid.iter().zip((1..=5).rev()) {
            for (&expected, frequency) in row.iter().zip(1..=5) {
                assert_eq!(RfmSegment::from_scores(recency, frequency), expected, "R{recency} F{frequency}");
            }
        }
        assert_eq!(RfmSegment::from_scores(0, 9), RfmSegment::CannotLose, "scores are clamped to 1-5");
    }
}
