//! XSD compilation from memory and from a folder, and validation reports.
//! Schemas live in `tests/data/schema/`: `main/envelope.xsd` includes
//! `main/envelope-parts.xsd` and imports `../common/basic.xsd`.

use std::path::PathBuf;

use xml::{Document, SchemaError, SchemaSet, Target, Violation};

const VALID: &str = r#"<r>
<t:Request xmlns:t="urn:test:envelope" Id="REQ">
  <t:MessageID>db0486d0-3c08-11e5-95e2-d4c9eff07b77</t:MessageID>
  <t:Payload><t:Code>ABC</t:Code><t:Amount>10.5</t:Amount></t:Payload>
</t:Request>
</r>"#;

const INVALID: &str = r#"<t:Request xmlns:t="urn:test:envelope">
  <t:MessageID>not-a-uuid</t:MessageID>
  <t:Payload><t:Code>TOOLONG</t:Code><t:Amount>ten</t:Amount></t:Payload>
  <t:Unexpected/>
</t:Request>"#;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/schema")
}

fn resources() -> Vec<(String, Vec<u8>)> {
    [
        "main/envelope.xsd",
        "main/envelope-parts.xsd",
        "common/basic.xsd",
    ]
    .iter()
    .map(|name| {
        (
            name.to_string(),
            std::fs::read(data_dir().join(name)).unwrap(),
        )
    })
    .collect()
}

fn compiled() -> SchemaSet {
    SchemaSet::compile("envelope.xsd", &resources()).expect("test schema compiles")
}

fn compile_messages(result: Result<SchemaSet, SchemaError>) -> Vec<String> {
    match result {
        Err(SchemaError::Compile { messages, .. }) => messages,
        other => panic!("expected a compile error, got {other:?}"),
    }
}

#[test]
fn valid_subtree_has_no_violations() {
    let schema = compiled();
    let doc = Document::parse(VALID.as_bytes()).unwrap();
    assert_eq!(
        schema.validate(&doc, &Target::by_id("REQ")),
        Vec::<Violation>::new()
    );
    assert_eq!(
        schema.validate(&doc, &Target::nth("urn:test:envelope", "Request", 0)),
        vec![]
    );
}

#[test]
fn invalid_subtree_reports_every_violation_with_lines() {
    let schema = compiled();
    let doc = Document::parse(INVALID.as_bytes()).unwrap();
    let violations = schema.validate(&doc, &Target::Root);
    let lines: Vec<u32> = violations.iter().map(|v| v.line).collect();
    assert_eq!(lines, vec![2, 3, 3, 4], "{violations:#?}");
    assert!(
        violations[0].message.contains("MessageID"),
        "{}",
        violations[0].message
    );
    assert!(
        violations[1].message.contains("maxLength"),
        "{}",
        violations[1].message
    );
    assert!(
        violations[2].message.contains("'ten'"),
        "{}",
        violations[2].message
    );
    assert!(
        violations[3].message.contains("Unexpected"),
        "{}",
        violations[3].message
    );
    assert!(violations.iter().all(|v| !v.message.ends_with('\n')));
}

#[test]
fn root_outside_schema_is_a_violation() {
    let schema = compiled();
    let doc = Document::parse(VALID.as_bytes()).unwrap();
    let violations = schema.validate(&doc, &Target::Root);
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert_eq!(violations[0].line, 1);
    assert!(violations[0]
        .message
        .contains("No matching global declaration"));
}

#[test]
fn violation_past_line_65535_keeps_its_line() {
    let schema = compiled();
    let padded = format!("<r>{}{INVALID}</r>", "\n".repeat(70_000));
    let doc = Document::parse(padded.as_bytes()).unwrap();
    let target = Target::nth("urn:test:envelope", "Request", 0);
    let lines: Vec<u32> = schema
        .validate(&doc, &target)
        .iter()
        .map(|v| v.line)
        .collect();
    // FIXME(#2): libxml2 2.9 stores lines past 65535 on text nodes only, so
    // for the empty `<t:Unexpected/>` (line 70_004) it reports where the
    // following text node ends. Right would be the element's own line.
    assert_eq!(lines, vec![70_002, 70_003, 70_003, 70_005]);
}

