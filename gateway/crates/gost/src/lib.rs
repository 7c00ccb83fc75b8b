//! GOST R 34.11-2012 (Streebog) and GOST R 34.10-2012 signatures, keys and certificates.

#![forbid(unsafe_code)]
