//! Exponential backoff with full jitter: after the n-th failed attempt the
//! next one waits a uniformly random time in `[0, min(cap, base·2^(n-1))]`.
//! Full jitter spreads retries of many messages that failed together (an
//! endpoint that was down) instead of sending them back in waves.
//!
//! The random source is injected, so tests pin the bounds.

use std::time::Duration;

use rand::RngCore;

/// The retry policy of one integration point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Ceiling of the first wait.
    pub base: Duration,
    /// Largest ceiling of any wait.
    pub cap: Duration,
}

// === impl Backoff ===

impl Backoff {
    /// The policy of `point`.
    pub fn of(point: &cabinet::PointForm) -> Backoff {
        Backoff {
            base: Duration::from_millis(point.backoff_base_ms),
            cap: Duration::from_millis(point.backoff_cap_ms),
        }
    }

    /// The ceiling after `failed` attempts (1 for the first failure):
    /// `min(cap, base·2^(failed-1))`, without overflow.
    pub fn ceiling(&self, failed: u32) -> Duration {
        let doublings = failed.saturating_sub(1).min(63);
        let factor = 1u64 << doublings;
        let base = u64::try_from(self.base.as_millis()).unwrap_or(u64::MAX);
        let ceiling = Duration::from_millis(base.saturating_mul(factor));
        ceiling.min(self.cap)
    }

    /// A wait drawn from `[0, ceiling(failed)]` with `rng`: one 64-bit draw
    /// scaled onto the range (no rejection loop, so any source terminates;
    /// the bias is below one millisecond in 2^64).
    pub fn delay(&self, failed: u32, rng: &mut impl RngCore) -> Duration {
        let ceiling =
            u128::from(u64::try_from(self.ceiling(failed).as_millis()).unwrap_or(u64::MAX));
        let draw = u128::from(rng.next_u64());
        let millis = ceiling * draw / u128::from(u64::MAX);
        Duration::from_millis(u64::try_from(millis).unwrap_or(u64::MAX))
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::mock::StepRng;
    use rand::SeedableRng;

    use super::*;

    fn policy() -> Backoff {
        Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_millis(1_000),
        }
    }

    #[test]
    fn ceiling_doubles_from_base_up_to_cap() {
        let ceilings: Vec<u128> = (1..=6).map(|n| policy().ceiling(n).as_millis()).collect();
        assert_eq!(ceilings, [100, 200, 400, 800, 1_000, 1_000]);
        assert_eq!(
            policy().ceiling(0).as_millis(),
            100,
            "no failure yet waits like one"
        );
        assert_eq!(policy().ceiling(u32::MAX), Duration::from_millis(1_000));
    }

    #[test]
    fn delay_full_jitter_stays_within_zero_and_ceiling() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for failed in 1..=40 {
            let ceiling = policy().ceiling(failed);
            for _ in 0..200 {
                let delay = policy().delay(failed, &mut rng);
                assert!(
                    delay <= ceiling,
                    "{delay:?} over {ceiling:?} after {failed}"
                );
                assert!(delay <= policy().cap);
            }
        }
    }

    #[test]
    fn delay_extreme_draws_reach_both_ends() {
        let mut lowest = StepRng::new(0, 0);
        let mut highest = StepRng::new(u64::MAX, 0);
        assert_eq!(policy().delay(3, &mut lowest), Duration::ZERO);
        assert_eq!(policy().delay(3, &mut highest), Duration::from_millis(400));
        assert_eq!(policy().delay(30, &mut highest), policy().cap);
    }

    #[test]
    fn delay_huge_base_saturates_at_cap() {
        let huge = Backoff {
            base: Duration::from_millis(u64::MAX / 2),
            cap: Duration::from_secs(86_400),
        };
        let mut highest = StepRng::new(u64::MAX, 0);
        assert_eq!(huge.delay(60, &mut highest), huge.cap);
    }
}
