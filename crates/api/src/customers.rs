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
