//! Whether a user (or an API client) may come in from an address at a moment: the account is
//! enabled, the address is in the user's allow-list, and the moment falls in
//! the user's time window. The answer is an [`AccessVerdict`], not an error.

use std::net::IpAddr;

use time::OffsetDateTime;

use crate::ip_allow::IpAllowList;
use crate::time_window::TimeWindow;
use crate::user::User;

/// Where a request comes from and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessRequest {
    /// The peer address.
    pub ip: IpAddr,
    /// When the request arrived.
    pub at: OffsetDateTime,
}

/// The answer to an [`AccessRequest`], first refusal reason first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessVerdict {
    /// Let it in.
    Allowed,
    /// The account is disabled.
    Disabled,
    /// The address is not in the user's allow-list.
    AddressNotAllowed,
    /// The moment is outside the user's time window.
    OutsideWindow,
}

// === impl AccessVerdict ===

impl AccessVerdict {
    /// Whether the request may go on.
    pub fn is_allowed(self) -> bool {
        self == AccessVerdict::Allowed
    }

    /// Why it was refused, in Russian, for the user.
    pub fn message(self) -> &'static str {
        match self {
            AccessVerdict::Allowed => "Доступ разрешён",
            AccessVerdict::Disabled => "Учётная запись отключена",
            AccessVerdict::AddressNotAllowed => "Вход с этого IP-адреса не разрешён",
            AccessVerdict::OutsideWindow => "Вход в это время не разрешён",
        }
    }
}

/// Checks `request` against `user`'s account state, allow-list and window.
pub fn check(user: &User, request: &AccessRequest) -> AccessVerdict {
    check_limits(user.disabled(), user.ip_allow(), user.window(), request)
}

/// Checks `request` against an account's state, allow-list and window
/// (a user's or an API client's).
pub fn check_limits(
    disabled: bool,
    ip_allow: &IpAllowList,
    window: Option<&TimeWindow>,
    request: &AccessRequest,
) -> AccessVerdict {
    if disabled {
        return AccessVerdict::Disabled;
    }
    if !ip_allow.allows(request.ip) {
        return AccessVerdict::AddressNotAllowed;
    }
    let in_window = window.is_none_or(|window| window.contains(request.at));
    if !in_window {
        return AccessVerdict::OutsideWindow;
    }
    AccessVerdict::Allowed
}
