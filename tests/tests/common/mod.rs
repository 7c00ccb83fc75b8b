//! Helpers shared by the end-to-end test files: fault assertions, envelopes
//! the harness does not build, certificates with chosen validity dates, and a
//! node on a store and clock the test controls.
//!
//! Each test binary uses a different subset, hence the `dead_code` allowance.

#![allow(dead_code)]

pub mod certs;
pub mod envelopes;
pub mod faults;
pub mod own_node;
pub mod registry;
