//! Customer endpoints: the checkout insight card, the searchable list and purpose tags.

pub(crate) mod insights;
pub(crate) mod list;
pub(crate) mod tags;

pub use insights::{
    ChurnRiskView, CustomerInsightsResponse, LastPurchaseView, PreferredProductView, PurchaseLineView,
    RecommendationView, RfmView, get_customer_insights,
};
pub use list::{CustomerListResponse, CustomerSummaryView, ListCustomersQuery, list_customers};
pub use tags::{SetTagsRequest, TagsResponse, set_customer_tags};

use crm_domain::Segment;
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