#[test]
fn missing_target_is_a_violation_on_line_zero() {
    let schema = compiled();
    let doc = Document::parse(VALID.as_bytes()).unwrap();
    let violations = schema.validate(&doc, &Target::by_id("nope"));
    assert_eq!(
        violations,
        vec![Violation {
            line: 0,
            message: "no element matches the element with Id 'nope'".into()
        }]
    );
}

#[test]
fn compile_dir_resolves_relative_imports_below_folder() {
    let schema = SchemaSet::compile_dir(&data_dir(), "main/envelope.xsd").expect("compiles");
    assert_eq!(schema.entry(), "main/envelope.xsd");
    let doc = Document::parse(INVALID.as_bytes()).unwrap();
    assert_eq!(schema.validate(&doc, &Target::Root).len(), 4);
}

#[test]
fn compile_dir_refuses_import_outside_folder() {
    let result = SchemaSet::compile_dir(&data_dir().join("main"), "envelope.xsd");
    let messages = compile_messages(result);
    assert!(
        messages
            .iter()
            .any(|m| m.contains("basic.xsd") && m.contains("outside the schema folder")),
        "{messages:#?}"
    );
}

#[test]
fn compile_dir_entry_outside_folder_is_not_found() {
    let result = SchemaSet::compile_dir(&data_dir().join("main"), "../common/basic.xsd");
    assert!(matches!(result, Err(SchemaError::EntryNotFound(e)) if e == "../common/basic.xsd"));
}

#[test]
fn missing_import_is_named() {
    let mut without_basic = resources();
    without_basic.retain(|(name, _)| !name.ends_with("basic.xsd"));
    let messages = compile_messages(SchemaSet::compile("envelope.xsd", &without_basic));
    assert!(
        messages
            .iter()
            .any(|m| m.contains("'basic.xsd'") && m.contains("not registered")),
        "{messages:#?}"
    );
    // libxml2's own message points at the import in the entry schema.
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("envelope.xsd:11: ") && m.contains("import")),
        "{messages:#?}"
    );
}

#[test]
fn unresolved_type_name_is_reported_with_its_file() {
    let broken =
        br#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:x">
  <xs:element name="A" type="xs:NoSuchType"/>
</xs:schema>"#;
    let result = SchemaSet::compile("broken.xsd", &[("broken.xsd".into(), broken.to_vec())]);
    let messages = compile_messages(result);
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert!(messages[0].starts_with("broken.xsd:2: "), "{}", messages[0]);
    assert!(messages[0].contains("NoSuchType"), "{}", messages[0]);
}

#[test]
fn entry_missing_from_resources_is_refused() {
    let result = SchemaSet::compile("other.xsd", &resources());
    assert!(matches!(result, Err(SchemaError::EntryNotFound(e)) if e == "other.xsd"));
}

#[test]
fn duplicate_file_names_are_refused() {
    let mut doubled = resources();
    doubled.push(("other/basic.xsd".into(), b"<x/>".to_vec()));
    let result = SchemaSet::compile("envelope.xsd", &doubled);
    assert!(matches!(result, Err(SchemaError::DuplicateResource(n)) if n == "basic.xsd"));
}

#[test]
fn instance_schema_location_hint_is_not_fetched() {
    let schema = compiled();
    let hinted = VALID.replace(
        "Id=\"REQ\"",
        "Id=\"REQ\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"urn:test:envelope http://127.0.0.1:9/evil.xsd\"",
    );
    let doc = Document::parse(hinted.as_bytes()).unwrap();
    assert_eq!(schema.validate(&doc, &Target::by_id("REQ")), vec![]);
}

#[test]
fn schema_set_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SchemaSet>();
}
