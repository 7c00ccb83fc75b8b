//! X.509 certificates with GOST keys: reading the fields a gateway needs and
//! issuing self-signed certificates for tests and local setups.

mod issue;

use std::ops::Range;

use time::OffsetDateTime;

use crate::der::{self, Reader};
use crate::error::GostError;
use crate::hash::streebog256;
use crate::name::{self, NameAttribute};
use crate::spki::{self, KeyAlgorithm, SIGN_WITH_STREEBOG_256};
use crate::verifying_key::VerifyingKey;

pub use issue::self_signed;

/// The PEM label of a certificate.
const LABEL: &str = "CERTIFICATE";

/// A parsed X.509 certificate. The DER it came from is kept unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    tbs: Range<usize>,
    spki: Range<usize>,
    serial: Vec<u8>,
    issuer: Vec<NameAttribute>,
    subject: Vec<NameAttribute>,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    key_algorithm: KeyAlgorithm,
    signature_algorithm: String,
    signature: Vec<u8>,
}

/// Where `part` lies inside `whole` (both from the same buffer).
fn range_in(whole: &[u8], part: &[u8]) -> Range<usize> {
    let start = part.as_ptr() as usize - whole.as_ptr() as usize;
    start..start + part.len()
}

// === impl Certificate ===

impl Certificate {
    /// Parses a DER certificate.
    ///
    /// # Errors
    ///
    /// [`GostError::Der`] or [`GostError::Time`] when the structure is not a
    /// certificate. An unknown key algorithm is not an error: see
    /// [`Certificate::key_algorithm`].
    pub fn from_der(der_bytes: &[u8]) -> Result<Self, GostError> {
        let mut outer = Reader::new(der_bytes);
        let mut cert = outer.sequence("expected certificate")?;
        if !outer.is_empty() {
            return Err(GostError::Der("trailing data after certificate"));
        }
        let tbs = cert.read(der::SEQUENCE, "expected tbs certificate")?;
        let signature_algorithm = cert
            .sequence("expected signature algorithm")?
            .oid("expected oid")?;
        let signature_bits = cert.read(der::BIT_STRING, "expected signature value")?;
        let signature = der::bit_string_bytes(signature_bits.content)?.to_vec();

        let mut fields = Reader::new(tbs.content);
        fields.read_optional(0xa0)?;
        let serial = fields
            .read(der::INTEGER, "expected serial number")?
            .content
            .to_vec();
        fields.sequence("expected tbs signature algorithm")?;
        let issuer = name::parse(fields.read(der::SEQUENCE, "expected issuer")?.content)?;
        let mut validity = fields.sequence("expected validity")?;
        let not_before = der::parse_time(&validity.read_any()?)?;
        let not_after = der::parse_time(&validity.read_any()?)?;
        let subject = name::parse(fields.read(der::SEQUENCE, "expected subject")?.content)?;
        let spki = fields.read(der::SEQUENCE, "expected subject public key info")?;
        let key_algorithm =
            spki::parse_algorithm(Reader::new(spki.content).sequence("expected key algorithm")?)?;

        Ok(Self {
            der: der_bytes.to_vec(),
            tbs: range_in(der_bytes, tbs.raw),
            spki: range_in(der_bytes, spki.raw),
            serial,
            issuer,
            subject,
            not_before,
            not_after,
            key_algorithm,
            signature_algorithm,
            signature,
        })
    }

    /// Parses the first `CERTIFICATE` block of a PEM text.
    ///
    /// # Errors
    ///
    /// [`GostError::Pem`] for broken armour, then as [`Certificate::from_der`].
    pub fn from_pem(pem: &str) -> Result<Self, GostError> {
        Self::from_der(&crate::pem::decode(LABEL, pem)?)
    }

    /// Parses the base64 text of an XMLDSig `X509Certificate` element
    /// (whitespace inside is allowed).
    ///
    /// # Errors
    ///
    /// [`GostError::Der`] for bad base64, then as [`Certificate::from_der`].
    pub fn from_base64(text: &str) -> Result<Self, GostError> {
        use base64::Engine;
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let der_bytes = base64::engine::general_purpose::STANDARD
            .decode(compact)
            .map_err(|_| GostError::Der("invalid base64"))?;
        Self::from_der(&der_bytes)
    }

    /// The certificate's DER bytes, exactly as parsed.
    pub fn as_der(&self) -> &[u8] {
        &self.der
    }

    /// A copy of the DER bytes.
    pub fn to_der(&self) -> Vec<u8> {
        self.der.clone()
    }

