//! A node with a filled-in cabinet: the organisation card, one user per
//! role, users refused by address and by time, API clients (with every
//! scope, with `journal:read` only, expired, refused by address and by
//! time), and a bearer token for each [`Subject`] of the role matrix.

use std::collections::HashMap;

use api::access_token::{Claims, TokenKey, TOKEN_TTL};
use cabinet::audit::AuditContext;
use cabinet::{ClientForm, OrganisationForm, RateForm, Scope, UserForm, WindowForm};
use serde_json::{json, Value};
use smevgate_tests::{Backend, NodeOptions, TestNode};
use store::cabinet::UserRecord;
use time::{Duration, OffsetDateTime};

/// Password of every fixture user.
pub const PASSWORD: &str = "длинный-пароль-2024";
/// Login used by the `POST /session` cases.
pub const LOGIN_USER: &str = "login.user";

/// Who calls, in the role matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    Admin,
    Operator,
    Auditor,
    NoToken,
    ExpiredToken,
    RevokedToken,
    OutsideIp,
    OutsideWindow,
    /// An API client token with every scope.
    Client,
    /// An API client token with `journal:read` only (not the scopes of the
    /// requests routes).
    ClientWithoutScope,
    /// An API client token past its expiry.
    ClientExpired,
    /// An API client whose address list leaves 127.0.0.1 out.
    ClientOutsideIp,
    /// An API client outside its time window.
    ClientOutsideWindow,
}

/// A node with its cabinet users and their tokens.
pub struct Cabinet {
    pub node: TestNode,
    pub ids: HashMap<&'static str, i64>,
    tokens: HashMap<Subject, String>,
    /// The `client_id` and secret of the matrix's API client.
    pub client: (i64, String),
}

impl Subject {
    pub const ALL: [Subject; 13] = [
        Subject::Admin,
        Subject::Operator,
        Subject::Auditor,
        Subject::NoToken,
        Subject::ExpiredToken,
        Subject::RevokedToken,
        Subject::OutsideIp,
        Subject::OutsideWindow,
        Subject::Client,
        Subject::ClientWithoutScope,
        Subject::ClientExpired,
        Subject::ClientOutsideIp,
        Subject::ClientOutsideWindow,
    ];
}

impl Cabinet {
    /// Starts a node on `backend` and fills in its cabinet.
    pub async fn start(backend: Backend) -> Cabinet {
        Cabinet::start_with(NodeOptions::new(backend)).await
    }

    /// Starts a node with `options` and fills in its cabinet.
    pub async fn start_with(options: NodeOptions) -> Cabinet {
        let node = TestNode::start_with(options).await;
        let store = node.node.store().clone();
        store
            .create_organisation(&organisation_form(), &setup_context())
            .await
            .expect("organisation");
        let mut cabinet = Cabinet {
            node,
            ids: HashMap::new(),
            tokens: HashMap::new(),
            client: (0, String::new()),
        };
        cabinet.add_users().await;
        cabinet.add_tokens().await;
        cabinet.add_clients().await;
        cabinet
    }

    async fn add_clients(&mut self) {
        let now = OffsetDateTime::now_utc();
        let all: Vec<String> = Scope::ALL.iter().map(|s| s.as_str().to_owned()).collect();
        let clients = [
            (Subject::Client, all.clone(), vec![], None),
            (
                Subject::ClientWithoutScope,
                vec!["journal:read".to_owned()],
                vec![],
                None,
            ),
            (Subject::ClientExpired, all.clone(), vec![], None),
            (
                Subject::ClientOutsideIp,
                all.clone(),
                vec!["10.0.0.0/8"],
                None,
            ),
            (
                Subject::ClientOutsideWindow,
                all,
                vec![],
                Some(night_window(now)),
            ),
        ];
        for (subject, scopes, ip_allow, window) in clients {
            let form = ClientForm {
                scopes,
                ip_allow: ip_allow.into_iter().map(str::to_owned).collect(),
                window,
                ..client_form(&format!("{subject:?}"))
            };
            let (secret, record) = self.create_client(&form).await;
            let at = match subject {
                Subject::ClientExpired => now - TOKEN_TTL - Duration::minutes(1),
                _ => now,
            };
            let token = self
                .client_token(record.id, &record.client.scopes().clone(), at)
                .await;
            self.tokens.insert(subject, token);
            if subject == Subject::Client {
                self.client = (record.id, secret.expose().to_owned());
            }
        }
    }

