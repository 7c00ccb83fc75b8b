//! The libxml2 edge: safe parsing, exclusive c14n and XSD validation.
