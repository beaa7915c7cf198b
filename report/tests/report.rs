//! Integration tests of the report crate: rendering a constructed report, and loading and
//! rendering a small run written into a temporary SQLite file with the memory API.
//! The modules live in `tests/report/` (one test binary for the crate).

#[path = "report/rendering.rs"]
mod rendering;
#[path = "report/stored_run.rs"]
mod stored_run;
#[path = "report/support.rs"]
mod support;
