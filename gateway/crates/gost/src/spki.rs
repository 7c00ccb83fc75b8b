//! SubjectPublicKeyInfo for GOST keys (RFC 4491, RFC 9215) and the key
//! algorithm found in a certificate.
//!
//! The algorithm is id-tc26-gost3410-12-256 with parameters
//! `SEQUENCE { publicKeyParamSet OID, digestParamSet OID OPTIONAL }`; the
//! subject public key BIT STRING wraps a DER OCTET STRING of 64 bytes, X then
//! Y, each little-endian. Like OpenSSL's gost engine we write the Streebog-256
//! digest OID for the CryptoPro sets and leave it out for the TC26 set.

use crate::der::{self, Reader};
use crate::error::GostError;
use crate::param_set::ParamSet;
use crate::verifying_key::VerifyingKey;

/// id-tc26-gost3410-12-256.
pub(crate) const GOST_2012_256: &str = "1.2.643.7.1.1.1.1";
/// id-tc26-gost3410-12-512.
pub(crate) const GOST_2012_512: &str = "1.2.643.7.1.1.1.2";
/// id-GostR3410-2001.
pub(crate) const GOST_2001: &str = "1.2.643.2.2.19";
/// id-tc26-gost3411-12-256.
pub(crate) const STREEBOG_256: &str = "1.2.643.7.1.1.2.2";
/// id-tc26-signwithdigest-gost3410-12-256.
pub(crate) const SIGN_WITH_STREEBOG_256: &str = "1.2.643.7.1.1.3.2";

/// The public key algorithm of a certificate or key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// GOST R 34.10-2012 with a 256-bit key on a supported curve.
    Gost2012_256 {
        /// The curve.
        param_set: ParamSet,
    },
    /// GOST R 34.10-2012 256-bit on a curve this crate does not implement
    /// (for example TC26 paramSetB/C/D); carries the parameter set OID.
    Gost2012_256Unsupported(String),
    /// GOST R 34.10-2012 with a 512-bit key.
    Gost2012_512,
    /// The withdrawn GOST R 34.10-2001.
    Gost2001,
    /// Anything else; carries the algorithm OID.
    Other(String),
}

/// Decodes an AlgorithmIdentifier's content into a [`KeyAlgorithm`].
pub(crate) fn parse_algorithm(mut alg: Reader<'_>) -> Result<KeyAlgorithm, GostError> {
    let oid = alg.oid("expected algorithm oid")?;
    match oid.as_str() {
        GOST_2012_256 => {
            let param_oid = alg
                .sequence("expected gost key parameters")?
                .oid("expected param set")?;
            Ok(match ParamSet::from_oid(&param_oid) {
                Ok(param_set) => KeyAlgorithm::Gost2012_256 { param_set },
                Err(_) => KeyAlgorithm::Gost2012_256Unsupported(param_oid),
            })
        }
        GOST_2012_512 => Ok(KeyAlgorithm::Gost2012_512),
        GOST_2001 => Ok(KeyAlgorithm::Gost2001),
        _ => Ok(KeyAlgorithm::Other(oid)),
    }
}

/// The AlgorithmIdentifier for a 256-bit key on `param_set`.
pub(crate) fn encode_algorithm(param_set: ParamSet) -> Vec<u8> {
    let set = der::oid(param_set.oid());
    let params = if param_set == ParamSet::Tc26A {
        der::sequence(&[&set])
    } else {
        der::sequence(&[&set, &der::oid(STREEBOG_256)])
    };
    der::sequence(&[&der::oid(GOST_2012_256), &params])
}

/// Decodes a whole SubjectPublicKeyInfo.
pub(crate) fn decode(spki_der: &[u8]) -> Result<VerifyingKey, GostError> {
    let mut outer = Reader::new(spki_der);
    let mut spki = outer.sequence("expected subject public key info")?;
    if !outer.is_empty() {
        return Err(GostError::Der("trailing data after public key info"));
    }
    let algorithm = parse_algorithm(spki.sequence("expected algorithm identifier")?)?;
    let param_set = match algorithm {
        KeyAlgorithm::Gost2012_256 { param_set } => param_set,
        KeyAlgorithm::Gost2012_256Unsupported(oid) => {
            return Err(GostError::UnsupportedParamSet(oid))
        }
        KeyAlgorithm::Gost2012_512 => {
            return Err(GostError::UnsupportedAlgorithm(GOST_2012_512.into()))
        }
        KeyAlgorithm::Gost2001 => return Err(GostError::UnsupportedAlgorithm(GOST_2001.into())),
        KeyAlgorithm::Other(oid) => return Err(GostError::UnsupportedAlgorithm(oid)),
    };
    let bits = der::bit_string_bytes(
        spki.read(der::BIT_STRING, "expected public key bits")?
            .content,
    )?;
    let point = Reader::new(bits).read(der::OCTET_STRING, "expected public key octet string")?;
    VerifyingKey::from_sec1_le_xy(param_set, point.content)
}

/// Encodes a SubjectPublicKeyInfo.
pub(crate) fn encode(key: &VerifyingKey) -> Vec<u8> {
    let point = der::tlv(der::OCTET_STRING, &key.to_le_xy());
    der::sequence(&[&encode_algorithm(key.param_set()), &der::bit_string(&point)])
}

// === impl VerifyingKey ===

impl VerifyingKey {
    /// Decodes a DER SubjectPublicKeyInfo (as in a certificate or in
    /// `openssl pkey -pubout -outform DER`).
    ///
    /// # Errors
    ///
    /// [`GostError::Der`] for malformed DER, [`GostError::UnsupportedAlgorithm`]
    /// or [`GostError::UnsupportedParamSet`] for keys other than GOST
    /// 2012-256 on a supported curve, and the errors of
    /// [`VerifyingKey::from_sec1_le_xy`].
    pub fn from_spki_der(spki_der: &[u8]) -> Result<Self, GostError> {
        decode(spki_der)
    }

    /// Decodes a `PUBLIC KEY` PEM block.
    ///
    /// # Errors
    ///
    /// [`GostError::Pem`] for broken armour, then as
    /// [`VerifyingKey::from_spki_der`].
    pub fn from_spki_pem(pem: &str) -> Result<Self, GostError> {
        decode(&crate::pem::decode("PUBLIC KEY", pem)?)
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn to_spki_der(&self) -> Vec<u8> {
        encode(self)
    }

    /// The SubjectPublicKeyInfo as a `PUBLIC KEY` PEM block.
    pub fn to_spki_pem(&self) -> String {
        crate::pem::encode("PUBLIC KEY", &encode(self))
    }
}
