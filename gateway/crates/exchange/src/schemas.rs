//! The SMEV envelope schemas of every version, compiled once at start from
//! the XSDs embedded in the `wire` crate (generated from `xsd/`).

use wire::Version;

/// Compiled types schemas of 1.1, 1.2 and 1.3.
pub struct EnvelopeSchemas {
    v1_1: xml::SchemaSet,
    v1_2: xml::SchemaSet,
    v1_3: xml::SchemaSet,
}

/// An embedded schema did not compile (a build defect, not user input).
#[derive(Debug, thiserror::Error)]
#[error("smev {version} schemas do not compile: {source}")]
pub struct SchemaLoadError {
    version: &'static str,
    #[source]
    source: xml::SchemaError,
}

// === impl EnvelopeSchemas ===

impl EnvelopeSchemas {
    /// Compiles the embedded XSDs.
    ///
    /// # Errors
    /// [`SchemaLoadError`] when an embedded schema does not compile.
    pub fn load() -> Result<EnvelopeSchemas, SchemaLoadError> {
        Ok(EnvelopeSchemas {
            v1_1: compile(Version::V1_1, wire::names::v1_1::FILES)?,
            v1_2: compile(Version::V1_2, wire::names::v1_2::FILES)?,
            v1_3: compile(Version::V1_3, wire::names::v1_3::FILES)?,
        })
    }

    /// The schema of one version.
    pub fn get(&self, version: Version) -> &xml::SchemaSet {
        match version {
            Version::V1_1 => &self.v1_1,
            Version::V1_2 => &self.v1_2,
            Version::V1_3 => &self.v1_3,
        }
    }
}

fn compile(version: Version, files: &[(&str, &[u8])]) -> Result<xml::SchemaSet, SchemaLoadError> {
    let entry = format!("smev-message-exchange-types-{}.xsd", version.as_str());
    let resources: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(name, bytes)| ((*name).to_owned(), bytes.to_vec()))
        .collect();
    xml::SchemaSet::compile(&entry, &resources).map_err(|source| SchemaLoadError {
        version: version.as_str(),
        source,
    })
}
