//! `smevgate load`: signed SendRequest throughput and latency.

use std::process::ExitCode;

use crate::cli::LoadArgs;

/// Runs the load.
pub async fn run(args: LoadArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("load against {} is not built yet", args.target)
}