    /// Creates an API client through the store (as `setup`).
    pub async fn create_client(
        &self,
        form: &ClientForm,
    ) -> (cabinet::Secret, store::cabinet::ClientRecord) {
        let created = self.store().create_client(form, &setup_context()).await;
        created.unwrap_or_else(|e| panic!("client {}: {e}", form.name))
    }

    /// An access token of client `id` issued at `at` (generation 1), signed
    /// with the node's key as `POST /oauth/token` would.
    pub async fn client_token(
        &self,
        id: i64,
        scopes: &std::collections::BTreeSet<Scope>,
        at: OffsetDateTime,
    ) -> String {
        let candidate = cabinet::secret::random_key().expect("randomness");
        let store = self.store();
        let key = store.node_key(store::cabinet::TOKEN_KEY, candidate, at);
        let key = TokenKey::new(key.await.expect("token key"));
        key.sign(&Claims {
            client_id: id,
            generation: 1,
            scopes: scopes.clone(),
            issued_at: at,
            expires_at: at + TOKEN_TTL,
        })
    }

    async fn add_users(&mut self) {
        let window = night_window(OffsetDateTime::now_utc());
        let users = [
            ("admin", "technical_administrator", vec![], None),
            ("operator", "request_operator", vec![], None),
            ("auditor", "auditor", vec![], None),
            (
                "far.admin",
                "technical_administrator",
                vec!["10.0.0.0/8"],
                None,
            ),
            (
                "night.admin",
                "technical_administrator",
                vec![],
                Some(window),
            ),
            (LOGIN_USER, "request_operator", vec![], None),
            ("target.user", "request_operator", vec![], None),
        ];
        for (login, role, ip_allow, window) in users {
            let form = UserForm {
                ip_allow: ip_allow.into_iter().map(str::to_owned).collect(),
                window,
                ..user_form(login, role)
            };
            let record = self.create_user(&form).await;
            self.ids.insert(login, record.id);
        }
    }

    async fn add_tokens(&mut self) {
        let pairs = [
            (Subject::Admin, "admin"),
            (Subject::Operator, "operator"),
            (Subject::Auditor, "auditor"),
            (Subject::OutsideIp, "far.admin"),
            (Subject::OutsideWindow, "night.admin"),
        ];
        for (subject, login) in pairs {
            let token = self.token_for(self.ids[login]).await;
            self.tokens.insert(subject, token);
        }
        let admin = self.ids["admin"];
        let store = self.store().clone();
        let now = OffsetDateTime::now_utc();
        let past = AuditContext {
            at: now - Duration::hours(2),
            ..setup_context()
        };
        let expires = Some(now - Duration::hours(1));
        let (expired, _) = store
            .issue_api_token(admin, "истёк", expires, &past)
            .await
            .expect("expired token");
        self.tokens
            .insert(Subject::ExpiredToken, expired.expose().to_owned());
        let (revoked, token) = store
            .issue_api_token(admin, "отозван", None, &setup_context())
            .await
            .expect("token");
        store
            .revoke_api_token(token.id, &setup_context())
            .await
            .expect("revoke");
        self.tokens
            .insert(Subject::RevokedToken, revoked.expose().to_owned());
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        self.node.addr
    }

    pub fn store(&self) -> &store::Store {
        self.node.node.store()
    }

    /// The bearer of `subject`; `None` for [`Subject::NoToken`].
    pub fn bearer(&self, subject: Subject) -> Option<&str> {
        self.tokens.get(&subject).map(String::as_str)
    }

