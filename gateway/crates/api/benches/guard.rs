//! What an API client's call costs the guard before the store is asked:
//! verifying its access token (HMAC-SHA-256 and the claims' JSON) and
//! taking a token of its rate bucket; and what issuing a token costs.

use std::hint::black_box;

use api::access_token::{Claims, TokenKey, TOKEN_TTL};
use api::rate_limit::RateLimiter;
use cabinet::{RateLimit, RatePeriod, Scope};
use criterion::{criterion_group, criterion_main, Criterion};
use time::OffsetDateTime;

fn bench_guard(c: &mut Criterion) {
    let key = TokenKey::new([7; 32]);
    let now = OffsetDateTime::now_utc();
    let claims = Claims {
        client_id: 42,
        generation: 3,
        scopes: Scope::ALL.into(),
        issued_at: now,
        expires_at: now + TOKEN_TTL,
    };
    let token = key.sign(&claims);
    let limiter = RateLimiter::default();
    let rate = RateLimit {
        requests: 1_000_000,
        per: RatePeriod::Second,
        burst: 1_000_000,
    };

    let mut group = c.benchmark_group("client_guard");
    group.bench_function("sign_access_token", |b| {
        b.iter(|| key.sign(black_box(&claims)))
    });
    group.bench_function("verify_access_token", |b| {
        b.iter(|| key.verify(black_box(&token), now).expect("valid"))
    });
    group.bench_function("rate_bucket_take_1000_clients", |b| {
        let mut client = 0;
        b.iter(|| {
            client = (client + 1) % 1000;
            limiter.take(client, rate, now)
        })
    });
    group.finish();
}

criterion_group!(benches, bench_guard);
criterion_main!(benches);
