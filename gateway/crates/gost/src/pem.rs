//! PEM armour (RFC 7468): base64 between `-----BEGIN label-----` and
//! `-----END label-----` lines.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::error::GostError;

/// Wraps DER in PEM with 64-character lines and a final newline.
pub(crate) fn encode(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ascii"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The DER inside the first block labelled `label`. Text around the block
/// (OpenSSL's `-text` dumps, other blocks) is skipped.
pub(crate) fn decode(label: &str, text: &str) -> Result<Vec<u8>, GostError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text
        .find(&begin)
        .ok_or(GostError::Pem("begin line not found"))?
        + begin.len();
    let stop = text[start..]
        .find(&end)
        .ok_or(GostError::Pem("end line not found"))?
        + start;
    let body: String = text[start..stop]
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    STANDARD
        .decode(body)
        .map_err(|_| GostError::Pem("invalid base64"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trips_long_input() {
        let der: Vec<u8> = (0..=255u8).collect();
        let text = encode("CERTIFICATE", &der);
        assert!(text
            .lines()
            .all(|line| line.len() <= 64 || line.starts_with("-----")));
        assert_eq!(decode("CERTIFICATE", &text).expect("decodes"), der);
    }

    #[test]
    fn pem_with_other_label_is_rejected() {
        let text = encode("PRIVATE KEY", b"abc");
        assert_eq!(
            decode("CERTIFICATE", &text),
            Err(GostError::Pem("begin line not found"))
        );
    }
}