    /// Creates a user through the store (as `setup`).
    pub async fn create_user(&self, form: &UserForm) -> UserRecord {
        let store = self.store();
        let created = store.create_user(form, PASSWORD, &setup_context()).await;
        created.unwrap_or_else(|e| panic!("user {}: {e}", form.login))
    }

    /// A fresh API token of user `user_id`.
    pub async fn token_for(&self, user_id: i64) -> String {
        let store = self.store();
        let context = setup_context();
        let issued = store.issue_api_token(user_id, "тесты", None, &context);
        let (secret, _) = issued.await.expect("token");
        secret.expose().to_owned()
    }

    /// A fresh session token of `login`, logged in through the store.
    pub async fn session_for(&self, login: &str, at: OffsetDateTime) -> String {
        let request = cabinet::AccessRequest {
            ip: "127.0.0.1".parse().unwrap(),
            at,
        };
        let outcome = self
            .store()
            .authenticate(
                login,
                PASSWORD,
                &request,
                &Default::default(),
                store::cabinet::SESSION_TTL,
            )
            .await
            .expect("authenticate");
        match outcome {
            store::cabinet::LoginOutcome::Success { secret, .. } => secret.expose().to_owned(),
            other => panic!("login {login}: {other:?}"),
        }
    }

    /// The current versions of the organisation card and of a user.
    pub async fn organisation_version(&self) -> i64 {
        let stored = self.store().organisation().await.expect("read");
        stored.expect("organisation").version
    }

    pub async fn user_version(&self, id: i64) -> i64 {
        let stored = self.store().user(id).await.expect("read");
        stored.expect("user").version
    }
}

/// Who sets the fixture up, as the audit journal sees it.
pub fn setup_context() -> AuditContext {
    AuditContext {
        actor: "setup".to_owned(),
        remote: None,
        at: OffsetDateTime::now_utc(),
    }
}

/// A valid organisation card (synthetic requisites with right check digits).
pub fn organisation_form() -> OrganisationForm {
    OrganisationForm {
        full_name: "Общество с ограниченной ответственностью «Тестовый участник»".into(),
        short_name: "ООО «Тестовый участник»".into(),
        inn: "7712345671".into(),
        ogrn: "1027700123450".into(),
        kpp: "771201001".into(),
        address: "101000, г. Москва, ул. Тестовая, д. 1".into(),
        email: "smev@example.ru".into(),
        phone: "+7 (495) 000-00-00".into(),
        status: "active".into(),
    }
}

/// The organisation card as a JSON body.
pub fn organisation_json() -> Value {
    let form = organisation_form();
    json!({
        "full_name": form.full_name, "short_name": form.short_name, "inn": form.inn,
        "ogrn": form.ogrn, "kpp": form.kpp, "address": form.address, "email": form.email,
        "phone": form.phone, "status": form.status,
    })
}

/// A user form with no limits.
pub fn user_form(login: &str, role: &str) -> UserForm {
    UserForm {
        login: login.to_owned(),
        full_name: format!("Пользователь {login}"),
        role: role.to_owned(),
        allowed_services: vec!["echo".to_owned()],
        ..UserForm::default()
    }
}

/// A client bound to the consumer ИС, for the echo service, sending fast.
pub fn client_form(name: &str) -> ClientForm {
    ClientForm {
        name: name.to_owned(),
        system: Some(smevgate_tests::CONSUMER.to_owned()),
        scopes: vec!["requests:send".to_owned(), "requests:read".to_owned()],
        allowed_services: vec!["echo".to_owned()],
        rate: Some(RateForm {
            requests: 1000,
            per: "second".to_owned(),
            burst: 1000,
        }),
        ..ClientForm::default()
    }
}

/// A one-minute window twelve hours away from `now` (UTC): never open
/// while a test runs.
pub fn night_window(now: OffsetDateTime) -> WindowForm {
    let start = now + Duration::hours(12);
    let end = start + Duration::minutes(1);
    let hhmm = |at: OffsetDateTime| format!("{:02}:{:02}", at.hour(), at.minute());
    WindowForm {
        start: hhmm(start),
        end: hhmm(end),
        zone: "+00:00".to_owned(),
    }
}
