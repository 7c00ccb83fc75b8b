//! Named GOST R 34.10 elliptic-curve parameter sets and their OIDs.
//!
//! SMEV certificates name CryptoPro-XchA (1.2.643.2.2.36.0), which is the
//! same curve as CryptoPro-A; CryptoPro-XchB is the same curve as
//! CryptoPro-C. The OID is kept so that keys re-encode as they came in.

use crate::error::GostError;

/// A GOST R 34.10-2012 256-bit parameter set (curve), named as in RFC 4357
/// and RFC 7836.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamSet {
    /// id-GostR3410-2001-CryptoPro-A-ParamSet, 1.2.643.2.2.35.1.
    CryptoProA,
    /// id-GostR3410-2001-CryptoPro-B-ParamSet, 1.2.643.2.2.35.2.
    CryptoProB,
    /// id-GostR3410-2001-CryptoPro-C-ParamSet, 1.2.643.2.2.35.3.
    CryptoProC,
    /// id-GostR3410-2001-CryptoPro-XchA-ParamSet, 1.2.643.2.2.36.0 (curve A).
    CryptoProXchA,
    /// id-GostR3410-2001-CryptoPro-XchB-ParamSet, 1.2.643.2.2.36.1 (curve C).
    CryptoProXchB,
    /// id-tc26-gost-3410-2012-256-paramSetA, 1.2.643.7.1.2.1.1.1 (a twisted
    /// Edwards curve, used here in its Weierstrass form; cofactor 4).
    Tc26A,
}

/// Which distinct curve a parameter set uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CurveId {
    A,
    B,
    C,
    Tc26A,
}

// === impl ParamSet ===

impl ParamSet {
    /// Every parameter set, in declaration order.
    pub const ALL: [ParamSet; 6] = [
        ParamSet::CryptoProA,
        ParamSet::CryptoProB,
        ParamSet::CryptoProC,
        ParamSet::CryptoProXchA,
        ParamSet::CryptoProXchB,
        ParamSet::Tc26A,
    ];

    /// The dotted OID of the parameter set.
    pub fn oid(self) -> &'static str {
        match self {
            ParamSet::CryptoProA => "1.2.643.2.2.35.1",
            ParamSet::CryptoProB => "1.2.643.2.2.35.2",
            ParamSet::CryptoProC => "1.2.643.2.2.35.3",
            ParamSet::CryptoProXchA => "1.2.643.2.2.36.0",
            ParamSet::CryptoProXchB => "1.2.643.2.2.36.1",
            ParamSet::Tc26A => "1.2.643.7.1.2.1.1.1",
        }
    }

    /// Finds the parameter set named by a dotted OID.
    ///
    /// # Errors
    ///
    /// [`GostError::UnsupportedParamSet`] for any other OID.
    pub fn from_oid(oid: &str) -> Result<Self, GostError> {
        Self::ALL
            .into_iter()
            .find(|set| set.oid() == oid)
            .ok_or_else(|| GostError::UnsupportedParamSet(oid.to_owned()))
    }

    /// The short name OpenSSL's gost engine takes in `-pkeyopt paramset:`.
    pub fn openssl_name(self) -> &'static str {
        match self {
            ParamSet::CryptoProA => "A",
            ParamSet::CryptoProB => "B",
            ParamSet::CryptoProC => "C",
            ParamSet::CryptoProXchA => "XA",
            ParamSet::CryptoProXchB => "XB",
            ParamSet::Tc26A => "TCA",
        }
    }

    pub(crate) fn curve(self) -> CurveId {
        match self {
            ParamSet::CryptoProA | ParamSet::CryptoProXchA => CurveId::A,
            ParamSet::CryptoProB => CurveId::B,
            ParamSet::CryptoProC | ParamSet::CryptoProXchB => CurveId::C,
            ParamSet::Tc26A => CurveId::Tc26A,
        }
    }
}

impl std::fmt::Display for ParamSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.oid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn param_set_oid_round_trips_for_every_set() {
        for set in ParamSet::ALL {
            assert_eq!(ParamSet::from_oid(set.oid()), Ok(set));
        }
    }

    #[test]
    fn param_set_unknown_oid_is_rejected() {
        let err = ParamSet::from_oid("1.2.643.2.2.35.0").unwrap_err();
        assert_eq!(
            err,
            GostError::UnsupportedParamSet("1.2.643.2.2.35.0".into())
        );
    }

    #[test]
    fn param_set_exchange_sets_share_signature_curves() {
        assert_eq!(
            ParamSet::CryptoProXchA.curve(),
            ParamSet::CryptoProA.curve()
        );
        assert_eq!(
            ParamSet::CryptoProXchB.curve(),
            ParamSet::CryptoProC.curve()
        );
    }
}
