//! A replay suite on disk: `replay.toml` (the signing identities) and one
//! folder per case, `NNN-name/{case.toml, request.xml, expected.xml}`,
//! run in the order of the folder names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::Deserialize;

/// The suite description at the top of the folder.
pub const SUITE_FILE: &str = "replay.toml";
/// What one case does.
pub const CASE_FILE: &str = "case.toml";
/// The request template.
pub const REQUEST_FILE: &str = "request.xml";
/// The expected answer, in the normal form.
pub const EXPECTED_FILE: &str = "expected.xml";
/// `sign` value for an unsigned request.
pub const UNSIGNED: &str = "none";

/// A loaded suite.
pub struct Suite {
    /// Signing identities by name.
    pub signers: BTreeMap<String, Signer>,
    /// The cases, in run order.
    pub cases: Vec<Case>,
}

/// A key and certificate that sign requests (ЭП-ОВ).
pub struct Signer {
    /// The private key.
    pub key: gost::SigningKey,
    /// Its certificate, embedded in the signature.
    pub cert: gost::Certificate,
}

/// One case folder.
pub struct Case {
    /// The folder name, e.g. `300-v13-send-request`.
    pub name: String,
    /// The folder.
    pub dir: PathBuf,
    /// `case.toml`.
    pub spec: CaseSpec,
    /// `request.xml`, with its placeholders.
    pub request: String,
    /// `expected.xml`, when recorded.
    pub expected: Option<String>,
}

/// `case.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseSpec {
    /// What the case checks, one sentence.
    pub description: String,
    /// The operation; the SOAPAction is `urn:<operation>`.
    pub operation: String,
    /// Schema version label (`1.1`, `1.2`, `1.3`); needed by `drain`.
    #[serde(default)]
    pub version: Option<String>,
    /// A signer of `replay.toml`, or `none`.
    pub sign: String,
    /// Text edits applied after signing (tampering).
    #[serde(default)]
    pub after_sign: Vec<TextEdit>,
    /// Repeat the request, acknowledging what it returns, until the queue
    /// is empty; the last answer is compared.
    #[serde(default)]
    pub drain: bool,
    /// Values taken from the answer: name → `Element/Child` path (local
    /// names; the first segment anywhere, the others as children).
    #[serde(default)]
    pub capture: BTreeMap<String, String>,
}

/// A replacement of the first occurrence of `find`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextEdit {
    /// The exact text to look for in the signed request.
    pub find: String,
    /// What replaces it.
    pub replace: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SuiteSpec {
    signers: BTreeMap<String, SignerSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignerSpec {
    key: PathBuf,
    cert: PathBuf,
}

// === impl Suite ===

impl Suite {
    /// Loads the suite in `dir`.
    ///
    /// # Errors
    /// When a file is missing or unreadable, or a case names an unknown
    /// signer.
    pub fn load(dir: &Path) -> anyhow::Result<Suite> {
        let spec: SuiteSpec = read_toml(&dir.join(SUITE_FILE))?;
        let mut signers = BTreeMap::new();
        for (name, files) in spec.signers {
            let signer = Signer::load(&dir.join(&files.key), &dir.join(&files.cert))
                .with_context(|| format!("signer {name}"))?;
            signers.insert(name, signer);
        }
        let mut cases = Vec::new();
        for entry in
            std::fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))?
        {
            let path = entry?.path();
            if path.join(CASE_FILE).is_file() {
                cases.push(Case::load(&path)?);
            }
        }
        cases.sort_by(|a, b| a.name.cmp(&b.name));
        for case in &cases {
            let sign = case.spec.sign.as_str();
            if sign != UNSIGNED && !signers.contains_key(sign) {
                bail!("case {}: no signer `{sign}` in {SUITE_FILE}", case.name);
            }
        }
        Ok(Suite { signers, cases })
    }
}

// === impl Signer ===

impl Signer {
    fn load(key: &Path, cert: &Path) -> anyhow::Result<Signer> {
        let key_pem = read_text(key)?;
        let cert_pem = read_text(cert)?;
        Ok(Signer {
            key: gost::SigningKey::from_pkcs8_pem(&key_pem).context("unusable key")?,
            cert: gost::Certificate::from_pem(&cert_pem).context("unusable certificate")?,
        })
    }

