//! Tests of the `plans` crate: hand-made diaries for the conversion rules, and every
//! format on both real benchmarks (prepared from `../shared/data` into a temporary
//! folder; the tests fail, naming the folder, when the data is absent).

#[path = "plans/support.rs"]
mod support;

#[path = "plans/conversion.rs"]
mod conversion;
#[path = "plans/formats.rs"]
mod formats;
