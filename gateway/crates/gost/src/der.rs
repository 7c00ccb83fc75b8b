//! A small DER reader and writer: just what X.509 certificates, SPKI and
//! PKCS#8 keys need (single-byte tags, definite lengths).

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use crate::error::GostError;

pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const BIT_STRING: u8 = 0x03;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const OID: u8 = 0x06;
pub(crate) const UTF8_STRING: u8 = 0x0c;
pub(crate) const UTC_TIME: u8 = 0x17;
pub(crate) const GENERALIZED_TIME: u8 = 0x18;
pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const SET: u8 = 0x31;
pub(crate) const BOOLEAN: u8 = 0x01;

/// One decoded element.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub(crate) tag: u8,
    pub(crate) content: &'a [u8],
    /// The whole encoding, header included.
    pub(crate) raw: &'a [u8],
}

/// Reads consecutive elements from a byte slice.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
}

// === impl Reader ===

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub(crate) fn peek_tag(&self) -> Option<u8> {
        self.data.first().copied()
    }

    /// The next element, whatever its tag.
    pub(crate) fn read_any(&mut self) -> Result<Tlv<'a>, GostError> {
        let (&tag, rest) = self
            .data
            .split_first()
            .ok_or(GostError::Der("unexpected end"))?;
        if tag & 0x1f == 0x1f {
            return Err(GostError::Der("multi-byte tags are not supported"));
        }
        let (len, header) = read_length(rest)?;
        let total = 1 + header + len;
        if self.data.len() < total {
            return Err(GostError::Der("element longer than its input"));
        }
        let raw = &self.data[..total];
        let content = &raw[1 + header..];
        self.data = &self.data[total..];
        Ok(Tlv { tag, content, raw })
    }

    /// The next element, which must carry `tag`.
    pub(crate) fn read(&mut self, tag: u8, what: &'static str) -> Result<Tlv<'a>, GostError> {
        let tlv = self.read_any()?;
        if tlv.tag != tag {
            return Err(GostError::Der(what));
        }
        Ok(tlv)
    }

    /// The next element if it carries `tag`.
    pub(crate) fn read_optional(&mut self, tag: u8) -> Result<Option<Tlv<'a>>, GostError> {
        if self.peek_tag() == Some(tag) {
            self.read_any().map(Some)
        } else {
            Ok(None)
        }
    }

    /// A SEQUENCE's content as a new reader.
    pub(crate) fn sequence(&mut self, what: &'static str) -> Result<Reader<'a>, GostError> {
        Ok(Reader::new(self.read(SEQUENCE, what)?.content))
    }

    /// An OBJECT IDENTIFIER in dotted form.
    pub(crate) fn oid(&mut self, what: &'static str) -> Result<String, GostError> {
        decode_oid(self.read(OID, what)?.content)
    }
}

/// Length and the number of length bytes.
fn read_length(data: &[u8]) -> Result<(usize, usize), GostError> {
    let (&first, rest) = data.split_first().ok_or(GostError::Der("missing length"))?;
    if first < 0x80 {
        return Ok((usize::from(first), 1));
    }
    let count = usize::from(first & 0x7f);
    if count == 0 || count > 4 || rest.len() < count {
        return Err(GostError::Der("unsupported length encoding"));
    }
    let len = rest[..count]
        .iter()
        .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    Ok((len, 1 + count))
}

/// Dotted text of an OID's content bytes.
pub(crate) fn decode_oid(content: &[u8]) -> Result<String, GostError> {
    let mut arcs = Vec::new();
    let mut value: u64 = 0;
    for (i, &b) in content.iter().enumerate() {
        value = value
            .checked_mul(128)
            .ok_or(GostError::Der("oid arc too large"))?
            | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            arcs.push(value);
            value = 0;
        } else if i + 1 == content.len() {
            return Err(GostError::Der("truncated oid"));
        }
    }
    let (&first, rest) = arcs.split_first().ok_or(GostError::Der("empty oid"))?;
    let (a, b) = match first {
        0..=39 => (0, first),
        40..=79 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut text = format!("{a}.{b}");
    for arc in rest {
        text.push_str(&format!(".{arc}"));
    }
    Ok(text)
}

/// Encodes a TLV.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// A SEQUENCE of already encoded parts.
pub(crate) fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    tlv(SEQUENCE, &parts.concat())
}

/// An OBJECT IDENTIFIER from dotted text. Panics on malformed text, which
/// only ever comes from constants in this crate.
pub(crate) fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted
        .split('.')
        .map(|a| a.parse().expect("numeric oid arc"))
        .collect();
    let mut content = Vec::new();
    let first = arcs[0] * 40 + arcs[1];
    for &arc in std::iter::once(&first).chain(&arcs[2..]) {
        let mut chunk = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            chunk.push(0x80 | (rest & 0x7f) as u8);
            rest >>= 7;
        }
        chunk.reverse();
        content.extend_from_slice(&chunk);
    }
    tlv(OID, &content)
}

