//! The HTTP edge of a node.

#![forbid(unsafe_code)]
