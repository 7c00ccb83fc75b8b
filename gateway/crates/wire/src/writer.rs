//! A minimal XML text writer: the encoders build envelopes as compact
//! strings (no whitespace between elements, as SMEV writes them) and every
//! text and attribute value goes through the escapes here.

/// Builds XML text into a `String`; the caller keeps tags balanced.
#[derive(Debug, Default)]
pub(crate) struct XmlWriter {
    out: String,
}

// === impl XmlWriter ===

impl XmlWriter {
    pub(crate) fn new() -> XmlWriter {
        XmlWriter {
            out: String::with_capacity(1024),
        }
    }

    /// Writes `<name a="v" …>`; attribute values are escaped.
    pub(crate) fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start_tag(name, attrs);
        self.out.push('>');
        self
    }

    /// Writes `<name a="v" …/>`.
    pub(crate) fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start_tag(name, attrs);
        self.out.push_str("/>");
        self
    }

    /// Writes `</name>`.
    pub(crate) fn close(&mut self, name: &str) -> &mut Self {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// Writes `<name>text</name>` with `text` escaped.
    pub(crate) fn leaf(&mut self, name: &str, text: &str) -> &mut Self {
        self.open(name, &[]);
        escape_text_into(&mut self.out, text);
        self.close(name)
    }

    /// Writes `<name>text</name>` when `text` is present.
    pub(crate) fn leaf_opt(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        if let Some(text) = text {
            self.leaf(name, text);
        }
        self
    }

    /// Writes escaped character data.
    pub(crate) fn text(&mut self, text: &str) -> &mut Self {
        escape_text_into(&mut self.out, text);
        self
    }

    /// Writes `xml` unchanged: stored fragments and signatures that must
    /// keep their exact bytes.
    pub(crate) fn raw(&mut self, xml: &str) -> &mut Self {
        self.out.push_str(xml);
        self
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }

    fn start_tag(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attrs {
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("=\"");
            escape_attr_into(&mut self.out, value);
            self.out.push('"');
        }
    }
}

/// Escapes character data: `&`, `<`, `>` and a bare CR (which a parser
/// would otherwise normalise away).
pub(crate) fn escape_text_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

/// Escapes an attribute value written between double quotes; whitespace
/// characters other than space are written as references so that
/// attribute-value normalisation keeps them.
pub(crate) fn escape_attr_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaf_with_markup_characters_is_escaped() {
        let mut w = XmlWriter::new();
        w.leaf("a", "x<y & z>\r");
        assert_eq!(w.finish(), "<a>x&lt;y &amp; z&gt;&#13;</a>");
    }

    #[test]
    fn attribute_with_quote_and_newline_is_escaped() {
        let mut w = XmlWriter::new();
        w.empty("a", &[("k", "\"1\"\n<")]);
        assert_eq!(w.finish(), "<a k=\"&quot;1&quot;&#10;&lt;\"/>");
    }
}