/// A non-negative INTEGER from big-endian magnitude bytes.
pub(crate) fn unsigned_integer(magnitude: &[u8]) -> Vec<u8> {
    let skip = magnitude.iter().take_while(|&&b| b == 0).count();
    let trimmed = &magnitude[skip..];
    let mut content = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_none_or(|&b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(trimmed);
    tlv(INTEGER, &content)
}

/// A BIT STRING with no unused bits.
pub(crate) fn bit_string(bytes: &[u8]) -> Vec<u8> {
    let mut content = vec![0u8];
    content.extend_from_slice(bytes);
    tlv(BIT_STRING, &content)
}

/// The bytes of a BIT STRING with no unused bits.
pub(crate) fn bit_string_bytes(content: &[u8]) -> Result<&[u8], GostError> {
    match content.split_first() {
        Some((0, bytes)) => Ok(bytes),
        _ => Err(GostError::Der("bit string with unused bits")),
    }
}

/// A UTCTime (1950–2049) or GeneralizedTime, as RFC 5280 §4.1.2.5 asks.
pub(crate) fn time(t: OffsetDateTime) -> Vec<u8> {
    let t = t.to_offset(time::UtcOffset::UTC);
    let (y, mo, d) = (t.year(), u8::from(t.month()), t.day());
    let (h, mi, s) = (t.hour(), t.minute(), t.second());
    if (1950..2050).contains(&y) {
        let text = format!("{:02}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z", y % 100);
        tlv(UTC_TIME, text.as_bytes())
    } else {
        let text = format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}Z");
        tlv(GENERALIZED_TIME, text.as_bytes())
    }
}

/// Decodes a UTCTime or GeneralizedTime in the `Z` form RFC 5280 requires.
pub(crate) fn parse_time(tlv: &Tlv<'_>) -> Result<OffsetDateTime, GostError> {
    let text = std::str::from_utf8(tlv.content).map_err(|_| GostError::Time("not ascii"))?;
    let digits = text
        .strip_suffix('Z')
        .ok_or(GostError::Time("time is not in utc"))?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(GostError::Time("non-digit in time"));
    }
    let num = |range: std::ops::Range<usize>| -> Result<u32, GostError> {
        digits
            .get(range)
            .and_then(|s| s.parse().ok())
            .ok_or(GostError::Time("short time"))
    };
    let (year, rest) = match (tlv.tag, digits.len()) {
        (UTC_TIME, 12) => {
            let yy = num(0..2)? as i32;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, 2)
        }
        (GENERALIZED_TIME, 14) => (num(0..4)? as i32, 4),
        _ => return Err(GostError::Time("unexpected time form")),
    };
    let field = |i: usize| num(rest + 2 * i..rest + 2 * i + 2).map(|v| v as u8);
    let month = Month::try_from(field(0)?).map_err(|_| GostError::Time("bad month"))?;
    let date = Date::from_calendar_date(year, month, field(1)?)
        .map_err(|_| GostError::Time("bad date"))?;
    let clock = Time::from_hms(field(2)?, field(3)?, field(4)?)
        .map_err(|_| GostError::Time("bad clock time"))?;
    Ok(PrimitiveDateTime::new(date, clock).assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oid_encoding_round_trips() {
        for text in [
            "1.2.643.7.1.1.1.1",
            "2.5.4.3",
            "1.2.840.113549.1.9.1",
            "1.2.643.100.1",
        ] {
            let encoded = oid(text);
            let mut reader = Reader::new(&encoded);
            assert_eq!(reader.oid("oid").expect("decodes"), text);
            assert!(reader.is_empty());
        }
    }

    #[test]
    fn oid_gost_2012_256_has_known_bytes() {
        assert_eq!(
            hex::encode(oid("1.2.643.7.1.1.1.1")),
            "06082a85030701010101"
        );
    }

    #[test]
    fn long_length_round_trips() {
        let content = vec![0xabu8; 300];
        let encoded = tlv(OCTET_STRING, &content);
        assert_eq!(&encoded[..4], &[0x04, 0x82, 0x01, 0x2c]);
        let tlv = Reader::new(&encoded)
            .read(OCTET_STRING, "octets")
            .expect("decodes");
        assert_eq!(tlv.content, &content[..]);
    }

    #[test]
    fn truncated_element_is_rejected() {
        let err = Reader::new(&[0x30, 0x05, 0x01]).read_any().unwrap_err();
        assert_eq!(err, GostError::Der("element longer than its input"));
    }

    #[test]
    fn unsigned_integer_adds_sign_byte_only_when_needed() {
        assert_eq!(
            unsigned_integer(&[0x00, 0x80]),
            vec![0x02, 0x02, 0x00, 0x80]
        );
        assert_eq!(unsigned_integer(&[0x00, 0x7f]), vec![0x02, 0x01, 0x7f]);
        assert_eq!(unsigned_integer(&[]), vec![0x02, 0x01, 0x00]);
    }

    #[test]
    fn utc_time_round_trips_and_picks_form_by_year() {
        let t = time::macros::datetime!(2020-09-02 07:57:34 UTC);
        let encoded = time(t);
        assert_eq!(&encoded[2..], b"200902075734Z");
        let back = parse_time(&Reader::new(&encoded).read_any().expect("tlv")).expect("time");
        assert_eq!(back, t);
        let far = time::macros::datetime!(2051-01-01 00:00:00 UTC);
        assert_eq!(time(far)[0], GENERALIZED_TIME);
    }
}
