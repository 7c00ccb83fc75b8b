//! The per-address limit on failed logins: after too many wrong logins or
//! passwords from one address within a window, `POST /session` from that
//! address is refused with 429 and `Retry-After` until the block ends —
//! whatever the login, so guesses spread over many logins (or unknown ones)
//! are slowed down too. Failed client authentications at `POST
//! /oauth/token` (unknown client, wrong secret) count in the same tally and
//! are refused the same way: one address has one budget of guesses,
//! whichever door it knocks on. Independent of the per-user lock-out
//! ([`cabinet::LockoutPolicy`]), which it does not touch.
//!
//! The counts live in this node's memory: a restart clears them, and nodes
//! sharing one database count apart.

// FIXME(#3): with several nodes behind one balancer an address gets the
// limit once per node; counting in the store would make it one limit.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};

use time::{Duration, OffsetDateTime};

/// Most addresses remembered before expired ones are dropped.
const PRUNE_ABOVE: usize = 10_000;

/// How many failures from one address are tolerated, and for how long the
/// address is then refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimitPolicy {
    /// Failures within [`LoginLimitPolicy::window`] that block the address.
    pub max_failures: u32,
    /// The window failures are counted in, from the first one.
    pub window: Duration,
    /// How long a blocked address is refused.
    pub block: Duration,
}

/// Failed logins per address, shared by all handlers.
#[derive(Debug)]
pub struct LoginLimiter {
    policy: LoginLimitPolicy,
    addresses: Mutex<HashMap<IpAddr, Failures>>,
}

/// What is remembered of one address.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    first_at: OffsetDateTime,
    blocked_until: Option<OffsetDateTime>,
}

/// `Retry-After` seconds for a `wait` answered by [`LoginLimiter::check`]:
/// rounded up, so a client waiting exactly this long is let in.
pub fn retry_after_secs(wait: Duration) -> u64 {
    let millis = u64::try_from(wait.whole_milliseconds()).unwrap_or(1000);
    millis.div_ceil(1000).max(1)
}

// === impl LoginLimitPolicy ===

impl Default for LoginLimitPolicy {
    /// 20 failures in 10 minutes block the address for 15 minutes: above
    /// the per-user lock-out, so one person mistyping is never blocked here.
    fn default() -> Self {
        LoginLimitPolicy {
            max_failures: 20,
            window: Duration::minutes(10),
            block: Duration::minutes(15),
        }
    }
}

// === impl LoginLimiter ===

impl LoginLimiter {
    /// A limiter with no failures counted yet.
    pub fn new(policy: LoginLimitPolicy) -> Self {
        LoginLimiter {
            policy,
            addresses: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(wait)` while `ip` is blocked at `now`: how long until it may
    /// try again (at least one second).
    pub fn check(&self, ip: IpAddr, now: OffsetDateTime) -> Result<(), Duration> {
        let addresses = self
            .addresses
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let blocked_until = addresses.get(&caller(ip)).and_then(|f| f.blocked_until);
        match blocked_until {
            Some(until) if until > now => Err((until - now).max(Duration::SECOND)),
            _ => Ok(()),
        }
    }

    /// Counts one failed login from `ip` at `now`; the one that reaches
    /// the limit blocks the address (an IPv6 caller: its whole /64).
    pub fn record_failure(&self, ip: IpAddr, now: OffsetDateTime) {
        let policy = self.policy;
        let mut addresses = self
            .addresses
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if addresses.len() > PRUNE_ABOVE {
            addresses.retain(|_, f| !f.expired(&policy, now));
        }
        let fresh = Failures {
            count: 0,
            first_at: now,
            blocked_until: None,
        };
        let failures = addresses.entry(caller(ip)).or_insert(fresh);
        if failures.expired(&policy, now) {
            *failures = fresh;
        }
        failures.count += 1;
        if failures.count >= policy.max_failures {
            failures.blocked_until = Some(now + policy.block);
        }
    }
}

// === impl Failures ===

impl Failures {
    /// Whether this record no longer counts at `now`: its window is over
    /// and any block has ended.
    fn expired(&self, policy: &LoginLimitPolicy, now: OffsetDateTime) -> bool {
        let window_over = now >= self.first_at + policy.window;
        let unblocked = self.blocked_until.is_none_or(|until| now >= until);
        window_over && unblocked
    }
}

/// Who is counted for `ip`: an IPv4 address as it is; an IPv6 address by its
/// /64 prefix, the least a single host is usually given, so that a host
/// cannot draw a fresh budget from each of its addresses.
fn caller(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(std::net::Ipv6Addr::from(bits))
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const T0: OffsetDateTime = datetime!(2024-03-01 10:00 UTC);

    fn limiter() -> LoginLimiter {
        LoginLimiter::new(LoginLimitPolicy {
            max_failures: 3,
            window: Duration::minutes(1),
            block: Duration::minutes(5),
        })
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ipv6_addresses_of_one_64_share_a_budget_others_do_not() {
        let limiter = limiter();
        for (n, host) in ["2001:db8::1", "2001:db8::2", "2001:db8::ffff"]
            .iter()
            .enumerate()
        {
            limiter.record_failure(ip(host), T0 + Duration::seconds(n as i64));
        }
        let later = T0 + Duration::seconds(10);

        assert!(limiter.check(ip("2001:db8::abcd"), later).is_err());
        assert!(limiter.check(ip("2001:db8:0:1::1"), later).is_ok());
        assert!(limiter.check(ip("192.0.2.1"), later).is_ok());
    }

    #[test]
    fn address_at_the_limit_is_blocked_for_the_block_time() {
        let limiter = limiter();
        for second in 0..2 {
            limiter.record_failure(ip("192.0.2.1"), T0 + Duration::seconds(second));
            assert_eq!(
                limiter.check(ip("192.0.2.1"), T0 + Duration::seconds(2)),
                Ok(())
            );
        }

        limiter.record_failure(ip("192.0.2.1"), T0 + Duration::seconds(2));

        let waited = T0 + Duration::seconds(62);
        assert_eq!(
            limiter.check(ip("192.0.2.1"), waited),
            Err(Duration::seconds(240))
        );
        assert_eq!(limiter.check(ip("192.0.2.2"), waited), Ok(()));
        let after = T0 + Duration::seconds(2) + Duration::minutes(5);
        assert_eq!(limiter.check(ip("192.0.2.1"), after), Ok(()));
    }

    #[test]
    fn failures_outside_the_window_start_a_new_count() {
        let limiter = limiter();
        limiter.record_failure(ip("192.0.2.1"), T0);
        limiter.record_failure(ip("192.0.2.1"), T0 + Duration::seconds(30));

        limiter.record_failure(ip("192.0.2.1"), T0 + Duration::seconds(61));
        limiter.record_failure(ip("192.0.2.1"), T0 + Duration::seconds(62));

        assert_eq!(
            limiter.check(ip("192.0.2.1"), T0 + Duration::seconds(63)),
            Ok(())
        );
    }

    #[test]
    fn block_shorter_than_a_second_answers_one_second() {
        let limiter = limiter();
        for _ in 0..3 {
            limiter.record_failure(ip("2001:db8::1"), T0);
        }
        let almost = T0 + Duration::minutes(5) - Duration::milliseconds(10);
        assert_eq!(
            limiter.check(ip("2001:db8::1"), almost),
            Err(Duration::SECOND)
        );
    }
}
