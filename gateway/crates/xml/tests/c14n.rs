//! Exclusive c14n outputs derived by hand from the W3C specs (Canonical XML
//! 1.0 §2–3, Exclusive XML Canonicalization 1.0 §3). The whole-document
//! cases were also checked against `xmllint --exc-c14n` (libxml2-utils
//! 2.9.14) when they were written; subtree cases cannot be, since xmllint only
//! canonicalizes whole documents.

use xml::{exc_c14n_bytes, C14nError, Document, Target};

fn check(input: &str, target: Target, prefixes: &[&str], expected: &str) {
    let doc = Document::parse(input.as_bytes()).expect("test input parses");
    let out = doc.exc_c14n(&target, prefixes).expect("canonicalizes");
    assert_eq!(String::from_utf8(out).unwrap(), expected, "target {target}");
}

fn whole(input: &str, expected: &str) {
    let out = exc_c14n_bytes(input.as_bytes()).expect("canonicalizes");
    assert_eq!(String::from_utf8(out).unwrap(), expected);
}

#[test]
fn subtree_ancestor_namespace_appears_only_when_visibly_used() {
    let input = r#"<a:root xmlns:a="urn:a" xmlns:b="urn:b" xmlns:c="urn:c" xmlns:d="urn:d"><b:child c:attr="1"><inner/></b:child></a:root>"#;
    check(
        input,
        Target::nth("urn:b", "child", 0),
        &[],
        r#"<b:child xmlns:b="urn:b" xmlns:c="urn:c" c:attr="1"><inner></inner></b:child>"#,
    );
}

#[test]
fn subtree_namespace_used_deeper_is_declared_where_used() {
    let input = r#"<r xmlns:p="urn:p" xmlns:q="urn:q"><s><t><p:u/><p:v/></t><q:w/></s></r>"#;
    check(
        input,
        Target::nth("", "s", 0),
        &[],
        r#"<s><t><p:u xmlns:p="urn:p"></p:u><p:v xmlns:p="urn:p"></p:v></t><q:w xmlns:q="urn:q"></q:w></s>"#,
    );
}

#[test]
fn attributes_sort_unqualified_first_then_by_namespace_uri() {
    whole(
        r#"<e z="1" a="2" b:y="3" a:x="4" xmlns:a="urn:z" xmlns:b="urn:a"/>"#,
        r#"<e xmlns:a="urn:z" xmlns:b="urn:a" a="2" z="1" b:y="3" a:x="4"></e>"#,
    );
}

#[test]
fn empty_elements_are_expanded_and_declaration_dropped() {
    whole(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a><b/><c></c></a>",
        "<a><b></b><c></c></a>",
    );
}

#[test]
fn carriage_return_and_special_characters_are_escaped() {
    whole(
        "<a>x&#xD;y&lt;&gt;&amp;\"'</a>",
        "<a>x&#xD;y&lt;&gt;&amp;\"'</a>",
    );
    whole(
        "<a v='\"&lt;&gt;&amp;&#xD;&#xA;&#x9;'/>",
        "<a v=\"&quot;&lt;>&amp;&#xD;&#xA;&#x9;\"></a>",
    );
}

#[test]
fn literal_newlines_in_attributes_are_normalized_by_the_parser() {
    // XML 1.0 §3.3.3: a literal line break in an attribute value becomes a
    // space before c14n ever sees it; a CRLF in text becomes LF (§2.11).
    whole("<a v=\"x\ny\">p\r\nq</a>", "<a v=\"x y\">p\nq</a>");
}

#[test]
fn whitespace_outside_and_inside_elements_is_kept() {
    let input = "<a>\n  <b> x </b>\t\n</a>";
    whole(input, input);
    whole("<a  b = \"1\"\n/>\n", "<a b=\"1\"></a>");
}

#[test]
fn default_namespace_is_rendered_on_subtree_and_undeclared_when_left() {
    let input = r#"<r xmlns="urn:d"><c><d xmlns=""><e/></d></c></r>"#;
    check(
        input,
        Target::nth("urn:d", "c", 0),
        &[],
        r#"<c xmlns="urn:d"><d xmlns=""><e></e></d></c>"#,
    );
}

#[test]
fn empty_default_namespace_is_not_rendered_without_output_ancestor() {
    let input = r#"<r xmlns="urn:d"><c xmlns=""><d/></c></r>"#;
    check(input, Target::nth("", "c", 0), &[], "<c><d></d></c>");
}

#[test]
fn xml_attributes_are_not_inherited_in_exclusive_mode() {
    let input = r#"<r xml:lang="ru" xml:space="preserve"><c>t</c><d xml:lang="en"/></r>"#;
    check(input, Target::nth("", "c", 0), &[], "<c>t</c>");
    check(
        input,
        Target::nth("", "d", 0),
        &[],
        r#"<d xml:lang="en"></d>"#,
    );
}

#[test]
fn character_and_predefined_entity_refs_are_replaced() {
    whole(
        "<a b=\"&amp;&#65;&apos;\">&#1071;&amp;&#x42;&quot;</a>",
        "<a b=\"&amp;A'\">Я&amp;B\"</a>",
    );
}

#[test]
fn comments_are_dropped_and_cdata_becomes_text() {
    whole(
        "<!-- before --><a><!-- x --><b/><![CDATA[<x>&]]]]></a>",
        "<a><b></b>&lt;x&gt;&amp;]]</a>",
    );
}

