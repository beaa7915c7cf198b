//! `orchestrator serve`: the read-only dashboard over the runs folder, until Ctrl-C.

use crate::cli::ServeArgs;
use crate::commands::run::runtime;
use std::process::ExitCode;

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async move {
        let mut config = dashboard::ServeConfig::new(&args.runs.dir);
        config.addr = args.addr;
        config.token = args.token;
        let with_token = config.token.is_some();
        let server = dashboard::Dashboard::bind(config).await?;
        let addr = server.local_addr();
        if with_token {
            println!("serving {} on http://{addr}/ (send the token as `Authorization: Bearer`, or open http://{addr}/login?token=… once in a browser); Ctrl-C stops", args.runs.dir.display());
        } else {
            println!("serving {} on http://{addr}/ ; Ctrl-C stops", args.runs.dir.display());
        }
        server
            .run(async {
                // Ctrl-C (or a failure to listen for it) stops the server gracefully.
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        Ok(ExitCode::SUCCESS)
    })
}
