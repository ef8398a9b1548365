//! Customer endpoints: the checkout insight card, the searchable list and purpose tags.

mod card;
pub(crate) mod insights;
pub(crate) mod list;
pub(crate) mod tags;

pub(crate) use card::{
    CardFacts, LastSaleFacts, LineFacts, PAIRS_CONSIDERED, ProductLabels, RfmFacts, purchase_facts,
    render as render_card,
};
#[cfg(test)]
pub(crate) use insights::read_card;
pub use insights::{
    ChurnRiskView, CustomerInsightsResponse, LastPurchaseView, PreferredProductView, PurchaseLineView,
    RecommendationView, RfmView, get_customer_insights,
};
pub use list::{CustomerListResponse, CustomerSummaryView, ListCustomersQuery, list_customers};
pub use tags::{SetTagsRequest, TagsResponse, set_customer_tags};

use crm_analytics::segments::Segment;
use serde::Serialize;
use utoipa::ToSchema;

/// The seed's customer segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SegmentName {
    /// No completed purchase yet.
    Prospect,
    /// First purchase within the last 30 days (configurable).
    New,
    /// Everyone else with purchases.
    Regular,
    /// Top tenth of trailing-year spend with 3+ purchases (configurable).
    Vip,
}

impl From<Segment> for SegmentName {
    fn from(s: Segment) -> Self {
        match s {
            Segment::Prospect => Self::Prospect,
            Segment::New => Self::New,
            Segment::Regular => Self::Regular,
            Segment::Vip => Self::Vip,
        }
    }
}

impl From<SegmentName> for Segment {
    fn from(s: SegmentName) -> Self {
        match s {
            SegmentName::Prospect => Self::Prospect,
            SegmentName::New => Self::New,
            SegmentName::Regular => Self::Regular,
            SegmentName::Vip => Self::Vip,
        }
    }
}

impl SegmentName {
    /// The segment of a stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        Segment::from_name(name).map(Into::into)
    }

    /// The stored name (the analytics crate's, so the two can never disagree).
    pub fn as_str(self) -> &'static str {
        Segment::from(self).as_str()
    }
}
