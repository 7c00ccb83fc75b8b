//! Hostile input: entity tricks, DOCTYPEs, other encodings, deep nesting,
//! huge input, and fetches of outside resources. Each must be refused with
//! an error that says why, and nothing may reach stderr.

use std::process::Command;

use xml::{
    exc_c14n_bytes, Document, ParseError, ParseErrorKind, ParseOptions, SchemaError, SchemaSet,
    Target,
};

fn parse_err(input: &[u8]) -> ParseError {
    Document::parse(input).expect_err("input must be refused")
}

#[test]
fn billion_laughs_is_refused_as_doctype() {
    let input = br#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<lolz>&lol3;</lolz>"#;
    let err = parse_err(input);
    assert_eq!(
        (err.kind, err.line, err.column),
        (ParseErrorKind::Doctype, 2, 1)
    );
    assert!(
        err.to_string()
            .starts_with("doctype refused at line 2, column 1: doctype"),
        "{err}"
    );
}

#[test]
fn external_entity_is_refused_as_doctype() {
    let input = b"<!DOCTYPE a [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><a>&xxe;</a>";
    assert_eq!(parse_err(input).kind, ParseErrorKind::Doctype);
    let public = b"<!DOCTYPE a PUBLIC \"-//x//y\" \"http://127.0.0.1:9/a.dtd\"><a/>";
    assert_eq!(parse_err(public).kind, ParseErrorKind::Doctype);
}

#[test]
fn undeclared_entity_reference_is_malformed() {
    let err = parse_err(b"<a>\n&xxe;</a>");
    assert_eq!((err.kind, err.line), (ParseErrorKind::Malformed, 2));
    assert!(err.message.contains("'xxe'"), "{}", err.message);
}

#[test]
fn undeclared_namespace_prefix_is_malformed() {
    let err = parse_err(b"<a>\n  <p:b/></a>");
    assert_eq!((err.kind, err.line), (ParseErrorKind::Malformed, 2));
    assert!(err.message.contains("prefix p"), "{}", err.message);
    assert_eq!(
        parse_err(b"<a xmlns:p=\"\"/>").kind,
        ParseErrorKind::Malformed
    );
}

#[test]
fn xinclude_is_not_processed() {
    let input = br#"<a xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="/etc/hostname" parse="text"/></a>"#;
    let out = String::from_utf8(exc_c14n_bytes(input).unwrap()).unwrap();
    assert_eq!(
        out,
        r#"<a><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/hostname" parse="text"></xi:include></a>"#
    );
}

#[test]
fn windows_1251_declaration_is_refused() {
    let err = parse_err(b"<?xml version=\"1.0\" encoding=\"windows-1251\"?><a>\xcf\xf0</a>");
    assert_eq!(err.kind, ParseErrorKind::Encoding);
    assert!(err.message.contains("windows-1251"));
}

#[test]
fn latin1_bytes_without_declaration_are_refused() {
    let err = parse_err(b"<a>caf\xe9</a>");
    assert_eq!(
        (err.kind, err.line, err.column),
        (ParseErrorKind::Encoding, 1, 7)
    );
}

#[test]
fn utf16_document_is_refused() {
    let utf16: Vec<u8> = "\u{feff}<a/>"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    assert_eq!(parse_err(&utf16).kind, ParseErrorKind::Encoding);
    let no_bom: Vec<u8> = "<a/>".encode_utf16().flat_map(u16::to_be_bytes).collect();
    assert!(Document::parse(&no_bom).is_err());
}

#[test]
fn utf8_bom_is_accepted_and_not_canonicalized() {
    let out =
        exc_c14n_bytes("\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>é</a>".as_bytes());
    assert_eq!(out.unwrap(), "<a>é</a>".as_bytes());
}

#[test]
fn empty_input_is_malformed() {
    assert_eq!(parse_err(b"").kind, ParseErrorKind::Malformed);
    assert_eq!(parse_err(b"  \n").kind, ParseErrorKind::Malformed);
}

fn nested(depth: usize) -> Vec<u8> {
    let mut out = "<e>\n".repeat(depth);
    out.push_str(&"</e>".repeat(depth));
    out.into_bytes()
}

