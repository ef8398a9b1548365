//! Pure analytics over crm-trends domain values: usable by any Rust service.
//!
//! No I/O, no clock, no environment: slices of domain values in, values out. Where a
//! computation needs "today" it takes it as an argument. Degenerate input (no data, one
//! day, zero variance, NaN) gives a defined result or `None`, never a panic. The
//! definitions and formulas are written out in `docs/analytics.md`.

pub mod basket;
pub mod customer;
pub mod demand;
pub mod forecast;
pub mod popularity;
pub mod purpose;
pub mod reorder;
pub mod rfm;
pub mod segments;
pub mod series;
pub mod trend;
pub mod value;

pub use series::{Bucket, bucket_days, fill_days};