#[test]
fn redeclared_namespace_is_rendered_once() {
    whole(
        r#"<a xmlns:p="urn:p"><p:b xmlns:p="urn:p"><p:c/></p:b></a>"#,
        r#"<a><p:b xmlns:p="urn:p"><p:c></p:c></p:b></a>"#,
    );
}

#[test]
fn prefix_rebound_to_other_uri_is_redeclared() {
    whole(
        r#"<p:a xmlns:p="urn:1"><p:b xmlns:p="urn:2"><p:c xmlns:p="urn:1"/></p:b></p:a>"#,
        r#"<p:a xmlns:p="urn:1"><p:b xmlns:p="urn:2"><p:c xmlns:p="urn:1"></p:c></p:b></p:a>"#,
    );
}

#[test]
fn inclusive_prefixes_render_unused_ancestor_namespaces() {
    let input = r#"<a:root xmlns:a="urn:a" xmlns:u="urn:unused" xmlns="urn:def"><a:c/></a:root>"#;
    check(
        input,
        Target::nth("urn:a", "c", 0),
        &["u", "#default"],
        r#"<a:c xmlns="urn:def" xmlns:a="urn:a" xmlns:u="urn:unused"></a:c>"#,
    );
    check(
        input,
        Target::nth("urn:a", "c", 0),
        &[],
        r#"<a:c xmlns:a="urn:a"></a:c>"#,
    );
}

#[test]
fn by_id_subtree_of_soap_envelope_pulls_needed_namespaces() {
    let input = r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="urn:types" xmlns:ns2="urn:basic"><soap:Body><ns:SendRequestRequest><ns:SenderProvidedRequestData Id="SIGNED_BY_CONSUMER">
    <ns:MessageID>db0486d0</ns:MessageID>
    <ns2:MessagePrimaryContent><x:Req xmlns:x="urn:x">Привет</x:Req></ns2:MessagePrimaryContent>
  </ns:SenderProvidedRequestData></ns:SendRequestRequest></soap:Body></soap:Envelope>"#;
    let expected = "<ns:SenderProvidedRequestData xmlns:ns=\"urn:types\" Id=\"SIGNED_BY_CONSUMER\">\n    \
        <ns:MessageID>db0486d0</ns:MessageID>\n    \
        <ns2:MessagePrimaryContent xmlns:ns2=\"urn:basic\"><x:Req xmlns:x=\"urn:x\">Привет</x:Req></ns2:MessagePrimaryContent>\n  \
        </ns:SenderProvidedRequestData>";
    check(input, Target::by_id("SIGNED_BY_CONSUMER"), &[], expected);
}

#[test]
fn nth_signed_info_is_canonicalized_alone() {
    let ds = "http://www.w3.org/2000/09/xmldsig#";
    let input = format!(
        r##"<r xmlns:ds="{ds}"><ds:Signature><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="a"/></ds:SignedInfo></ds:Signature><ds:Signature><ds:SignedInfo><ds:Reference URI="#b"/></ds:SignedInfo></ds:Signature></r>"##
    );
    let expected = format!(
        r##"<ds:SignedInfo xmlns:ds="{ds}"><ds:Reference URI="#b"></ds:Reference></ds:SignedInfo>"##
    );
    check(&input, Target::nth(ds, "SignedInfo", 1), &[], &expected);
}

#[test]
fn missing_target_is_an_error() {
    let doc = Document::parse(b"<a Id=\"x\"><b Id=\"x\"/></a>").unwrap();
    let err = doc.exc_c14n(&Target::by_id("nope"), &[]).unwrap_err();
    assert_eq!(err, C14nError::TargetNotFound(Target::by_id("nope")));
    assert_eq!(
        err.to_string(),
        "no element matches the element with Id 'nope'"
    );
}

#[test]
fn duplicate_id_target_is_refused() {
    let doc = Document::parse(b"<a Id=\"x\"><b Id=\"x\"/></a>").unwrap();
    let err = doc.exc_c14n(&Target::by_id("x"), &[]).unwrap_err();
    assert_eq!(
        err,
        C14nError::TargetNotUnique {
            target: Target::by_id("x"),
            count: 2
        }
    );
}

#[test]
fn nul_in_inclusive_prefix_is_refused() {
    let doc = Document::parse(b"<a/>").unwrap();
    let err = doc.exc_c14n(&Target::Root, &["a\0b"]).unwrap_err();
    assert!(matches!(err, C14nError::InvalidPrefix(_)));
}

#[test]
fn exc_c14n_bytes_reports_parse_errors() {
    let err = exc_c14n_bytes(b"<a><b></a>").unwrap_err();
    let C14nError::Parse(parse) = err else {
        panic!("expected a parse error, got {err:?}")
    };
    assert_eq!(parse.line, 1);
    assert!(parse.message.contains("mismatch"), "{}", parse.message);
}

#[test]
fn relative_namespace_uri_fails_with_libxml2_reason() {
    let doc = Document::parse(br#"<a xmlns="relative/uri"><b/></a>"#).unwrap();
    let err = doc.exc_c14n(&Target::Root, &[]).unwrap_err();
    let C14nError::Failed(reason) = &err else {
        panic!("expected a failure, got {err:?}")
    };
    assert!(reason.contains("relative"), "{reason}");
}
