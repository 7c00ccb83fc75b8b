//! Many threads using libxml2 through this crate at once: a shared
//! `SchemaSet`, per-thread documents, schema compilations with different
//! resource sets, and errors that must stay with the call that caused them.

use std::path::PathBuf;
use std::sync::{Arc, Barrier};
use std::thread;

use xml::{Document, ParseErrorKind, SchemaError, SchemaSet, Target, Violation};

const THREADS: usize = 8;
const ROUNDS: usize = 200;

const VALID: &str = r#"<r xmlns:x="urn:unused"><t:Request xmlns:t="urn:test:envelope" Id="REQ">
  <t:MessageID>db0486d0-3c08-11e5-95e2-d4c9eff07b77</t:MessageID>
  <t:Payload><t:Code>ABC</t:Code><t:Amount>10.5</t:Amount></t:Payload>
</t:Request></r>"#;

const INVALID: &str = r#"<t:Request xmlns:t="urn:test:envelope">
  <t:MessageID>not-a-uuid</t:MessageID>
  <t:Payload><t:Code>TOOLONG</t:Code><t:Amount>ten</t:Amount></t:Payload>
</t:Request>"#;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/schema")
}

/// What one thread computes in one round; compared with the main thread's.
#[derive(Debug, PartialEq)]
struct Round {
    canonical: Vec<u8>,
    valid: Vec<Violation>,
    invalid: Vec<Violation>,
}

fn round(schema: &SchemaSet) -> Round {
    let valid = Document::parse(VALID.as_bytes()).unwrap();
    let invalid = Document::parse(INVALID.as_bytes()).unwrap();
    Round {
        canonical: valid.exc_c14n(&Target::by_id("REQ"), &[]).unwrap(),
        valid: schema.validate(&valid, &Target::by_id("REQ")),
        invalid: schema.validate(&invalid, &Target::Root),
    }
}

/// A schema whose only import is missing, named after the thread, so that a
/// refusal recorded on one thread cannot show up in another's error.
fn compile_missing_import(thread: usize) -> Vec<String> {
    let xsd = format!(
        r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t{thread}">
  <xs:import namespace="urn:m" schemaLocation="missing-{thread}.xsd"/>
</xs:schema>"#
    );
    match SchemaSet::compile("own.xsd", &[("own.xsd".into(), xsd.into_bytes())]) {
        Err(SchemaError::Compile { messages, .. }) => messages,
        other => panic!("expected a compile error, got {other:?}"),
    }
}

#[test]
fn eight_threads_validate_compile_and_canonicalize_in_parallel() {
    let schema = Arc::new(SchemaSet::compile_dir(&data_dir(), "main/envelope.xsd").unwrap());
    let expected = Arc::new(round(&schema));
    assert_eq!(expected.invalid.len(), 3, "{:#?}", expected.invalid);
    let barrier = Arc::new(Barrier::new(THREADS));

    let workers: Vec<_> = (0..THREADS)
        .map(|thread| {
            let (schema, expected, barrier) = (schema.clone(), expected.clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                for _ in 0..ROUNDS {
                    assert_eq!(round(&schema), *expected);
                    let messages = compile_missing_import(thread);
                    let own = format!("'missing-{thread}.xsd'");
                    assert!(messages
                        .iter()
                        .all(|m| !m.contains("missing-") || m.contains(&own)));
                    assert!(messages.iter().any(|m| m.contains(&own)), "{messages:#?}");
                    let err = Document::parse(b"<a><b></a>").unwrap_err();
                    assert_eq!((err.kind, err.line), (ParseErrorKind::Malformed, 1));
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("worker thread succeeded");
    }
}

#[test]
fn document_parsed_on_one_thread_is_used_on_another() {
    let doc = Document::parse(VALID.as_bytes()).unwrap();
    let here = doc.exc_c14n(&Target::by_id("REQ"), &[]).unwrap();
    let there = thread::spawn(move || doc.exc_c14n(&Target::by_id("REQ"), &[]).unwrap());
    assert_eq!(there.join().unwrap(), here);
}

#[test]
fn schema_compiled_on_one_thread_validates_on_another() {
    let schema = SchemaSet::compile_dir(&data_dir(), "main/envelope.xsd").unwrap();
    let violations = thread::spawn(move || {
        let doc = Document::parse(INVALID.as_bytes()).unwrap();
        schema.validate(&doc, &Target::Root)
    });
    assert_eq!(violations.join().unwrap().len(), 3);
}
