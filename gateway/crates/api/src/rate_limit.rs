//! Request rates of API clients: one token bucket per client on each node,
//! refilled from the API clock. A call takes one token; an empty bucket
//! answers how long until the next token, in whole seconds, for the 429's
//! `Retry-After`.
//!
//! The buckets are per node. The message quota, which is what must hold
//! exactly, is counted in the shared store instead.

// FIXME(#3): behind a load balancer with N nodes a client gets up to N
// times its rate, and the bucket of a deleted client stays until the node
// restarts. Right is a bucket shared through the store (or the balancer
// pinning a client to a node) and dropping buckets idle for long.

use std::collections::HashMap;
use std::sync::Mutex;

use cabinet::RateLimit;
use time::OffsetDateTime;

/// The buckets of every client that called this node.
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<i64, Bucket>>,
}

/// One client's bucket.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: OffsetDateTime,
}

// === impl RateLimiter ===

impl RateLimiter {
    /// Takes one token of client `id`'s bucket at `now`.
    ///
    /// # Errors
    /// The whole seconds until a token is there again (at least 1).
    pub fn take(&self, id: i64, limit: RateLimit, now: OffsetDateTime) -> Result<(), u64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = buckets
            .entry(id)
            .or_insert_with(|| Bucket::full(limit, now));
        bucket.refill(limit, now);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            return Ok(());
        }
        let missing = 1.0 - bucket.tokens;
        // The epsilon keeps float noise (10.000000001 s) from adding a second.
        let wait = (missing / limit.per_second() - 1e-9).ceil().max(1.0);
        // A rate of at least one a minute keeps this far below u64::MAX.
        Err(wait as u64)
    }
}

// === impl Bucket ===

impl Bucket {
    fn full(limit: RateLimit, now: OffsetDateTime) -> Self {
        Bucket {
            tokens: f64::from(limit.burst),
            updated: now,
        }
    }

    /// Adds the tokens earned since the last call; a changed limit keeps
    /// the tokens left, up to its burst. A clock that went back adds none.
    fn refill(&mut self, limit: RateLimit, now: OffsetDateTime) {
        let elapsed = (now - self.updated).as_seconds_f64().max(0.0);
        let earned = elapsed * limit.per_second();
        self.tokens = (self.tokens + earned).min(f64::from(limit.burst));
        if now > self.updated {
            self.updated = now;
        }
    }
}

#[cfg(test)]
mod tests {
    use cabinet::RatePeriod;
    use time::macros::datetime;
    use time::Duration;

    use super::*;

    const T0: OffsetDateTime = datetime!(2024-03-01 10:00 UTC);

    const TWO_A_MINUTE: RateLimit = RateLimit {
        requests: 2,
        per: RatePeriod::Minute,
        burst: 3,
    };

    #[test]
    fn rate_burst_passes_then_next_call_waits_for_a_token() {
        let limiter = RateLimiter::default();
        for _ in 0..3 {
            assert_eq!(limiter.take(1, TWO_A_MINUTE, T0), Ok(()));
        }

        assert_eq!(limiter.take(1, TWO_A_MINUTE, T0), Err(30));
        assert_eq!(
            limiter.take(1, TWO_A_MINUTE, T0 + Duration::seconds(20)),
            Err(10)
        );
        assert_eq!(
            limiter.take(1, TWO_A_MINUTE, T0 + Duration::seconds(30)),
            Ok(())
        );
    }

    #[test]
    fn rate_buckets_of_clients_are_apart() {
        let limiter = RateLimiter::default();
        let one = RateLimit {
            burst: 1,
            ..TWO_A_MINUTE
        };
        assert_eq!(limiter.take(1, one, T0), Ok(()));
        assert!(limiter.take(1, one, T0).is_err());
        assert_eq!(limiter.take(2, one, T0), Ok(()));
    }

    #[test]
    fn rate_refill_stops_at_the_burst() {
        let limiter = RateLimiter::default();
        let later = T0 + Duration::hours(5);
        assert_eq!(limiter.take(1, TWO_A_MINUTE, T0), Ok(()));
        for _ in 0..3 {
            assert_eq!(limiter.take(1, TWO_A_MINUTE, later), Ok(()));
        }
        assert!(limiter.take(1, TWO_A_MINUTE, later).is_err());
    }

    #[test]
    fn rate_fast_limit_waits_at_least_one_second() {
        let limiter = RateLimiter::default();
        let fast = RateLimit {
            requests: 100,
            per: RatePeriod::Second,
            burst: 1,
        };
        assert_eq!(limiter.take(1, fast, T0), Ok(()));
        assert_eq!(limiter.take(1, fast, T0), Err(1));
    }
}
