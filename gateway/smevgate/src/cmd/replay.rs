//! `smevgate replay`: sends the fixtures to a node and compares answers.

use std::process::ExitCode;

use crate::cli::ReplayArgs;

/// Runs the replay.
pub async fn run(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("replay of {} is not built yet", args.dir.display())
}
