//! Character escaping exactly as the Woodstox writer behind the reference
//! SMEV transform does it (protocol brief §2.5 point 8).
//!
//! Woodstox writes text through one of two code paths, and the rule for `>`
//! differs between them:
//!
//! - text shorter than [`MIN_ARRAYCOPY`] UTF-16 units goes through the String
//!   path: `>` is escaped when it is the first char of the event or follows
//!   `]`;
//! - longer text is copied in [`COPY_BUFFER_LEN`]-unit chunks through the
//!   char[] path: `>` is escaped at the start of a chunk, after `]`, or right
//!   after any other escaped char (the "segment start" is reset by every
//!   escape).
//!
//! Both paths escape `&` and `<` always, CR as `&#xd;` and U+007F–U+009F as
//! numeric references; quotes are never escaped in text. Attribute values
//! (and namespace URIs, which Woodstox writes as attribute values) escape
//! `&`, `<`, `"`, TAB, LF and CR, and leave `>` alone.

/// Texts at least this long (in UTF-16 code units) take the char[] path
/// (`BaseStreamWriter.MIN_ARRAYCOPY`).
const MIN_ARRAYCOPY: usize = 12;

/// Chunk size of the char[] path (`BaseStreamWriter.DEFAULT_COPYBUFFER_LEN`).
const COPY_BUFFER_LEN: usize = 512;

/// Appends `text` (one text event) to `out`, escaped as Woodstox would.
pub(super) fn write_text(out: &mut String, text: &str) {
    if !needs_text_escaping(text.as_bytes()) {
        out.push_str(text);
        return;
    }
    let utf16_len: usize = text.chars().map(char::len_utf16).sum();
    if utf16_len < MIN_ARRAYCOPY {
        write_text_short(out, text);
    } else {
        write_text_chunked(out, text);
    }
}

/// Appends an attribute value (or namespace URI) to `out`, escaped as
/// Woodstox would. The surrounding quotes are the caller's.
pub(super) fn write_attr_value(out: &mut String, value: &str) {
    let is_special = |b: &u8| matches!(b, b'&' | b'<' | b'"' | b'\t' | b'\n' | b'\r');
    if !value.as_bytes().iter().any(is_special) {
        out.push_str(value);
        return;
    }
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => push_char_ref(out, c),
            _ => out.push(c),
        }
    }
}

/// The String path: `>` is escaped only as the first char or after `]`.
fn write_text_short(out: &mut String, text: &str) {
    let mut prev: Option<char> = None;
    for c in text.chars() {
        let gt_needs_escape = prev.is_none() || prev == Some(']');
        match c {
            '>' if gt_needs_escape => out.push_str("&gt;"),
            _ if escape_always(c) => push_text_escape(out, c),
            _ => out.push(c),
        }
        prev = Some(c);
    }
}

/// The char[] path: positions are counted in UTF-16 code units, because the
/// Java chunking is; a chunk boundary or any escape starts a new segment, and
/// `>` at a segment start is escaped.
fn write_text_chunked(out: &mut String, text: &str) {
    let mut pos = 0usize;
    let mut segment_start = 0usize;
    let mut prev: Option<char> = None;
    for c in text.chars() {
        let chunk_start = pos - pos % COPY_BUFFER_LEN;
        segment_start = segment_start.max(chunk_start);
        let len = c.len_utf16();

        let at_segment_start = pos == segment_start;
        if c == '>' && (at_segment_start || prev == Some(']')) {
            out.push_str("&gt;");
            segment_start = pos + len;
        } else if escape_always(c) {
            push_text_escape(out, c);
            segment_start = pos + len;
        } else {
            out.push(c);
        }

        prev = Some(c);
        pos += len;
    }
}

/// Whether text escaping may change any char: `&`, `<`, `>`, CR, U+007F,
/// or U+0080–U+009F (UTF-8 `C2 80`–`C2 9F`).
fn needs_text_escaping(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().any(|(i, &b)| match b {
        b'&' | b'<' | b'>' | b'\r' | 0x7F => true,
        0xC2 => bytes
            .get(i + 1)
            .is_some_and(|next| (0x80..=0x9F).contains(next)),
        _ => false,
    })
}

