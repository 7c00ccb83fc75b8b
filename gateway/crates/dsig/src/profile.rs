//! The SMEV 3 XMLDSig profile: namespace and algorithm identifiers, and the
//! rule that SignatureMethod, DigestMethod and the certificate's key must all
//! belong to one GOST generation (protocol brief §2.2–2.3, CASES B05).

/// The XMLDSig namespace.
pub const DSIG_NS: &str = "http://www.w3.org/2000/09/xmldsig#";

/// Exclusive XML canonicalization without comments: the CanonicalizationMethod
/// and the first transform of every SMEV reference.
pub const EXC_C14N_URI: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

/// The namespace of `ec:InclusiveNamespaces` inside exc-c14n parameters.
pub const EXC_C14N_NS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

/// The GOST generations SMEV recognises. Only [`Algorithm::Gost2012_256`]
/// can be computed today; the others are recognised and reported as
/// unsupported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// GOST R 34.10-2012 with a 256-bit key and Streebog-256 (every real
    /// SMEV sample).
    Gost2012_256,
    /// GOST R 34.10-2012 with a 512-bit key and Streebog-512.
    Gost2012_512,
    /// GOST R 34.10-2001 with GOST R 34.11-94 (legacy).
    Gost2001,
}

/// Why the (SignatureMethod, DigestMethod, key) triple is refused; checked
/// before any cryptography runs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlgorithmError {
    /// A SignatureMethod URI outside the profile.
    #[error("signature method `{0}` is not part of the smev 3 profile")]
    UnknownSignatureMethod(String),
    /// A DigestMethod URI outside the profile.
    #[error("digest method `{0}` is not part of the smev 3 profile")]
    UnknownDigestMethod(String),
    /// A public-key algorithm OID outside the profile.
    #[error("certificate key algorithm `{0}` is not part of the smev 3 profile")]
    UnknownKeyAlgorithm(String),
    /// The three parts name different GOST generations.
    #[error(
        "algorithms mix gost generations: signature method `{signature}`, \
         digest method `{digest}`, key algorithm `{key}`"
    )]
    Mismatch {
        /// The SignatureMethod URI.
        signature: String,
        /// The DigestMethod URI.
        digest: String,
        /// The key algorithm OID of the certificate.
        key: String,
    },
    /// A consistent triple that this gateway cannot compute yet.
    #[error("signature method `{0}` is recognised but not supported yet")]
    Unsupported(String),
}

// === impl Algorithm ===

impl Algorithm {
    /// Every generation, newest first.
    pub const ALL: [Algorithm; 3] = [
        Algorithm::Gost2012_256,
        Algorithm::Gost2012_512,
        Algorithm::Gost2001,
    ];

