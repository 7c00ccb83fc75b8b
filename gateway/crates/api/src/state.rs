//! What every handler shares: the node (store, settings), the clock the
//! API reads "now" from, the lock-out policy for logins, and the clients'
//! side of things: the access-token key (read from the store once) and the
//! per-node rate buckets.

use std::sync::Arc;

use cabinet::LockoutPolicy;
use store::cabinet::TOKEN_KEY;
use time::OffsetDateTime;
use tokio::sync::OnceCell;

use crate::access_token::TokenKey;
use crate::problem::ApiError;
use crate::rate_limit::RateLimiter;

use crate::login_limit::{LoginLimitPolicy, LoginLimiter};

/// Shared state of the API handlers; cheap to clone.
#[derive(Clone)]
pub struct ApiState {
    node: Arc<exchange::Node>,
    clock: exchange::SharedClock,
    lockout: LockoutPolicy,
    login_limit: Arc<LoginLimiter>,
    clients: Arc<ClientShared>,
}

/// The API clients' state of this node.
#[derive(Default)]
struct ClientShared {
    token_key: OnceCell<TokenKey>,
    rates: RateLimiter,
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
            clients: Arc::default(),
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

    /// The key access tokens are signed with: the one in the store, made
    /// there by the first node that needed it.
    ///
    /// # Errors
    /// [`ApiError::Internal`] when the store or the randomness fails.
    pub async fn token_key(&self) -> Result<&TokenKey, ApiError> {
        let load = || async {
            let candidate = cabinet::secret::random_key()
                .map_err(|e| ApiError::Internal(format!("token key: {e}")))?;
            let bytes = self.store().node_key(TOKEN_KEY, candidate, self.now());
            Ok::<_, ApiError>(TokenKey::new(bytes.await?))
        };
        self.clients.token_key.get_or_try_init(load).await
    }

    /// This node's rate buckets of API clients.
    pub fn rates(&self) -> &RateLimiter {
        &self.clients.rates
    }
}