/// Characters both text paths escape unconditionally.
fn escape_always(c: char) -> bool {
    matches!(c, '&' | '<' | '\r' | '\u{7f}'..='\u{9f}')
}

fn push_text_escape(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        _ => push_char_ref(out, c),
    }
}

/// Woodstox `writeAsEntity` for chars below 256: `&#x` + lowercase hex.
fn push_char_ref(out: &mut String, c: char) {
    use std::fmt::Write as _;
    // Writing into a String cannot fail.
    let _ = write!(out, "&#x{:x};", u32::from(c));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(input: &str) -> String {
        let mut out = String::new();
        write_text(&mut out, input);
        out
    }

    fn attr(input: &str) -> String {
        let mut out = String::new();
        write_attr_value(&mut out, input);
        out
    }

    #[test]
    fn short_text_gt_first_is_escaped() {
        assert_eq!(text(">a>b"), "&gt;a>b");
    }

    #[test]
    fn short_text_gt_after_bracket_is_escaped() {
        assert_eq!(text("a]>b>"), "a]&gt;b>");
    }

    #[test]
    fn short_text_gt_after_escape_is_kept() {
        // 11 chars: String path, so an escape does not start a new segment.
        assert_eq!(text("a&>b<>cdefg"), "a&amp;>b&lt;>cdefg");
    }

    #[test]
    fn long_text_gt_after_escape_is_escaped() {
        // 12 chars: char[] path, every escape starts a new segment.
        assert_eq!(text("a&>b<>cdefgh"), "a&amp;&gt;b&lt;&gt;cdefgh");
    }

    #[test]
    fn long_text_gt_first_and_after_bracket_are_escaped() {
        assert_eq!(text(">abcdefghij]>k>"), "&gt;abcdefghij]&gt;k>");
    }

    #[test]
    fn long_text_gt_at_chunk_boundary_is_escaped() {
        let input = format!("{}>{}>", "x".repeat(512), "y".repeat(3));
        let expected = format!("{}&gt;{}>", "x".repeat(512), "y".repeat(3));
        assert_eq!(text(&input), expected);
    }

    #[test]
    fn long_text_gt_before_chunk_boundary_is_kept() {
        let input = format!("{}>{}", "x".repeat(511), "y".repeat(3));
        assert_eq!(text(&input), input);
    }

    #[test]
    fn long_text_chunks_count_utf16_units() {
        // 255 supplementary chars = 510 units, then "ab" ends the first chunk,
        // so the `>` is the first unit of the second chunk.
        let input = format!("{}ab>c", "\u{1F600}".repeat(255));
        let expected = format!("{}ab&gt;c", "\u{1F600}".repeat(255));
        assert_eq!(text(&input), expected);
    }

    #[test]
    fn long_text_gt_after_straddling_surrogate_pair_is_kept() {
        // 511 units of 'x', then a pair on units 511..=512, then `>` at 513.
        let input = format!("{}\u{1F600}>", "x".repeat(511));
        assert_eq!(text(&input), input);
    }

    #[test]
    fn text_cr_and_c1_controls_become_char_refs() {
        assert_eq!(
            text("a\rb\u{7f}\u{85}\u{9f}\u{a0}"),
            "a&#xd;b&#x7f;&#x85;&#x9f;\u{a0}"
        );
    }

    #[test]
    fn text_quotes_tab_lf_are_kept() {
        assert_eq!(text("\"'\t\n"), "\"'\t\n");
    }

    #[test]
    fn attr_value_escapes_quote_lt_amp_and_whitespace_controls() {
        assert_eq!(
            attr("a\"b<c&d>e\tf\ng\rh'"),
            "a&quot;b&lt;c&amp;d>e&#x9;f&#xa;g&#xd;h'"
        );
    }

    #[test]
    fn attr_value_c1_controls_are_kept() {
        assert_eq!(attr("\u{7f}\u{85}"), "\u{7f}\u{85}");
    }
}
