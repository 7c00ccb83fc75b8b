//! The `smevgate` binary.

#![forbid(unsafe_code)]

fn main() {}
