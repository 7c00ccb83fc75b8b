//! What every handler shares: the node (store, settings), the clock the
//! API reads "now" from, and the lock-out policy for logins.

use std::sync::Arc;

use cabinet::LockoutPolicy;
use time::OffsetDateTime;

/// Shared state of the API handlers; cheap to clone.
#[derive(Clone)]
pub struct ApiState {
    node: Arc<exchange::Node>,
    clock: exchange::SharedClock,
    lockout: LockoutPolicy,
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
        }
    }

    /// The same state with another lock-out policy.
    pub fn with_lockout(self, lockout: LockoutPolicy) -> Self {
        ApiState { lockout, ..self }
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
