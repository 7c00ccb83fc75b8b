//! PKCS#8 private keys in the form OpenSSL's gost engine reads and writes.
//!
//! ```text
//! PrivateKeyInfo ::= SEQUENCE {
//!   version 0,
//!   AlgorithmIdentifier { id-tc26-gost3410-12-256, { paramSet, digest } },
//!   privateKey OCTET STRING }
//! ```
//!
//! The engine (OpenSSL 3, checked with `openssl genpkey -algorithm
//! gost2012_256`) puts the 32 bytes of d, little-endian, directly in the
//! privateKey OCTET STRING; we write that. On input we also take the two
//! older forms: an inner OCTET STRING of 32 little-endian bytes, and an
//! INTEGER (big-endian, as older engine releases wrote).

use zeroize::Zeroizing;

use crate::der::{self, Reader};
use crate::error::GostError;
use crate::signing_key::SigningKey;
use crate::spki::{self, KeyAlgorithm};

/// The PEM label of an unencrypted PKCS#8 key.
const LABEL: &str = "PRIVATE KEY";

/// d as 32 little-endian bytes from any of the three privateKey forms.
fn private_scalar(content: &[u8]) -> Result<Zeroizing<[u8; 32]>, GostError> {
    let mut d = Zeroizing::new([0u8; 32]);
    if content.len() == 32 {
        d.copy_from_slice(content);
        return Ok(d);
    }
    let inner = Reader::new(content).read_any()?;
    match inner.tag {
        der::OCTET_STRING if inner.content.len() == 32 => d.copy_from_slice(inner.content),
        der::INTEGER => {
            let magnitude = strip_leading_zeros(inner.content);
            if magnitude.len() > 32 {
                return Err(GostError::ScalarOutOfRange);
            }
            for (i, &b) in magnitude.iter().rev().enumerate() {
                d[i] = b;
            }
        }
        _ => return Err(GostError::Der("unrecognised gost private key form")),
    }
    Ok(d)
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    &bytes[skip..]
}

// === impl SigningKey ===

impl SigningKey {
    /// Decodes an unencrypted PKCS#8 DER private key.
    ///
    /// # Errors
    ///
    /// [`GostError::Der`] for malformed input, [`GostError::UnsupportedAlgorithm`]
    /// or [`GostError::UnsupportedParamSet`] for other key types, and
    /// [`GostError::ScalarOutOfRange`] for an invalid d.
    pub fn from_pkcs8_der(pkcs8_der: &[u8]) -> Result<Self, GostError> {
        let mut outer = Reader::new(pkcs8_der);
        let mut info = outer.sequence("expected private key info")?;
        let version = info.read(der::INTEGER, "expected version")?;
        if version.content != [0] && version.content != [1] {
            return Err(GostError::Der("unsupported pkcs8 version"));
        }
        let param_set = match spki::parse_algorithm(info.sequence("expected algorithm")?)? {
            KeyAlgorithm::Gost2012_256 { param_set } => param_set,
            KeyAlgorithm::Gost2012_256Unsupported(oid) => {
                return Err(GostError::UnsupportedParamSet(oid))
            }
            other => return Err(GostError::UnsupportedAlgorithm(format!("{other:?}"))),
        };
        let key = info.read(der::OCTET_STRING, "expected private key octet string")?;
        let d = private_scalar(key.content)?;
        Self::from_bytes_le(param_set, &d)
    }

    /// Decodes a `PRIVATE KEY` PEM block.
    ///
    /// # Errors
    ///
    /// [`GostError::Pem`] for broken armour, then as
    /// [`SigningKey::from_pkcs8_der`].
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, GostError> {
        let der = Zeroizing::new(crate::pem::decode(LABEL, pem)?);
        Self::from_pkcs8_der(&der)
    }

    /// Encodes the key as unencrypted PKCS#8 DER, in the gost engine's form.
    pub fn to_pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        let version = der::tlv(der::INTEGER, &[0]);
        let algorithm = spki::encode_algorithm(self.param_set());
        let key = Zeroizing::new(der::tlv(der::OCTET_STRING, self.to_bytes_le().as_ref()));
        Zeroizing::new(der::sequence(&[&version, &algorithm, &key]))
    }

    /// Encodes the key as a `PRIVATE KEY` PEM block.
    pub fn to_pkcs8_pem(&self) -> Zeroizing<String> {
        Zeroizing::new(crate::pem::encode(LABEL, &self.to_pkcs8_der()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::param_set::ParamSet;

    /// Made by `openssl genpkey -algorithm gost2012_256 -pkeyopt paramset:A`
    /// with the gost engine; `openssl pkey -text` printed the public key.
    const ENGINE_KEY: &str = "-----BEGIN PRIVATE KEY-----
MEYCAQAwHwYIKoUDBwEBAQEwEwYHKoUDAgIjAQYIKoUDBwEBAgIEILanYvgzRG3F
+FDLaFj8XYZ81kKvZh6I0DzVs9SUa08w
-----END PRIVATE KEY-----
";
    const ENGINE_X: &str = "d19b03e1b1201a07060ce0ef203a6b68d7c39795893aad0f65b1eee6cbd41964";
    const ENGINE_Y: &str = "10aebc9a53b86cf2688e773fb951dacbe0938d7113787c9edd5f5fb78700936f";

    #[test]
    fn engine_pkcs8_key_loads_with_engine_public_key() {
        let key = SigningKey::from_pkcs8_pem(ENGINE_KEY).expect("loads");
        assert_eq!(key.param_set(), ParamSet::CryptoProA);
        let xy = key.verifying_key().to_le_xy();
        let mut x = xy[..32].to_vec();
        let mut y = xy[32..].to_vec();
        x.reverse();
        y.reverse();
        assert_eq!(hex::encode(x), ENGINE_X);
        assert_eq!(hex::encode(y), ENGINE_Y);
    }

    #[test]
    fn engine_pkcs8_key_re_encodes_byte_for_byte() {
        let key = SigningKey::from_pkcs8_pem(ENGINE_KEY).expect("loads");
        assert_eq!(key.to_pkcs8_pem().as_str(), ENGINE_KEY);
    }

    #[test]
    fn integer_and_nested_octet_forms_give_same_key() {
        let key = SigningKey::from_pkcs8_pem(ENGINE_KEY).expect("loads");
        let d_le = key.to_bytes_le();
        let mut d_be = *d_le;
        d_be.reverse();
        let nested = private_scalar(&der::tlv(der::OCTET_STRING, d_le.as_ref())).expect("ok");
        let integer = private_scalar(&der::unsigned_integer(&d_be)).expect("ok");
        assert_eq!(*nested, *d_le);
        assert_eq!(*integer, *d_le);
    }

    #[test]
    fn pkcs8_round_trips_on_every_param_set() {
        for set in ParamSet::ALL {
            let key = SigningKey::generate(set);
            let back = SigningKey::from_pkcs8_der(&key.to_pkcs8_der()).expect("decodes");
            assert_eq!(back.verifying_key(), key.verifying_key());
            assert_eq!(*back.to_bytes_le(), *key.to_bytes_le());
        }
    }
}
