//! SMEV 3 SOAP envelopes and faults on the wire.

#![forbid(unsafe_code)]
