//! The Rust twin of `benches/openssl/gost_speed.c`: the same loop (2000 signs
//! then 2000 verifies of one 32-byte digest, wall clock) so that the two can
//! be run alternately on a shared machine and compared best-of-n.
//!
//! `cargo run --release -p smevgate-gost --example gost_speed [key.pem]`

use std::time::Instant;

use gost::{ParamSet, SigningKey};

fn main() {
    let key = match std::env::args().nth(1) {
        Some(path) => {
            let pem = std::fs::read_to_string(path).expect("readable key file");
            SigningKey::from_pkcs8_pem(&pem).expect("gost 2012-256 pkcs8 key")
        }
        None => SigningKey::generate(ParamSet::CryptoProXchA),
    };
    let digest = [0x5au8; 32];
    let n = 2000;

    let start = Instant::now();
    let mut signature = key.sign_digest(&digest);
    for _ in 0..n {
        signature = key.sign_digest(std::hint::black_box(&digest));
    }
    let sign = start.elapsed().as_secs_f64() / f64::from(n);

    let start = Instant::now();
    let mut all_ok = true;
    for _ in 0..n {
        all_ok &= key
            .verifying_key()
            .verify_digest(std::hint::black_box(&digest), &signature);
    }
    let verify = start.elapsed().as_secs_f64() / f64::from(n);

    println!("sign   {:.1} us  {:.0}/s", sign * 1e6, 1.0 / sign);
    println!(
        "verify {:.1} us  {:.0}/s  (all ok: {all_ok})",
        verify * 1e6,
        1.0 / verify
    );
}
