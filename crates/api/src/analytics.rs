//! The analytics read endpoints under `/api/analytics`.

mod trends;

pub use trends::{GranularityParam, TrendPoint, TrendTotals, TrendsQuery, TrendsResponse, get_trends};
