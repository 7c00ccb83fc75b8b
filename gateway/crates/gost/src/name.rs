//! Distinguished names (X.501 `Name`) as readable text.
//!
//! Russian qualified certificates carry their own attributes (ИНН, ОГРН,
//! СНИЛС) and Cyrillic values in UTF8String or BMPString; all are decoded to
//! Rust strings here. Attributes are listed in encoding order, `TYPE=value`,
//! joined by ", ", with RFC 4514 escaping of the value.

use crate::der::{self, Reader};
use crate::error::GostError;

/// One attribute of a name: its OID and decoded value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAttribute {
    /// Dotted OID of the attribute type, e.g. `2.5.4.3` for CN.
    pub oid: String,
    /// The value as text.
    pub value: String,
}

/// Decodes a `Name` (SEQUENCE OF SET OF AttributeTypeAndValue).
pub(crate) fn parse(content: &[u8]) -> Result<Vec<NameAttribute>, GostError> {
    let mut rdns = Reader::new(content);
    let mut attributes = Vec::new();
    while !rdns.is_empty() {
        let mut set = Reader::new(rdns.read(der::SET, "expected rdn set")?.content);
        while !set.is_empty() {
            let mut pair = set.sequence("expected attribute")?;
            let oid = pair.oid("expected attribute type")?;
            let value = decode_string(&pair.read_any()?)?;
            attributes.push(NameAttribute { oid, value });
        }
    }
    Ok(attributes)
}

/// Renders attributes as `CN=…, O=…`.
pub(crate) fn render(attributes: &[NameAttribute]) -> String {
    let parts: Vec<String> = attributes
        .iter()
        .map(|a| {
            format!(
                "{}={}",
                short_name(&a.oid).unwrap_or(&a.oid),
                escape(&a.value)
            )
        })
        .collect();
    parts.join(", ")
}

/// Encodes a name of (OID, UTF8String value) attributes, one per RDN.
pub(crate) fn encode(attributes: &[(&str, &str)]) -> Vec<u8> {
    let rdns: Vec<Vec<u8>> = attributes
        .iter()
        .map(|(oid, value)| {
            let pair = der::sequence(&[
                &der::oid(oid),
                &der::tlv(der::UTF8_STRING, value.as_bytes()),
            ]);
            der::tlv(der::SET, &pair)
        })
        .collect();
    let refs: Vec<&[u8]> = rdns.iter().map(Vec::as_slice).collect();
    der::sequence(&refs)
}

/// Text of a directory string or any other string type a name may use.
fn decode_string(tlv: &der::Tlv<'_>) -> Result<String, GostError> {
    let bad = GostError::Der("undecodable name value");
    match tlv.tag {
        // UTF8String, NumericString, PrintableString, IA5String, VisibleString.
        0x0c | 0x12 | 0x13 | 0x16 | 0x1a => {
            String::from_utf8(tlv.content.to_vec()).map_err(|_| bad)
        }
        // TeletexString: in practice Latin-1.
        0x14 => Ok(tlv.content.iter().map(|&b| char::from(b)).collect()),
        // BMPString: UTF-16 big-endian.
        0x1e => {
            let units: Vec<u16> = tlv
                .content
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16(&units).map_err(|_| bad)
        }
        // UniversalString: UTF-32 big-endian.
        0x1c => tlv
            .content
            .chunks_exact(4)
            .map(|c| {
                char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])).ok_or(bad.clone())
            })
            .collect(),
        _ => Ok(format!("#{}", hex::encode(tlv.raw))),
    }
}

/// The usual short names, including the Russian qualified-certificate ones
/// (order 795 of the FSB, attribute OIDs under 1.2.643.100 and 1.2.643.3).
fn short_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "SN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "STREET",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "T",
        "2.5.4.42" => "GN",
        "1.2.840.113549.1.9.1" => "E",
        "1.2.840.113549.1.9.2" => "unstructuredName",
        "1.2.643.3.131.1.1" => "INN",
        "1.2.643.100.1" => "OGRN",
        "1.2.643.100.3" => "SNILS",
        "1.2.643.100.4" => "INNLE",
        "1.2.643.100.5" => "OGRNIP",
        _ => return None,
    })
}

/// RFC 4514 §2.4 escaping.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        let edge_space = c == ' ' && (i == 0 || i == last);
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';') || (i == 0 && c == '#');
        if special || edge_space {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_round_trips_cyrillic_utf8() {
        let encoded = encode(&[("2.5.4.3", "Тестовый УЦ, РТК"), ("2.5.4.6", "RU")]);
        let mut reader = Reader::new(&encoded);
        let attributes =
            parse(reader.read(der::SEQUENCE, "name").expect("seq").content).expect("ok");
        assert_eq!(render(&attributes), "CN=Тестовый УЦ\\, РТК, C=RU");
    }

    #[test]
    fn bmp_string_value_decodes() {
        let bmp: Vec<u8> = "Ростелеком"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        let pair = der::sequence(&[&der::oid("2.5.4.10"), &der::tlv(0x1e, &bmp)]);
        let name = der::sequence(&[&der::tlv(der::SET, &pair)]);
        let attributes = parse(&name[2..]).expect("parses");
        assert_eq!(attributes[0].value, "Ростелеком");
        assert_eq!(render(&attributes), "O=Ростелеком");
    }

    #[test]
    fn unknown_attribute_shows_dotted_oid() {
        let attributes = vec![NameAttribute {
            oid: "1.2.3.4".into(),
            value: " x".into(),
        }];
        assert_eq!(render(&attributes), "1.2.3.4=\\ x");
    }
}
