//! Cost of the SMEV transform on top of exclusive c14n, for a ~10 KiB
//! SenderProvidedRequestData inside an envelope: `exc_c14n` alone against
//! `exc_c14n` followed by `smev_transform`; plus the transform alone and the
//! bare tokenizer pass it is built on, to show where its time goes.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

/// A SendRequestRequest envelope whose SenderProvidedRequestData carries a
/// business payload of `records` records (about 10 KiB for 40).
fn envelope(records: usize) -> String {
    let mut payload = String::new();
    for i in 0..records {
        payload.push_str(&format!(
            "\n        <q:Record q:seq=\"{i}\" kind=\"person\">\
             \n          <q:Name>Иванов Иван Иванович &amp; сын</q:Name>\
             \n          <q:Document series=\"45 0{i}\" number=\"12345{i}\"/>\
             \n          <q:Note>строка &lt;{i}&gt; с текстом]]&gt;</q:Note>\
             \n        </q:Record>"
        ));
    }
    format!(
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\">\
         <soap:Header/><soap:Body>\
         <ns:SendRequestRequest xmlns:ns=\"urn://x-artefacts-smev-gov-ru/services/\
         message-exchange/types/1.2\">\
         \n  <ns:SenderProvidedRequestData Id=\"SIGNED_BY_CALLER\">\
         \n    <ns:MessageID>77419000-d7b2-11ee-8aaa-000000000001</ns:MessageID>\
         \n    <MessagePrimaryContent xmlns=\"urn://x-artefacts-smev-gov-ru/services/\
         message-exchange/types/basic/1.2\">\
         \n      <q:Query xmlns:q=\"urn://example.invalid/fake-service/1.0.0\">{payload}\
         \n      </q:Query>\
         \n    </MessagePrimaryContent>\
         \n  </ns:SenderProvidedRequestData>\
         </ns:SendRequestRequest></soap:Body></soap:Envelope>"
    )
}

fn bench_transform(c: &mut Criterion) {
    let bytes = envelope(40).into_bytes();
    let doc = xml::Document::parse(&bytes).expect("bench envelope parses");
    let target = xml::Target::by_id("SIGNED_BY_CALLER");
    let canonical = doc.exc_c14n(&target, &[]).expect("c14n");

    let mut group = c.benchmark_group("sender_provided_request_data");
    group.throughput(Throughput::Bytes(canonical.len() as u64));
    group.bench_function("exc_c14n", |b| {
        b.iter(|| doc.exc_c14n(&target, &[]).expect("c14n"))
    });
    group.bench_function("exc_c14n+smev_transform", |b| {
        b.iter(|| {
            let canonical = doc.exc_c14n(&target, &[]).expect("c14n");
            dsig::smev_transform(&canonical).expect("transform")
        })
    });
    group.bench_function("smev_transform", |b| {
        b.iter(|| dsig::smev_transform(&canonical).expect("transform"))
    });
    let text = std::str::from_utf8(&canonical).expect("utf-8").to_owned();
    group.bench_function("tokenize_only", |b| {
        b.iter(|| {
            xmlparser::Tokenizer::from(text.as_str())
                .filter(Result::is_ok)
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_transform);
criterion_main!(benches);
