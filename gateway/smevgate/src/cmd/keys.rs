//! `smevgate keys generate`: a GOST R 34.10-2012 (256) key and a
//! self-signed certificate, both readable by OpenSSL with the gost engine.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::KeysCommand;

/// Runs a `keys` subcommand.
pub fn run(command: KeysCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeysCommand::Generate {
            out,
            cn,
            days,
            force,
        } => {
            if out.join("key.pem").exists() && !force {
                anyhow::bail!(
                    "{} already holds a key; pass --force to replace it",
                    out.display()
                );
            }
            generate(&out, &cn, days)?;
            out!(
                "wrote {} and {}",
                out.join("key.pem").display(),
                out.join("cert.pem").display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Writes `dir/key.pem` (PKCS#8, mode 0600) and `dir/cert.pem`.
///
/// # Errors
/// When the folder or the files cannot be written.
pub fn generate(dir: &Path, common_name: &str, days: u32) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let key = gost::SigningKey::generate(gost::ParamSet::CryptoProA);
    let cert = gost::self_signed(&key, common_name, Some("smevgate"), days);
    write_private(&dir.join("key.pem"), key.to_pkcs8_pem().as_bytes())?;
    let cert_path = dir.join("cert.pem");
    std::fs::write(&cert_path, cert.to_pem())
        .with_context(|| format!("cannot write {}", cert_path.display()))?;
    Ok(())
}

/// Creates a file readable by its owner only, before any secret is in it.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    // The mode above applies only to a new file; an existing one is
    // narrowed before the secret is written into it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot restrict {}", path.display()))?;
    }
    file.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
