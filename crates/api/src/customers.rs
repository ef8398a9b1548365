//! Customer endpoints: the checkout insight card, the searchable list, purpose tags, and a
//! customer's personal data (its export for an access request, and erasure).

pub(crate) mod insights;
pub(crate) mod list;
pub(crate) mod personal;
pub(crate) mod tags;

pub use insights::{
    ChurnRiskView, CustomerInsightsResponse, LastPurchaseView, PreferredProductView, PurchaseLineView,
    RecommendationView, RfmView, get_customer_insights,
};
pub use list::{CustomerListResponse, CustomerSummaryView, ListCustomersQuery, list_customers};
pub use personal::{
    CustomerDataResponse, CustomerRecordView, SaleLineView, SaleRecordView, erase_customer, export_customer,
};
pub use tags::{SetTagsRequest, TagsResponse, set_customer_tags};
