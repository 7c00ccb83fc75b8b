//! The normal form replay compares: an answer rendered as indented XML
//! lines, independent of namespace prefixes and attribute order, with
//! every volatile value (ids, instants, signatures, tokens, certificates)
//! replaced by a placeholder.
//!
//! The form is itself XML and a fixed point (normalising a normalised
//! document gives the same lines), so `expected.xml` files are stored in
//! it and both sides of a comparison go through [`normalize`].
//!
//! Placeholders: `{$name}` for a value the replay knows by name (a
//! generated MessageID, a captured value), then `{uuid}` and `{datetime}`
//! for any other UUID or xs:dateTime inside a text, and a fixed token for
//! the elements in [`MASKED`].

use std::collections::BTreeMap;

/// Elements whose whole text is volatile, and the token that replaces it.
const MASKED: &[(&str, &str)] = &[
    ("SignatureValue", "{signature}"),
    ("DigestValue", "{digest}"),
    ("X509Certificate", "{certificate}"),
    ("ReplyTo", "{reply-to}"),
];

/// Width of one indentation step.
const INDENT: &str = "  ";

/// The HTTP status and content type line that opens every normal form.
pub fn http_line(status: u16, content_type: &str) -> String {
    format!("<!-- HTTP {status} {} -->", content_type.trim())
}

/// Renders `xml` in the normal form, opened by `http` (see [`http_line`]).
/// `known` maps replay variable names to their values.
///
/// # Errors
/// When `xml` is not well-formed.
pub fn normalize(
    http: &str,
    xml: &str,
    known: &BTreeMap<String, String>,
) -> Result<Vec<String>, roxmltree::Error> {
    let doc = roxmltree::Document::parse(xml)?;
    let mut known: Vec<(&str, &str)> = known
        .iter()
        .filter(|(_, value)| value.len() >= 8)
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    // Longest values first, so a value containing another one wins.
    known.sort_by_key(|(_, value)| std::cmp::Reverse(value.len()));
    let mut renderer = Renderer {
        known,
        lines: vec![http.to_owned()],
    };
    renderer.element(doc.root_element(), None, 0);
    Ok(renderer.lines)
}

/// The HTTP line of a stored normal form, if its first line is one.
pub fn stored_http_line(text: &str) -> Option<&str> {
    let first = text.trim_start_matches('\u{feff}').lines().next()?.trim();
    first.starts_with("<!-- HTTP ").then_some(first)
}

struct Renderer<'k> {
    known: Vec<(&'k str, &'k str)>,
    lines: Vec<String>,
}

// === impl Renderer ===

impl Renderer<'_> {
    fn element(&mut self, node: roxmltree::Node<'_, '_>, parent_ns: Option<&str>, depth: usize) {
        let pad = INDENT.repeat(depth);
        let name = node.tag_name().name();
        let ns = node.tag_name().namespace();
        let open = format!("<{name}{}", self.attributes(node, ns, parent_ns));
        let children: Vec<_> = node
            .children()
            .filter(|c| c.is_element() || (c.is_text() && !text_of(c).is_empty()))
            .collect();
        let masked = MASKED.iter().find(|(local, _)| *local == name);
        match (children.as_slice(), masked) {
            ([], None) => self.lines.push(format!("{pad}{open}/>")),
            (_, Some((_, token))) => self.lines.push(format!("{pad}{open}>{token}</{name}>")),
            ([only], None) if only.is_text() => {
                let text = escape(&self.text(text_of(only)), false);
                self.lines.push(format!("{pad}{open}>{text}</{name}>"));
            }
            (_, None) => {
                self.lines.push(format!("{pad}{open}>"));
                for child in children {
                    if child.is_element() {
                        self.element(child, ns, depth + 1);
                    } else {
                        let text = escape(&self.text(text_of(&child)), false);
                        self.lines.push(format!("{pad}{INDENT}{text}"));
                    }
                }
                self.lines.push(format!("{pad}</{name}>"));
            }
        }
    }

    /// The element's namespace (when it differs from its parent's) and its
    /// attributes sorted by namespace and name, prefixed ones declared.
    fn attributes(
        &self,
        node: roxmltree::Node<'_, '_>,
        ns: Option<&str>,
        parent_ns: Option<&str>,
    ) -> String {
        let mut out = String::new();
        if ns != parent_ns {
            out.push_str(&format!(" xmlns=\"{}\"", escape(ns.unwrap_or(""), true)));
        }
        let mut attributes: Vec<_> = node
            .attributes()
            .map(|a| (a.namespace().unwrap_or(""), a.name(), a.value()))
            .collect();
        attributes.sort();
        let mut prefixes: Vec<&str> = Vec::new();
        for (ns, name, value) in attributes {
            let value = escape(&self.text(value), true);
            if ns.is_empty() {
                out.push_str(&format!(" {name}=\"{value}\""));
                continue;
            }
            let index = match prefixes.iter().position(|p| *p == ns) {
                Some(index) => index + 1,
                None => {
                    prefixes.push(ns);
                    out.push_str(&format!(
                        " xmlns:a{}=\"{}\"",
                        prefixes.len(),
                        escape(ns, true)
                    ));
                    prefixes.len()
                }
            };
            out.push_str(&format!(" a{index}:{name}=\"{value}\""));
        }
        out
    }

    /// Text with known values and volatile patterns replaced.
    fn text(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (name, value) in &self.known {
            text = text.replace(value, &format!("{{${name}}}"));
        }
        mask_patterns(&text)
    }
}