#[test]
fn nesting_over_configured_depth_is_refused_with_line() {
    let options = ParseOptions {
        max_depth: 50,
        ..ParseOptions::default()
    };
    assert!(Document::parse_with(&nested(50), &options).is_ok());
    let err = Document::parse_with(&nested(51), &options).unwrap_err();
    assert_eq!((err.kind, err.line), (ParseErrorKind::TooDeep, 51));
    assert_eq!(
        err.message,
        "elements are nested deeper than the limit of 50"
    );
}

#[test]
fn nesting_past_libxml2_ceiling_is_refused_as_too_deep() {
    let options = ParseOptions {
        max_depth: 100_000,
        ..ParseOptions::default()
    };
    let err = Document::parse_with(&nested(100_000), &options).unwrap_err();
    assert_eq!(err.kind, ParseErrorKind::TooDeep, "{err}");
    assert_eq!(parse_err(&nested(200)).kind, ParseErrorKind::TooDeep);
}

#[test]
fn input_over_byte_limit_is_refused_before_parsing() {
    let options = ParseOptions {
        max_bytes: 1024,
        ..ParseOptions::default()
    };
    let big = format!("<a>{}</a>", "x".repeat(1024));
    let err = Document::parse_with(big.as_bytes(), &options).unwrap_err();
    assert_eq!(err.kind, ParseErrorKind::TooLarge);
    assert_eq!(err.message, "input is 1031 bytes, the limit is 1024");
}

#[test]
fn large_flat_document_within_limits_parses() {
    let mut body = String::from("<a>");
    for i in 0..20_000 {
        body.push_str(&format!("<b i=\"{i}\">text</b>"));
    }
    body.push_str("</a>");
    let doc = Document::parse(body.as_bytes()).unwrap();
    assert_eq!(doc.count(&Target::nth("", "b", 0)), 20_000);
}

#[test]
fn schema_import_of_local_file_or_url_is_refused() {
    for location in [
        "file:///etc/hostname",
        "/etc/hostname",
        "http://127.0.0.1:9/x.xsd",
    ] {
        let xsd = format!(
            r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:a">
  <xs:import namespace="urn:b" schemaLocation="{location}"/>
</xs:schema>"#
        );
        let result = SchemaSet::compile("a.xsd", &[("a.xsd".into(), xsd.into_bytes())]);
        let Err(SchemaError::Compile { messages, .. }) = result else {
            panic!("import of {location} must fail, got {result:?}")
        };
        assert!(messages[0].contains(location), "{messages:#?}");
    }
}

#[test]
fn schema_with_doctype_entities_cannot_fetch_files() {
    let xsd = br#"<!DOCTYPE xs:schema [<!ENTITY x SYSTEM "file:///etc/hostname">]>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:a">
  <xs:annotation><xs:documentation>&x;</xs:documentation></xs:annotation>
</xs:schema>"#;
    let result = SchemaSet::compile("a.xsd", &[("a.xsd".into(), xsd.to_vec())]);
    let Err(SchemaError::Compile { messages, .. }) = result else {
        panic!("entity fetch must fail the compile, got {result:?}")
    };
    assert!(
        messages.iter().any(|m| m.contains("/etc/hostname")),
        "{messages:#?}"
    );
}

/// Runs the noisy operations in a child process and asserts its stderr is
/// empty: libxml2 writes straight to fd 2 when no handler is installed, which
/// the test harness would not capture.
#[test]
fn libxml2_errors_never_reach_stderr() {
    if std::env::var_os("SMEVGATE_XML_NOISY_CHILD").is_some() {
        let _ = Document::parse(b"<a><b></a>");
        let _ = Document::parse(b"<a>&undefined;</a>");
        let _ = Document::parse(&nested(300));
        let _ = SchemaSet::compile("x.xsd", &[("x.xsd".into(), b"<xs:schema/>".to_vec())]);
        let xsd = br#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="a" type="xs:int"/></xs:schema>"#;
        let schema = SchemaSet::compile("a.xsd", &[("a.xsd".into(), xsd.to_vec())]).unwrap();
        let doc = Document::parse(b"<a>nan</a>").unwrap();
        assert_eq!(schema.validate(&doc, &Target::Root).len(), 1);
        return;
    }
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "libxml2_errors_never_reach_stderr",
            "--test-threads=1",
            "-q",
        ])
        .env("SMEVGATE_XML_NOISY_CHILD", "1")
        .output()
        .unwrap();
    assert!(output.status.success(), "child failed: {output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}
