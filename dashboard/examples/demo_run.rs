//! Records the tests' realistic run (50 rounds of every kind of decision, with evidence,
//! attribution records, a static report) into a runs folder and serves it, to look at the
//! dashboard without running an evolution:
//!
//! ```sh
//! cargo run -p dashboard --example demo_run -- out/demo-runs 50 127.0.0.1:8484
//! ```

#[path = "../tests/dashboard/fixture.rs"]
mod fixture;

use std::path::PathBuf;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or("usage: demo_run DIR [ROUNDS] [ADDR]")?);
    let rounds: u32 = args.next().map_or(Ok(50), |r| r.parse())?;
    let addr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:8484".into())
        .parse()?;
    if dir.join(fixture::DATABASE).exists() {
        return Err(format!("{} already holds a run database", dir.display()).into());
    }
    let run = fixture::record_run(&dir, rounds).await;
    let mut config = dashboard::ServeConfig::new(&dir);
    config.addr = addr;
    let dashboard = dashboard::Dashboard::bind(config).await?;
    println!(
        "run {run} recorded; serving http://{}/",
        dashboard.local_addr()
    );
    dashboard
        .run(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
