//! Lock-out after repeated failed logins: [`LockoutPolicy`] turns the
//! failures of a user, counted in [`LoginState`], into a lock until a time.
//!
//! Failures are counted within a window that starts at the first failure;
//! reaching the limit locks the user and starts the count afresh, so the
//! first failure after the lock ends does not lock again at once.

use time::{Duration, OffsetDateTime};

/// How many failures, within how long, lock a user for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures that lock the user.
    pub max_failures: u32,
    /// Failures further apart than this from the first one start a new count.
    pub window: Duration,
    /// How long a lock lasts.
    pub lock_for: Duration,
}

/// Failed logins of one user so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoginState {
    /// Failures in the current count.
    pub failures: u32,
    /// When the current count began.
    pub first_failure_at: Option<OffsetDateTime>,
    /// Logins are refused until then.
    pub locked_until: Option<OffsetDateTime>,
}

// === impl LockoutPolicy ===

impl Default for LockoutPolicy {
    /// Five failures within 15 minutes lock for 15 minutes.
    fn default() -> Self {
        LockoutPolicy {
            max_failures: 5,
            window: Duration::minutes(15),
            lock_for: Duration::minutes(15),
        }
    }
}

impl LockoutPolicy {
    /// The state after one more failed login at `now`.
    pub fn after_failure(&self, state: LoginState, now: OffsetDateTime) -> LoginState {
        let counting = state
            .first_failure_at
            .filter(|first| now - *first < self.window);
        let (failures, first_failure_at) = match counting {
            Some(first) => (state.failures.saturating_add(1), first),
            None => (1, now),
        };

        if failures >= self.max_failures {
            return LoginState {
                failures: 0,
                first_failure_at: None,
                locked_until: Some(now + self.lock_for),
            };
        }
        LoginState {
            failures,
            first_failure_at: Some(first_failure_at),
            locked_until: state.locked_until,
        }
    }
}

// === impl LoginState ===

impl LoginState {
    /// The end of the lock when logins are refused at `now`.
    pub fn locked_at(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        self.locked_until.filter(|until| now < *until)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const T0: OffsetDateTime = datetime!(2024-03-01 10:00 UTC);

    fn policy() -> LockoutPolicy {
        LockoutPolicy {
            max_failures: 3,
            window: Duration::minutes(10),
            lock_for: Duration::minutes(30),
        }
    }

    fn fail_at(state: LoginState, minutes: i64) -> LoginState {
        policy().after_failure(state, T0 + Duration::minutes(minutes))
    }

    #[test]
    fn lockout_failures_within_window_lock_until_time() {
        let state = fail_at(fail_at(LoginState::default(), 0), 1);
        assert_eq!(state.failures, 2);
        assert_eq!(state.locked_at(T0 + Duration::minutes(1)), None);

        let locked = fail_at(state, 2);

        let until = T0 + Duration::minutes(32);
        assert_eq!(locked.locked_until, Some(until));
        assert_eq!(locked.locked_at(T0 + Duration::minutes(31)), Some(until));
        assert_eq!(locked.locked_at(until), None, "the lock ends at its time");
        assert_eq!(locked.failures, 0, "the count starts afresh");
    }

    #[test]
    fn lockout_failures_spread_beyond_window_do_not_lock() {
        let state = fail_at(fail_at(LoginState::default(), 0), 5);

        let state = fail_at(state, 10);

        assert_eq!(
            state.failures, 1,
            "a failure past the window starts a new count"
        );
        assert_eq!(state.first_failure_at, Some(T0 + Duration::minutes(10)));
        assert_eq!(state.locked_until, None);
    }

    #[test]
    fn lockout_default_policy_is_five_in_fifteen_minutes() {
        let policy = LockoutPolicy::default();
        let mut state = LoginState::default();
        for _ in 0..4 {
            state = policy.after_failure(state, T0);
        }
        assert_eq!(state.locked_until, None);

        state = policy.after_failure(state, T0);

        assert_eq!(state.locked_until, Some(T0 + Duration::minutes(15)));
    }
}
