//! Integration tests of the dashboard: a real server on 127.0.0.1:0 over a runs folder
//! recorded through the memory API. The modules live in `tests/dashboard/` (one test binary
//! for the crate).

#[path = "dashboard/browser.rs"]
mod browser;
#[path = "dashboard/fixture.rs"]
mod fixture;
#[path = "dashboard/live.rs"]
mod live;
#[path = "dashboard/routes.rs"]
mod routes;
#[path = "dashboard/security.rs"]
mod security;
#[path = "dashboard/support.rs"]
mod support;
