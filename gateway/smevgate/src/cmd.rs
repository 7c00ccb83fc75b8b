//! One module per subcommand; [`run`] dispatches and maps failures to exit
//! codes.

mod admin;
mod client;
mod journal;
pub mod keys;
mod load;
mod replay;
mod serve;
mod sign;
mod transform;
mod verify;

use std::process::ExitCode;

use crate::cli::Command;
use crate::config::ConfigError;

/// Exit status for unusable configuration (sysexits EX_USAGE).
const EXIT_CONFIG: u8 = 64;

/// Runs one subcommand.
pub async fn run(command: Command) -> ExitCode {
    let result = match command {
        Command::Serve(args) => serve::run(args).await,
        Command::Keys { command } => keys::run(command),
        Command::Verify(args) => verify::run(args),
        Command::Transform(args) => transform::run(args),
        Command::Sign(args) => sign::run(args),
        Command::Journal(args) => journal::run(args).await,
        Command::Replay(args) => replay::run(args).await,
        Command::Client(args) => client::run(args).await,
        Command::Load(args) => load::run(args).await,
        Command::Admin { command } => admin::run(command).await,
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("smevgate: {error:#}");
            if error.downcast_ref::<ConfigError>().is_some() {
                ExitCode::from(EXIT_CONFIG)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
