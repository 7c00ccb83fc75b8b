//! Rust constant names for XSD names: SCREAMING_CASE with stable tie-breaking.
//!
//! `MessageID` and `MessageId` both fold to `MESSAGE_ID`. The clash is settled
//! over the names of *all* versions at once, so a name gets the same constant in
//! every version module: the variant with the most capitals keeps the plain
//! name, the others get `_CAMEL` (and then a counter, which no SMEV schema needs).

use std::collections::{BTreeMap, BTreeSet};

/// Constant names the emitter itself uses in a version module; an element with
/// the same SCREAMING_CASE name gets an `_ELEMENT` suffix instead.
pub const RESERVED: &[&str] = &[
    "VERSION",
    "TYPES",
    "BASIC",
    "FAULTS",
    "ROUTING",
    "DIRECTIVE",
    "TYPES_FILE",
    "FILES",
    "WSDL",
    "OPERATIONS",
    "FAULT_ELEMENTS",
];

/// Maps every XSD name seen in any version to its constant stem.
#[derive(Debug, Default)]
pub struct ConstNames {
    stems: BTreeMap<String, String>,
}

/// Folds an XSD name to SCREAMING_CASE: word breaks before a capital that
/// follows a lowercase letter or digit, or that starts a word after an acronym.
/// Dashes and dots become underscores.
pub fn screaming(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.ends_with('_') {
                out.push('_');
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        let after_lower = prev.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit());
        let acronym_end = prev.is_some_and(|p| p.is_ascii_uppercase())
            && next.is_some_and(|n| n.is_ascii_lowercase());
        let digit_after_letter =
            c.is_ascii_digit() && prev.is_some_and(|p| p.is_ascii_alphabetic());
        let breaks = (c.is_ascii_uppercase() && (after_lower || acronym_end)) || digit_after_letter;
        if breaks && !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out.trim_matches('_').to_string()
}

// === impl ConstNames ===

impl ConstNames {
    /// Builds the stem table from every name of every version.
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let unique: BTreeSet<&str> = names.into_iter().collect();
        let mut groups: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        for name in unique {
            groups.entry(screaming(name)).or_default().push(name);
        }

        let mut stems = BTreeMap::new();
        for (base, mut members) in groups {
            let base = if RESERVED.contains(&base.as_str()) {
                format!("{base}_ELEMENT")
            } else {
                base
            };
            // Most capitals first; ties broken by the name itself.
            members.sort_by_key(|m| (std::cmp::Reverse(capitals(m)), m.to_string()));
            for (rank, member) in members.iter().enumerate() {
                let stem = match rank {
                    0 => base.clone(),
                    1 => format!("{base}_CAMEL"),
                    n => format!("{base}_CAMEL{n}"),
                };
                stems.insert((*member).to_string(), stem);
            }
        }
        Self { stems }
    }

    /// The constant stem of `name`; names never registered fall back to plain
    /// SCREAMING_CASE.
    pub fn stem(&self, name: &str) -> String {
        self.stems
            .get(name)
            .cloned()
            .unwrap_or_else(|| screaming(name))
    }
}

fn capitals(name: &str) -> usize {
    name.chars().filter(char::is_ascii_uppercase).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screaming_camel_and_acronyms_split_into_words() {
        assert_eq!(screaming("MessageID"), "MESSAGE_ID");
        assert_eq!(screaming("SMEVSignature"), "SMEV_SIGNATURE");
        assert_eq!(screaming("EOL"), "EOL");
        assert_eq!(screaming("contentId"), "CONTENT_ID");
        assert_eq!(screaming("string-4000"), "STRING_4000");
        assert_eq!(
            screaming("RFC2046MimeTypesType"),
            "RFC_2046_MIME_TYPES_TYPE"
        );
        assert_eq!(screaming("uuid"), "UUID");
    }

    #[test]
    fn const_names_case_clash_gives_acronym_the_plain_name() {
        let names = ConstNames::new(["MessageId", "MessageID", "Timestamp"]);
        assert_eq!(names.stem("MessageID"), "MESSAGE_ID");
        assert_eq!(names.stem("MessageId"), "MESSAGE_ID_CAMEL");
        assert_eq!(names.stem("Timestamp"), "TIMESTAMP");
    }

    #[test]
    fn const_names_reserved_name_gets_element_suffix() {
        let names = ConstNames::new(["Routing"]);
        assert_eq!(names.stem("Routing"), "ROUTING_ELEMENT");
    }
}
