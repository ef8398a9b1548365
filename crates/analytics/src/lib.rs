//! Pure analytics over crm-trends domain values: usable by any Rust service.
//!
//! No I/O, no clock, no environment: slices of domain values in, values out. Where a
//! computation needs "today" it takes it as an argument. Degenerate input (no data, one
//! day) gives a defined result, never a panic.

pub mod series;

pub use series::{Bucket, Granularity, bucket_days, fill_days};
