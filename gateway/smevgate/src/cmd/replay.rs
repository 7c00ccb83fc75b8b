//! `smevgate replay`: sends the fixture cases to a node, in order, and
//! compares each answer with the recorded one.
//!
//! Every request is re-stamped (fresh MessageIDs, timestamps relative to
//! now) and re-signed at replay time, so a suite works on any day and any
//! number of times against the same node. Answers are compared in a
//! normal form that ignores prefixes, ids, instants, signature values and
//! tokens (`replay/normalize.rs`). With `REPLAY_RECORD=1` in the
//! environment the answers are written to `expected.xml` instead.
//!
//! Layout: `case.rs` (the suite on disk), `template.rs` (re-stamping),
//! `step.rs` (one case), `normalize.rs` and `diff.rs` (the comparison).

mod case;
mod diff;
mod normalize;
mod step;
mod template;

use std::process::ExitCode;

use anyhow::Context;

use crate::cli::ReplayArgs;
use crate::soap_client::SoapClient;
use case::Suite;
use step::Outcome;

/// Environment variable that switches to recording `expected.xml`.
pub const RECORD_ENV: &str = "REPLAY_RECORD";

/// Counts of one run.
#[derive(Debug, Default)]
struct Tally {
    same: usize,
    different: usize,
    broken: usize,
    recorded: usize,
}

/// Runs the replay; fails when any case differs or the node is unreachable.
pub async fn run(args: ReplayArgs) -> anyhow::Result<ExitCode> {
    let suite = Suite::load(&args.dir)
        .with_context(|| format!("cannot load the cases in {}", args.dir.display()))?;
    let client = SoapClient::new(&args.target)?;
    let record = std::env::var(RECORD_ENV).is_ok_and(|v| v == "1");
    let mut vars = template::Vars::new();
    let mut tally = Tally::default();
    for case in &suite.cases {
        let outcome = step::run(&client, &suite, case, &mut vars, record)
            .await
            .with_context(|| format!("case {} stopped the run", case.name))?;
        report(case, &outcome, &mut tally);
    }
    out!(
        "replay: {} cases, {} ok, {} different, {} broken{}",
        suite.cases.len(),
        tally.same,
        tally.different,
        tally.broken,
        match tally.recorded {
            0 => String::new(),
            n => format!(", {n} recorded"),
        }
    );
    Ok(if tally.different + tally.broken == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Prints one line per case (and the diff under a difference).
fn report(case: &case::Case, outcome: &Outcome, tally: &mut Tally) {
    let name = &case.name;
    match outcome {
        Outcome::Same { note } => {
            tally.same += 1;
            match note {
                Some(note) => out!("ok        {name} ({note})"),
                None => out!("ok        {name}"),
            }
        }
        Outcome::Different(diff) => {
            tally.different += 1;
            out!("DIFF      {name}: {}", case.spec.description);
            for line in diff.lines() {
                out!("    {line}");
            }
        }
        Outcome::Broken(reason) => {
            tally.broken += 1;
            out!("BROKEN    {name}: {reason}");
            out!("    ({})", case.spec.description);
        }
        Outcome::Recorded => {
            tally.recorded += 1;
            out!("recorded  {name}");
        }
    }
}
