//! `smevgate transform`: the exact bytes a GOST digest is computed over —
//! exclusive c14n of one element, then the SMEV transform.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::TransformArgs;

/// Prints the transformed bytes of the element with `--id` (or the
/// document element), with nothing added.
pub fn run(args: TransformArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let doc = xml::Document::parse(&bytes).context("cannot parse the document")?;
    let target = match &args.id {
        Some(id) => xml::Target::by_id(id),
        None => xml::Target::Root,
    };
    let canonical = doc
        .exc_c14n(&target, &[])
        .context("exclusive c14n failed")?;
    let transformed = dsig::smev_transform(&canonical).context("smev transform failed")?;
    std::io::stdout().write_all(&transformed)?;
    Ok(ExitCode::SUCCESS)
}
