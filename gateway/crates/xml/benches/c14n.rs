//! Exclusive c14n of the signed part of a ~10 KiB SOAP envelope, the work
//! done once per digest when signing or verifying an SMEV message.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use xml::{Document, Target};

/// A SendRequest-like envelope whose `SenderProvidedRequestData` (the part
/// SMEV signs) holds about 10 KiB of business data.
fn envelope() -> Vec<u8> {
    let mut rows = String::new();
    for i in 0..80 {
        rows.push_str(&format!(
            "\n        <req:Person code=\"{i:04}\"><req:Name>Иванов Иван {i}</req:Name>\
             <req:Snils>123-456-789 {i:02}</req:Snils></req:Person>"
        ));
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:ns="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.1"
    xmlns:ns2="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.1">
  <soap:Header/>
  <soap:Body>
    <ns:SendRequestRequest>
      <ns:SenderProvidedRequestData Id="SIGNED_BY_CONSUMER">
        <ns:MessageID>db0486d0-3c08-11e5-95e2-d4c9eff07b77</ns:MessageID>
        <ns2:MessagePrimaryContent>
          <req:Request xmlns:req="urn://example/request/1.0.0">{rows}
          </req:Request>
        </ns2:MessagePrimaryContent>
      </ns:SenderProvidedRequestData>
    </ns:SendRequestRequest>
  </soap:Body>
</soap:Envelope>"#
    )
    .into_bytes()
}

fn bench_c14n(c: &mut Criterion) {
    let bytes = envelope();
    let doc = Document::parse(&bytes).expect("bench envelope parses");
    let target = Target::by_id("SIGNED_BY_CONSUMER");
    let size = doc
        .exc_c14n(&target, &[])
        .expect("bench subtree canonicalizes")
        .len();
    assert!(size > 9 * 1024, "bench subtree is {size} bytes");

    c.bench_function("exc_c14n_10k_subtree", |b| {
        b.iter(|| {
            doc.exc_c14n(black_box(&target), &[])
                .expect("canonicalizes")
        })
    });
    c.bench_function("parse_and_exc_c14n_10k_subtree", |b| {
        b.iter(|| {
            let doc = Document::parse(black_box(&bytes)).expect("parses");
            doc.exc_c14n(&target, &[]).expect("canonicalizes")
        })
    });
}

criterion_group!(benches, bench_c14n);
criterion_main!(benches);
