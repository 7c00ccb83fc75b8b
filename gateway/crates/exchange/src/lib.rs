//! The SMEV 3 exchange: one handler per operation.

#![forbid(unsafe_code)]