fn text_of<'a>(node: &roxmltree::Node<'a, '_>) -> &'a str {
    node.text().unwrap_or("").trim()
}

fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

/// Replaces every UUID by `{uuid}` and every xs:dateTime by `{datetime}`.
pub fn mask_patterns(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        if let Some(len) = uuid_at(&bytes[i..]) {
            out.push_str("{uuid}");
            i += len;
        } else if let Some(len) = datetime_at(&bytes[i..]) {
            out.push_str("{datetime}");
            i += len;
        } else {
            let c = text[i..].chars().next().unwrap_or('\u{fffd}');
            out.push(c);
            i += c.len_utf8().max(1);
        }
    }
    out
}

/// Matches `pattern` at the start of `bytes`: `h` a hex digit, `d` a
/// decimal digit, anything else itself.
fn shape_at(bytes: &[u8], pattern: &str) -> bool {
    bytes.len() >= pattern.len()
        && pattern.bytes().zip(bytes).all(|(p, &b)| match p {
            b'h' => b.is_ascii_hexdigit(),
            b'd' => b.is_ascii_digit(),
            p => p == b,
        })
}

fn uuid_at(bytes: &[u8]) -> Option<usize> {
    const UUID: &str = "hhhhhhhh-hhhh-hhhh-hhhh-hhhhhhhhhhhh";
    shape_at(bytes, UUID).then_some(UUID.len())
}

/// An xs:dateTime: date, time, optional fraction, optional zone.
fn datetime_at(bytes: &[u8]) -> Option<usize> {
    const BASE: &str = "dddd-dd-ddTdd:dd:dd";
    if !shape_at(bytes, BASE) {
        return None;
    }
    let mut len = BASE.len();
    if bytes.get(len) == Some(&b'.') {
        let digits = bytes[len + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits > 0 {
            len += 1 + digits;
        }
    }
    if bytes.get(len) == Some(&b'Z') {
        len += 1;
    } else if matches!(bytes.get(len), Some(b'+' | b'-')) && shape_at(&bytes[len + 1..], "dd:dd") {
        len += 6;
    }
    Some(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(xml: &str, known: &[(&str, &str)]) -> Vec<String> {
        let known = known
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        normalize("<!-- HTTP 200 text/xml -->", xml, &known).unwrap()
    }

    #[test]
    fn normalize_prefixes_and_attribute_order_are_irrelevant() {
        let a = r#"<s:E xmlns:s="urn:s"><t:B xmlns:t="urn:t" b="2" a="1">x</t:B></s:E>"#;
        let b = r#"<E xmlns="urn:s"><B a="1" b="2" xmlns="urn:t">x</B></E>"#;
        assert_eq!(render(a, &[]), render(b, &[]));
        assert_eq!(
            render(a, &[]),
            [
                "<!-- HTTP 200 text/xml -->",
                "<E xmlns=\"urn:s\">",
                "  <B xmlns=\"urn:t\" a=\"1\" b=\"2\">x</B>",
                "</E>",
            ]
        );
    }

    #[test]
    fn normalize_masks_ids_times_and_signature_values() {
        let xml = "<r><MessageId>f9fa4844-effd-11f1-84a4-13d13f0067e5</MessageId>\
                   <Other>7a0c0000-0000-1000-8000-000000000001</Other>\
                   <At>2026-12-04T16:15:52.491Z</At><SignatureValue>AAAA</SignatureValue>\
                   <Say>Время 2024-03-01T10:00:00+03:00 вне</Say></r>";
        let lines = render(xml, &[("req", "f9fa4844-effd-11f1-84a4-13d13f0067e5")]);
        assert_eq!(lines[2], "  <MessageId>{$req}</MessageId>");
        assert_eq!(lines[3], "  <Other>{uuid}</Other>");
        assert_eq!(lines[4], "  <At>{datetime}</At>");
        assert_eq!(lines[5], "  <SignatureValue>{signature}</SignatureValue>");
        assert_eq!(lines[6], "  <Say>Время {datetime} вне</Say>");
    }

    #[test]
    fn normalize_output_is_a_fixed_point() {
        let xml = r#"<s:E xmlns:s="urn:s" xmlns:x="urn:x"><s:T x:k="v &amp; &quot;w&quot;">
            a &lt; b </s:T><U xmlns=""/><s:M>one<s:I/>two</s:M></s:E>"#;
        let once = render(xml, &[]);
        let again = render(&once[1..].join("\n"), &[]);
        assert_eq!(once, again);
        let attribute = "xmlns:a1=\"urn:x\" a1:k=\"v &amp; &quot;w&quot;\"";
        assert_eq!(once[2], format!("  <T {attribute}>a &lt; b</T>"));
        assert_eq!(once[3], "  <U xmlns=\"\"/>");
    }

    #[test]
    fn mask_patterns_leaves_near_misses_alone() {
        assert_eq!(mask_patterns("2024-03-01"), "2024-03-01");
        assert_eq!(
            mask_patterns("at 2024-03-01T10:00:00 ok"),
            "at {datetime} ok"
        );
        assert_eq!(mask_patterns("id 12345678-1234"), "id 12345678-1234");
    }

    #[test]
    fn stored_http_line_reads_the_first_line_only() {
        let text = "<!-- HTTP 500 text/xml -->\n<E/>";
        assert_eq!(stored_http_line(text), Some("<!-- HTTP 500 text/xml -->"));
        assert_eq!(stored_http_line("<E/>"), None);
    }
}
