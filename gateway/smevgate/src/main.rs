//! The `smevgate` binary: a thin shell that parses the command line, sets
//! up logging and hands over to one command module. Bad configuration
//! exits with status 64 (EX_USAGE), other failures with 1.

#![forbid(unsafe_code)]

/// `println!` for command output: a closed pipe (`smevgate … | head`) ends
/// the command quietly instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if writeln!(std::io::stdout(), $($arg)*).is_err() {
            std::process::exit(0);
        }
    }};
}

mod cli;
mod cmd;
mod config;
mod node;
mod soap_client;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("smevgate: cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(cmd::run(cli.command))
}

/// Logs go to stderr (colours only on a terminal); `RUST_LOG` overrides the
/// default `info` level.
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
}