    /// The certificate as a `CERTIFICATE` PEM block.
    pub fn to_pem(&self) -> String {
        crate::pem::encode(LABEL, &self.der)
    }

    /// The subject as `TYPE=value, …` in encoding order (see [`NameAttribute`]
    /// for the raw attributes).
    pub fn subject(&self) -> String {
        name::render(&self.subject)
    }

    /// The issuer as `TYPE=value, …` in encoding order.
    pub fn issuer(&self) -> String {
        name::render(&self.issuer)
    }

    /// The subject's attributes in encoding order.
    pub fn subject_attributes(&self) -> &[NameAttribute] {
        &self.subject
    }

    /// The issuer's attributes in encoding order.
    pub fn issuer_attributes(&self) -> &[NameAttribute] {
        &self.issuer
    }

    /// The subject's (last) common name, if any.
    pub fn subject_common_name(&self) -> Option<&str> {
        self.subject
            .iter()
            .rev()
            .find(|a| a.oid == "2.5.4.3")
            .map(|a| a.value.as_str())
    }

    /// Start of the validity period.
    pub fn not_before(&self) -> OffsetDateTime {
        self.not_before
    }

    /// End of the validity period.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    /// Whether `at` lies within the validity period (both ends included).
    pub fn is_valid_at(&self, at: OffsetDateTime) -> bool {
        self.not_before <= at && at <= self.not_after
    }

    /// The serial number as lowercase hex of its DER content bytes, without
    /// the sign padding byte.
    pub fn serial_hex(&self) -> String {
        let skip = usize::from(self.serial.len() > 1 && self.serial[0] == 0);
        hex::encode(&self.serial[skip..])
    }

    /// The serial number in decimal, the form of XMLDSig `X509SerialNumber`.
    pub fn serial_decimal(&self) -> String {
        let mut digits = vec![0u8];
        for &byte in &self.serial {
            let mut carry = u32::from(byte);
            for d in digits.iter_mut() {
                let v = u32::from(*d) * 256 + carry;
                *d = (v % 10) as u8;
                carry = v / 10;
            }
            while carry > 0 {
                digits.push((carry % 10) as u8);
                carry /= 10;
            }
        }
        digits.iter().rev().map(|d| char::from(b'0' + d)).collect()
    }

    /// The subject public key algorithm.
    pub fn key_algorithm(&self) -> &KeyAlgorithm {
        &self.key_algorithm
    }

    /// The subject public key.
    ///
    /// # Errors
    ///
    /// As [`VerifyingKey::from_spki_der`]: other algorithms, unsupported
    /// curves, or a point not on the curve.
    pub fn verifying_key(&self) -> Result<VerifyingKey, GostError> {
        VerifyingKey::from_spki_der(&self.der[self.spki.clone()])
    }

    /// Lowercase hex of Streebog-256 over the DER certificate.
    pub fn fingerprint(&self) -> String {
        hex::encode(streebog256(&self.der))
    }

    /// The DER of the signed part (TBSCertificate).
    pub fn tbs_der(&self) -> &[u8] {
        &self.der[self.tbs.clone()]
    }

    /// Dotted OID of the algorithm the issuer signed with.
    pub fn signature_algorithm(&self) -> &str {
        &self.signature_algorithm
    }

    /// The issuer's signature bytes (for GOST, s ‖ r big-endian).
    pub fn signature_value(&self) -> &[u8] {
        &self.signature
    }

    /// Whether `issuer_key` made this certificate's signature. Only GOST R
    /// 34.10-2012 256-bit signatures are checked; anything else is `false`.
    pub fn is_signed_by(&self, issuer_key: &VerifyingKey) -> bool {
        self.signature_algorithm == SIGN_WITH_STREEBOG_256
            && issuer_key.verify(self.tbs_der(), &self.signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_with_trailing_bytes_is_rejected() {
        let key = crate::SigningKey::generate(crate::ParamSet::CryptoProA);
        let mut der_bytes = self_signed(&key, "t", None, 1).to_der();
        der_bytes.push(0);
        let err = Certificate::from_der(&der_bytes).unwrap_err();
        assert_eq!(err, GostError::Der("trailing data after certificate"));
    }

    #[test]
    fn serial_decimal_converts_multi_byte_serial() {
        let mut cert = self_signed(
            &crate::SigningKey::generate(crate::ParamSet::CryptoProA),
            "t",
            None,
            1,
        );
        cert.serial = vec![0x01, 0x00];
        assert_eq!(cert.serial_decimal(), "256");
        cert.serial = vec![0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(cert.serial_decimal(), "18446744073709551615");
        assert_eq!(cert.serial_hex(), "ffffffffffffffff");
    }
}