    /// Signs a standalone element (the wire builders' injected signer).
    pub fn sign_element(&self, element: &str, id: &str) -> String {
        dsig::sign_element(element, id, &self.key, &self.cert).unwrap_or_else(|error| {
            tracing::error!(%error, "cannot sign");
            String::new()
        })
    }
}

// === impl Case ===

impl Case {
    fn load(dir: &Path) -> anyhow::Result<Case> {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let spec: CaseSpec = read_toml(&dir.join(CASE_FILE))?;
        if spec.drain && spec.version.is_none() {
            bail!("case {name}: `drain` needs `version`");
        }
        let expected_path = dir.join(EXPECTED_FILE);
        let expected = match expected_path.is_file() {
            true => Some(read_text(&expected_path)?),
            false => None,
        };
        Ok(Case {
            name,
            dir: dir.to_owned(),
            spec,
            request: read_text(&dir.join(REQUEST_FILE))?,
            expected,
        })
    }

    /// The SOAPAction the case is sent with.
    pub fn soap_action(&self) -> String {
        format!("urn:{}", self.spec.operation)
    }
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn read_toml<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    toml::from_str(&read_text(path)?).with_context(|| format!("{} is not valid", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_spec_reads_every_field() {
        let spec: CaseSpec = toml::from_str(
            r#"
            description = "tampered payload"
            operation = "SendRequest"
            version = "1.3"
            sign = "CONSUMER01"
            drain = false
            after_sign = [{ find = "a", replace = "b" }]
            capture = { reply_to = "ReplyTo" }
            "#,
        )
        .unwrap();
        assert_eq!(spec.operation, "SendRequest");
        assert_eq!(spec.after_sign[0].replace, "b");
        assert_eq!(spec.capture["reply_to"], "ReplyTo");
    }

    /// A suite folder with the fixtures' provider as signer and one case
    /// per `(folder, sign)`; removed by the caller.
    fn suite_dir(tag: &str, cases: &[(&str, &str)]) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("smevgate-suite-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/keys/provider");
        let suite = format!(
            "[signers.PROVIDER01]\nkey = {:?}\ncert = {:?}\n",
            keys.join("key.pem"),
            keys.join("cert.pem")
        );
        std::fs::write(dir.join(SUITE_FILE), suite).unwrap();
        for (name, sign) in cases {
            let case = dir.join(name);
            std::fs::create_dir_all(&case).unwrap();
            let spec = format!("description = \"d\"\noperation = \"Ack\"\nsign = \"{sign}\"\n");
            std::fs::write(case.join(CASE_FILE), spec).unwrap();
            std::fs::write(case.join(REQUEST_FILE), "<r/>").unwrap();
        }
        dir
    }

    #[test]
    fn suite_load_orders_cases_by_folder_name() {
        let dir = suite_dir(
            "order",
            &[
                ("020-b", "none"),
                ("003-a", "PROVIDER01"),
                ("100-c", "none"),
            ],
        );
        std::fs::create_dir_all(dir.join("not-a-case")).unwrap();
        let suite = Suite::load(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        let suite = suite.unwrap();
        let names: Vec<&str> = suite.cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["003-a", "020-b", "100-c"]);
        assert!(suite.cases[0].expected.is_none());
        assert_eq!(suite.cases[0].soap_action(), "urn:Ack");
        assert!(suite.signers.contains_key("PROVIDER01"));
    }

    #[test]
    fn suite_load_unknown_signer_is_refused() {
        let dir = suite_dir("signer", &[("001-x", "NOBODY")]);
        let suite = Suite::load(&dir);
        std::fs::remove_dir_all(&dir).unwrap();
        let error = format!("{:#}", suite.err().expect("refused"));
        assert!(error.contains("no signer `NOBODY`"), "{error}");
    }

    #[test]
    fn case_spec_unknown_key_is_refused() {
        let spec = toml::from_str::<CaseSpec>(
            "description = \"x\"\noperation = \"Ack\"\nsign = \"none\"\nrestamp = true",
        );
        assert!(spec.is_err());
    }
}
