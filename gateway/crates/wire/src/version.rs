//! Protocol versions 1.1, 1.2 and 1.3 and the namespaces each one uses.
//!
//! The version of a message is read from the namespace of the operation
//! element in `soap:Body` (brief §1.2); the three versions can run side by
//! side on one node.
//! Namespace strings come from the generated [`names`] module, the single
//! source of truth shared with `xsd/`.

use crate::names;

/// The SOAP 1.1 envelope namespace, the only one SMEV accepts (brief §1.1).
pub const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// The SOAP 1.2 envelope namespace; seeing it means `VersionMismatch`.
pub const SOAP12_ENV: &str = "http://www.w3.org/2003/05/soap-envelope";
/// The XML Signature namespace.
pub const XMLDSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
/// The XML Schema instance namespace (for `xsi:type` on `SmevFault`).
pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// A version of the SMEV 3 message-exchange schemas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// `…/types/1.1`.
    V1_1,
    /// `…/types/1.2`.
    V1_2,
    /// `…/types/1.3` (МР 3.5: routing, no `DestinationName`).
    V1_3,
}

// === impl Version ===

impl Version {
    /// Every version, oldest first.
    pub const ALL: [Version; 3] = [Version::V1_1, Version::V1_2, Version::V1_3];

    /// The version whose types namespace is `ns`, if any.
    pub fn from_types_ns(ns: &str) -> Option<Version> {
        Version::ALL.into_iter().find(|v| v.types_ns() == ns)
    }

    /// The version owning `ns` as its types, basic or faults namespace.
    pub fn from_any_ns(ns: &str) -> Option<Version> {
        Version::ALL
            .into_iter()
            .find(|v| v.types_ns() == ns || v.basic_ns() == ns || v.faults_ns() == ns)
    }

    /// The namespace of operations and envelopes (prefix `ns2` on the wire).
    pub fn types_ns(self) -> &'static str {
        match self {
            Version::V1_1 => names::v1_1::TYPES,
            Version::V1_2 => names::v1_2::TYPES,
            Version::V1_3 => names::v1_3::TYPES,
        }
    }

    /// The namespace of basic types (the default namespace on the wire).
    pub fn basic_ns(self) -> &'static str {
        match self {
            Version::V1_1 => names::v1_1::BASIC,
            Version::V1_2 => names::v1_2::BASIC,
            Version::V1_3 => names::v1_3::BASIC,
        }
    }

    /// The namespace of fault elements (prefix `ns3` on the wire).
    pub fn faults_ns(self) -> &'static str {
        match self {
            Version::V1_1 => names::v1_1::FAULTS,
            Version::V1_2 => names::v1_2::FAULTS,
            Version::V1_3 => names::v1_3::FAULTS,
        }
    }

    /// The routing namespace, which only 1.3 has.
    pub fn routing_ns(self) -> Option<&'static str> {
        match self {
            Version::V1_3 => Some(names::v1_3::ROUTING),
            _ => None,
        }
    }

    /// The version number as written in namespaces, e.g. `"1.2"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V1_1 => "1.1",
            Version::V1_2 => "1.2",
            Version::V1_3 => "1.3",
        }
    }

    /// The version for its number, e.g. `"1.2"` (the inverse of
    /// [`Version::as_str`]).
    pub fn from_label(label: &str) -> Option<Version> {
        [Version::V1_1, Version::V1_2, Version::V1_3]
            .into_iter()
            .find(|v| v.as_str() == label.trim())
    }

    /// Whether `MessageMetadata` carries `DestinationName` and
    /// `SupplementaryData` (1.1 and 1.2; 1.3 dropped both).
    pub fn has_destination_name(self) -> bool {
        self != Version::V1_3
    }

    /// Whether `AckTargetMessage/@accepted` is required (1.1 and 1.2).
    pub fn ack_accepted_required(self) -> bool {
        self != Version::V1_3
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_from_types_ns_round_trips_every_version() {
        for v in Version::ALL {
            assert_eq!(Version::from_types_ns(v.types_ns()), Some(v));
            assert_eq!(Version::from_any_ns(v.faults_ns()), Some(v));
        }
        assert_eq!(Version::from_types_ns(names::v1_2::BASIC), None);
    }

    #[test]
    fn version_routing_ns_exists_only_in_1_3() {
        assert_eq!(Version::V1_2.routing_ns(), None);
        assert!(Version::V1_3
            .routing_ns()
            .is_some_and(|ns| ns.ends_with("/routing/1.3")));
    }
}
