//! What every handler shares: the node (store, settings), the clock the
//! API reads "now" from, the lock-out policy for logins and the failed
//! logins counted per address.

use std::sync::Arc;

use cabinet::LockoutPolicy;
use time::OffsetDateTime;

use crate::login_limit::{LoginLimitPolicy, LoginLimiter};

/// Shared state of the API handlers; cheap to clone.
#[derive(Clone)]
pub struct ApiState {
    node: Arc<exchange::Node>,
    clock: exchange::SharedClock,
    lockout: LockoutPolicy,
    login_limit: Arc<LoginLimiter>,
}

// === impl ApiState ===

impl ApiState {
    /// State for `node` with the system clock and the default lock-out.
    pub fn new(node: Arc<exchange::Node>) -> Self {
        let clock = node.clock();
        ApiState::with_clock(node, clock)
    }

    /// State for `node` reading time from `clock`.
    pub fn with_clock(node: Arc<exchange::Node>, clock: exchange::SharedClock) -> Self {
        ApiState {
            node,
            clock,
            lockout: LockoutPolicy::default(),
            login_limit: Arc::new(LoginLimiter::new(LoginLimitPolicy::default())),
        }
    }

    /// The same state with another lock-out policy.
    pub fn with_lockout(self, lockout: LockoutPolicy) -> Self {
        ApiState { lockout, ..self }
    }

    /// The same state with another per-address login limit (counts reset).
    pub fn with_login_limit(self, policy: LoginLimitPolicy) -> Self {
        let login_limit = Arc::new(LoginLimiter::new(policy));
        ApiState {
            login_limit,
            ..self
        }
    }

    /// Failed logins per address.
    pub fn login_limit(&self) -> &LoginLimiter {
        &self.login_limit
    }

    /// The node's store.
    pub fn store(&self) -> &store::Store {
        self.node.store()
    }

    /// The node.
    pub fn node(&self) -> &exchange::Node {
        &self.node
    }

    /// The node, shared (for [`exchange::Node::handle_soap`]).
    pub fn node_arc(&self) -> Arc<exchange::Node> {
        Arc::clone(&self.node)
    }

    /// The current instant.
    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// The lock-out policy for logins.
    pub fn lockout(&self) -> &LockoutPolicy {
        &self.lockout
    }
}