    /// The SignatureMethod URI SMEV accepts for this generation.
    pub fn signature_uri(self) -> &'static str {
        match self {
            Algorithm::Gost2012_256 => {
                "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-256"
            }
            Algorithm::Gost2012_512 => {
                "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-512"
            }
            Algorithm::Gost2001 => "http://www.w3.org/2001/04/xmldsig-more#gostr34102001-gostr3411",
        }
    }

    /// The DigestMethod URI SMEV accepts for this generation.
    pub fn digest_uri(self) -> &'static str {
        match self {
            Algorithm::Gost2012_256 => {
                "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-256"
            }
            Algorithm::Gost2012_512 => {
                "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-512"
            }
            Algorithm::Gost2001 => "http://www.w3.org/2001/04/xmldsig-more#gostr3411",
        }
    }

    /// The SubjectPublicKeyInfo algorithm OID of a key of this generation.
    pub fn key_oid(self) -> &'static str {
        match self {
            Algorithm::Gost2012_256 => "1.2.643.7.1.1.1.1",
            Algorithm::Gost2012_512 => "1.2.643.7.1.1.1.2",
            Algorithm::Gost2001 => "1.2.643.2.2.19",
        }
    }

    /// The generation a SignatureMethod URI names.
    pub fn from_signature_uri(uri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.signature_uri() == uri)
    }

    /// The generation a DigestMethod URI names.
    pub fn from_digest_uri(uri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.digest_uri() == uri)
    }

    /// The generation a key algorithm OID names.
    pub fn from_key_oid(oid: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.key_oid() == oid)
    }

    /// The SubjectPublicKeyInfo algorithm OID of a certificate's key. A
    /// 2012-256 key on a curve the `gost` crate lacks still names the
    /// 2012-256 generation; reading the key then fails on its own.
    pub fn key_oid_of(key: &gost::KeyAlgorithm) -> String {
        match key {
            gost::KeyAlgorithm::Gost2012_256 { .. }
            | gost::KeyAlgorithm::Gost2012_256Unsupported(_) => {
                Algorithm::Gost2012_256.key_oid().to_owned()
            }
            gost::KeyAlgorithm::Gost2012_512 => Algorithm::Gost2012_512.key_oid().to_owned(),
            gost::KeyAlgorithm::Gost2001 => Algorithm::Gost2001.key_oid().to_owned(),
            gost::KeyAlgorithm::Other(oid) => oid.clone(),
        }
    }

    /// Checks that the three identifiers name one generation and that it can
    /// be computed; runs no cryptography.
    ///
    /// # Errors
    ///
    /// [`AlgorithmError`] naming the offending URI or OID.
    pub fn negotiate(
        signature_uri: &str,
        digest_uri: &str,
        key_oid: &str,
    ) -> Result<Self, AlgorithmError> {
        let signature = Self::from_signature_uri(signature_uri)
            .ok_or_else(|| AlgorithmError::UnknownSignatureMethod(signature_uri.to_owned()))?;
        let digest = Self::from_digest_uri(digest_uri)
            .ok_or_else(|| AlgorithmError::UnknownDigestMethod(digest_uri.to_owned()))?;
        let key = Self::from_key_oid(key_oid)
            .ok_or_else(|| AlgorithmError::UnknownKeyAlgorithm(key_oid.to_owned()))?;
        if signature != digest || signature != key {
            return Err(AlgorithmError::Mismatch {
                signature: signature_uri.to_owned(),
                digest: digest_uri.to_owned(),
                key: key_oid.to_owned(),
            });
        }
        if signature != Algorithm::Gost2012_256 {
            return Err(AlgorithmError::Unsupported(signature_uri.to_owned()));
        }
        Ok(signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiate_each_consistent_triple_is_recognised() {
        for algorithm in Algorithm::ALL {
            let result = Algorithm::negotiate(
                algorithm.signature_uri(),
                algorithm.digest_uri(),
                algorithm.key_oid(),
            );
            match algorithm {
                Algorithm::Gost2012_256 => assert_eq!(result, Ok(algorithm)),
                _ => assert_eq!(
                    result,
                    Err(AlgorithmError::Unsupported(
                        algorithm.signature_uri().to_owned()
                    ))
                ),
            }
        }
    }

    #[test]
    fn negotiate_any_generation_mix_is_a_mismatch() {
        for s in Algorithm::ALL {
            for d in Algorithm::ALL {
                for k in Algorithm::ALL {
                    if s == d && d == k {
                        continue;
                    }
                    let result =
                        Algorithm::negotiate(s.signature_uri(), d.digest_uri(), k.key_oid());
                    assert!(
                        matches!(result, Err(AlgorithmError::Mismatch { .. })),
                        "{s:?} {d:?} {k:?}: {result:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn negotiate_cryptopro_urn_for_2001_is_unknown() {
        // CASES B05: SMEV rejects the URN form of the 2001 signature method.
        let uri = "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102001-gostr3411";
        let result = Algorithm::negotiate(
            uri,
            Algorithm::Gost2012_256.digest_uri(),
            Algorithm::Gost2012_256.key_oid(),
        );
        assert_eq!(
            result,
            Err(AlgorithmError::UnknownSignatureMethod(uri.to_owned()))
        );
        assert!(result.unwrap_err().to_string().contains(uri));
    }

    #[test]
    fn negotiate_w3c_style_2012_alias_is_unknown() {
        let uri = "http://www.w3.org/2001/04/xmldsig-more#gostr34112012-256";
        let result = Algorithm::negotiate(
            Algorithm::Gost2012_256.signature_uri(),
            uri,
            Algorithm::Gost2012_256.key_oid(),
        );
        assert_eq!(
            result,
            Err(AlgorithmError::UnknownDigestMethod(uri.to_owned()))
        );
    }
}
