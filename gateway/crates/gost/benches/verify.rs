//! Throughput of GOST R 34.10-2012 verification and signing (the gateway's
//! hot path is verification of every incoming signature).
//!
//! `verify_digest/*` and `sign_digest/*` exclude hashing; `verify_message`
//! includes Streebog-256 over a 1 KiB SignedInfo-sized input. The OpenSSL
//! comparison numbers come from `benches/openssl/gost_speed.c` (see its
//! header), which runs the gost engine's EVP_PKEY sign/verify in a loop in
//! one process, so that process start-up is not counted.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use gost::{streebog256, ParamSet, SigningKey};

fn bench_verify(c: &mut Criterion) {
    let mut group = c.benchmark_group("verify_digest");
    group.throughput(Throughput::Elements(1));
    for set in [
        ParamSet::CryptoProXchA,
        ParamSet::CryptoProB,
        ParamSet::Tc26A,
    ] {
        let key = SigningKey::generate(set);
        let digest = streebog256(b"SignedInfo");
        let signature = key.sign_digest(&digest);
        let public = key.verifying_key().clone();
        assert!(public.verify_digest(&digest, &signature));
        group.bench_function(format!("{set:?}"), |b| {
            b.iter(|| public.verify_digest(std::hint::black_box(&digest), &signature))
        });
    }
    group.finish();
}

fn bench_sign(c: &mut Criterion) {
    let mut group = c.benchmark_group("sign_digest");
    group.throughput(Throughput::Elements(1));
    let key = SigningKey::generate(ParamSet::CryptoProXchA);
    let digest = streebog256(b"SignedInfo");
    group.bench_function("CryptoProXchA", |b| {
        b.iter(|| key.sign_digest(std::hint::black_box(&digest)))
    });
    group.finish();
}

fn bench_verify_message(c: &mut Criterion) {
    let key = SigningKey::generate(ParamSet::CryptoProXchA);
    let message = vec![b'x'; 1024];
    let signature = key.sign(&message);
    let public = key.verifying_key().clone();
    let mut group = c.benchmark_group("verify_message");
    group.throughput(Throughput::Elements(1));
    group.bench_function("1KiB", |b| {
        b.iter(|| public.verify(std::hint::black_box(&message), &signature))
    });
    group.finish();
}

fn bench_streebog(c: &mut Criterion) {
    let data = vec![0x5au8; 64 * 1024];
    let mut group = c.benchmark_group("streebog256");
    group.throughput(Throughput::Bytes(data.len() as u64));
    group.bench_function("64KiB", |b| {
        b.iter(|| streebog256(std::hint::black_box(&data)))
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_verify,
    bench_sign,
    bench_verify_message,
    bench_streebog
);
criterion_main!(benches);
