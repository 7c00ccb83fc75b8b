//! The SMEV transform and the SMEV 3 XMLDSig profile.

#![forbid(unsafe_code)]
