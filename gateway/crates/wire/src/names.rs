//! SMEV element names, namespaces, limits, faults and operations per schema
//! version, generated at build time from `xsd/` by `smevgate-schemas-gen`.
//!
//! One module per version (`v1_1`, `v1_2`, `v1_3`). Each holds:
//! - namespaces: `TYPES`, `BASIC`, `FAULTS` (and `ROUTING` in 1.3);
//! - the local name of every element as a constant named after it in
//!   SCREAMING_CASE (`MESSAGE_ID = "MessageID"`). When two names fold to the
//!   same constant, the one with more capitals keeps it and the other gets
//!   `_CAMEL` (`MESSAGE_ID_CAMEL = "MessageId"`); an element that collides with
//!   a namespace constant gets `_ELEMENT` (`ROUTING_ELEMENT = "Routing"`);
//! - limits and enumerations of named simple types (`STRING_4000_MAX_LEN`,
//!   `INTERACTION_STATUS_TYPE_VALUES`) and of elements and attributes
//!   (`TRANSACTION_CODE_MAX_LEN`, `MESSAGE_ID_PATTERN`, `STATUS_VALUES`); an
//!   element whose limit differs by parent is qualified by it
//!   (`SENDER_MNEMONIC_MAX_LEN`, `RECIPIENT_MNEMONIC_MAX_LEN`);
//! - `FAULT_ELEMENTS`, `OPERATIONS` (from the WSDL binding), `FILES` (every XSD
//!   embedded, for validation without `xsd/` at run time), `TYPES_FILE` (the
//!   entry point that imports the rest) and `WSDL`.

include!(concat!(env!("OUT_DIR"), "/names.rs"));
