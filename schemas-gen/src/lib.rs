//! Reads the project's XSDs and generates Rust names, namespaces and limits.

#![forbid(unsafe_code)]
