//! Generator tests against the project's own `xsd/` folder: known SMEV facts
//! must come out as constants, and every generated name must occur in the
//! schema it was taken from.

use std::path::{Path, PathBuf};

use super::*;

fn xsd_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../xsd")
}

fn generated() -> String {
    generate(&xsd_dir()).expect("xsd/ generates")
}

/// The body of `pub mod <module> { ... }` in the generated source.
fn module<'a>(source: &'a str, module: &str) -> &'a str {
    let start = source
        .find(&format!("pub mod {module} {{"))
        .expect("module present");
    let rest = &source[start..];
    let end = rest.find("\n}\n").expect("module closed");
    &rest[..end]
}

/// `(NAME, value text)` of every `pub const` in a module body; values that
/// span lines are joined.
fn consts(body: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut lines = body.lines().map(str::trim);
    while let Some(line) = lines.next() {
        let Some(decl) = line.strip_prefix("pub const ") else {
            continue;
        };
        let mut text = decl.to_string();
        while !text.ends_with(';') {
            let Some(more) = lines.next() else { break };
            text.push_str(more);
        }
        let (name, rest) = text.split_once(':').expect("typed const");
        let value = rest
            .split_once(" = ")
            .expect("valued const")
            .1
            .trim_end_matches(';');
        found.push((name.to_string(), value.to_string()));
    }
    found
}

fn value_of(body: &str, name: &str) -> Option<String> {
    consts(body)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

#[test]
fn generate_v1_2_message_id_is_acronym_constant() {
    let source = generated();
    let v12 = module(&source, "v1_2");
    assert_eq!(
        value_of(v12, "MESSAGE_ID").as_deref(),
        Some("\"MessageID\"")
    );
    assert_eq!(
        value_of(v12, "MESSAGE_ID_CAMEL").as_deref(),
        Some("\"MessageId\"")
    );
    assert_eq!(
        value_of(v12, "SMEV_SIGNATURE").as_deref(),
        Some("\"SMEVSignature\"")
    );
}

#[test]
fn generate_v1_2_namespaces_follow_version() {
    let source = generated();
    let v12 = module(&source, "v1_2");
    let base = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types";
    assert_eq!(value_of(v12, "TYPES"), Some(format!("\"{base}/1.2\"")));
    assert_eq!(
        value_of(v12, "BASIC"),
        Some(format!("\"{base}/basic/1.2\""))
    );
    assert_eq!(
        value_of(v12, "FAULTS"),
        Some(format!("\"{base}/faults/1.2\""))
    );
}

#[test]
fn generate_v1_2_limits_match_brief() {
    let source = generated();
    let v12 = module(&source, "v1_2");
    let expect = [
        ("TRANSACTION_CODE_MAX_LEN", "1500"),
        ("REPLY_TO_MAX_LEN", "4000"),
        ("TO_MAX_LEN", "4000"),
        ("NODE_ID_MAX_LEN", "50"),
        ("STATUS_DETAILS_MAX_LEN", "500"),
        ("SENDER_MNEMONIC_MAX_LEN", "50"),
        ("RECIPIENT_MNEMONIC_MAX_LEN", "100"),
        ("CODE_MAX_LEN", "100"),
        ("STRING_1500_MAX_LEN", "1500"),
        ("QUEUE_NAME_MAX_LEN", "200"),
    ];
    for (name, value) in expect {
        assert_eq!(value_of(v12, name).as_deref(), Some(value), "{name}");
    }
}

#[test]
fn generate_smev_fault_code_limit_per_version() {
    let source = generated();
    let limits: Vec<Option<String>> = ["v1_1", "v1_2", "v1_3"]
        .iter()
        .map(|v| value_of(module(&source, v), "CODE_MAX_LEN"))
        .collect();
    let expected = ["50", "100", "100"].map(|s| Some(s.to_string()));
    assert_eq!(limits, expected);
}

#[test]
fn generate_uuid_pattern_is_lowercase_hex() {
    let source = generated();
    let v12 = module(&source, "v1_2");
    let pattern = r#""[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}""#;
    assert_eq!(value_of(v12, "UUID_PATTERN").as_deref(), Some(pattern));
    assert_eq!(
        value_of(v12, "MESSAGE_ID_PATTERN").as_deref(),
        Some(pattern)
    );
    assert_eq!(
        value_of(v12, "ACK_TARGET_MESSAGE_PATTERN").as_deref(),
        Some(pattern)
    );
}

#[test]
fn generate_v1_2_enumerations_include_real_traffic_values() {
    let source = generated();
    let v12 = module(&source, "v1_2");
    let statuses = value_of(v12, "INTERACTION_STATUS_TYPE_VALUES").expect("statuses");
    assert!(statuses.contains("\"messageIsDelivered\""), "{statuses}");
    assert!(statuses.contains("\"requestIsQueued\""), "{statuses}");
    let rejects = value_of(v12, "REJECT_CODE_VALUES").expect("reject codes");
    assert_eq!(
        rejects,
        r#"&["ACCESS_DENIED", "NO_DATA", "UNKNOWN_REQUEST_DESCRIPTION", "FAILURE"]"#
    );
    let sig = value_of(v12, "SIGNATURE_VERIFICATION_FAULT_VALUES").expect("sig fault codes");
    assert!(sig.starts_with("&[\"PoorSOAPEnvelopeFormat\""), "{sig}");
    assert!(value_of(v12, "MESSAGE_TYPE_VALUES")
        .expect("types")
        .contains("\"CANCEL\""));
}

#[test]
fn generate_v1_2_faults_carry_detail_kind() {
    let source = generated();
    let v12 = module(&source, "v1_2");
    let faults = value_of(v12, "FAULT_ELEMENTS").expect("faults");
    assert!(faults.contains(r#"name: "SMEVFailure", detail: super::FaultDetail::Void"#));
    assert!(
        faults.contains(r#"name: "TransactionCodeInvalid", detail: super::FaultDetail::SmevFault"#)
    );
    let overflow = r#"name: "DestinationOverflow", detail: super::FaultDetail::Extended(&["MessageBrokerAddress", "DestinationName"])"#;
    assert!(faults.contains(overflow), "{faults}");
}

#[test]
fn generate_v1_2_operations_come_from_wsdl() {
    let source = generated();
    let v12 = module(&source, "v1_2");
    let ops = value_of(v12, "OPERATIONS").expect("operations");
    let names: Vec<&str> = ops
        .match_indices("name: \"")
        .map(|(i, _)| &ops[i + 7..])
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert_eq!(
        names,
        [
            "SendRequest",
            "SendResponse",
            "GetRequest",
            "GetResponse",
            "GetStatus",
            "Ack"
        ]
    );
    assert!(ops.contains(r#"soap_action: "urn:GetStatus", request: "GetStatusRequest", response: "GetStatusResponse""#));
}

#[test]
fn generate_embeds_files_by_absolute_path() {
    let source = generated();
    let v12 = module(&source, "v1_2");
    let files = value_of(v12, "FILES").expect("files");
    for name in ["basic", "faults", "types"] {
        assert!(files.contains(&format!(
            "(\"smev-message-exchange-{name}-1.2.xsd\", include_bytes!(\"/"
        )));
    }
    assert!(value_of(v12, "WSDL")
        .expect("wsdl")
        .starts_with("include_str!(\"/"));
}

#[test]
fn generate_every_name_occurs_in_its_schema() {
    let source = generated();
    for version in version::discover(&xsd_dir()).unwrap() {
        let dir = xsd_dir().join(&version);
        let texts: String = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "xsd"))
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect();
        let body = module(&source, &format!("v{}", version.replace('.', "_")));
        for (name, value) in consts(body) {
            let is_name =
                value.starts_with('"') && !name.ends_with("_PATTERN") && name != "VERSION";
            let is_ns = [
                "TYPES",
                "BASIC",
                "FAULTS",
                "ROUTING",
                "DIRECTIVE",
                "TYPES_FILE",
            ]
            .contains(&name.as_str());
            if is_name && !is_ns {
                let local = value.trim_matches('"');
                assert!(
                    texts.contains(&format!("name=\"{local}\"")),
                    "{version}: {name} = {local}"
                );
            }
            if name.ends_with("_VALUES") {
                for v in value
                    .trim_start_matches("&[")
                    .trim_end_matches(']')
                    .split(", ")
                {
                    let v = v.trim_matches('"');
                    assert!(
                        texts.contains(&format!("value=\"{v}\"")),
                        "{version}: {name} has {v}"
                    );
                }
            }
            if name.ends_with("_MAX_LEN") {
                assert!(
                    texts.contains(&format!("<xs:maxLength value=\"{value}\"")),
                    "{name}"
                );
            }
        }
    }
}

/// The `///` line above `pub const NAME` in a module body.
fn doc_of<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    let at = body.find(&format!("pub const {name}:"))?;
    body[..at].trim_end().lines().last().map(str::trim)
}

#[test]
fn generate_destination_name_metadata_in_1_1_faults_only_in_1_3() {
    let source = generated();
    let v11 = module(&source, "v1_1");
    let v13 = module(&source, "v1_3");
    assert_eq!(
        doc_of(v11, "DESTINATION_NAME"),
        Some("/// Element `DestinationName` (faults, types).")
    );
    // 1.3 keeps it only inside the DestinationOverflow fault detail.
    assert_eq!(
        doc_of(v13, "DESTINATION_NAME"),
        Some("/// Element `DestinationName` (faults).")
    );
    assert!(value_of(v11, "SUPPLEMENTARY_DATA").is_some());
    assert!(value_of(v13, "SUPPLEMENTARY_DATA").is_none());
    assert!(value_of(v11, "MESSAGE_BROKER").is_some());
    assert!(value_of(module(&source, "v1_2"), "MESSAGE_BROKER").is_none());
}

#[test]
fn generate_v1_3_statuses_and_routing() {
    let source = generated();
    let v13 = module(&source, "v1_3");
    let statuses = value_of(v13, "INTERACTION_STATUS_TYPE_VALUES").expect("statuses");
    for status in [
        "messageIsDelivered",
        "messageIsArchived",
        "responseIsRejectedBySmev",
    ] {
        assert!(statuses.contains(&format!("\"{status}\"")), "{status}");
    }
    assert!(!statuses.contains("\"responseIsDelivered\""));
    let v11 = value_of(module(&source, "v1_1"), "INTERACTION_STATUS_TYPE_VALUES").expect("1.1");
    assert!(!v11.contains("\"messageIsDelivered\""));
    let routing = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/routing/1.3";
    assert_eq!(value_of(v13, "ROUTING"), Some(format!("\"{routing}\"")));
    assert_eq!(
        value_of(v13, "ROUTING_ELEMENT").as_deref(),
        Some("\"Routing\"")
    );
    assert_eq!(value_of(v13, "VALUE_MAX_LEN").as_deref(), Some("500"));
    assert_eq!(
        value_of(v13, "MESSAGE_TYPE_VALUES").as_deref(),
        Some(r#"&["REQUEST", "BROADCAST", "RESPONSE"]"#)
    );
    assert!(value_of(v13, "CANCEL").is_none());
    let faults = value_of(v13, "FAULT_ELEMENTS").expect("faults");
    assert!(
        faults.contains(r#"name: "PersonalAccessDenied", detail: super::FaultDetail::SmevFault"#)
    );
    assert!(faults.contains(r#"name: "EndOfLifeReached", detail: super::FaultDetail::SmevFault"#));
}

#[test]
fn generate_v1_1_has_queue_statistics_operation() {
    let source = generated();
    let ops = |v: &str| value_of(module(&source, v), "OPERATIONS").expect("operations");
    assert!(ops("v1_1").contains(r#"soap_action: "urn:GetIncomingQueueStatistics""#));
    assert!(!ops("v1_2").contains("GetIncomingQueueStatistics"));
    assert!(!ops("v1_3").contains("GetIncomingQueueStatistics"));
}

#[test]
fn generate_name_clash_is_error() {
    let dir = std::env::temp_dir().join(format!("smevgate-gen-clash-{}", std::process::id()));
    let version = dir.join("9.9");
    std::fs::create_dir_all(&version).unwrap();
    // Two simple types folding to the same constant stem with different limits.
    let xsd = r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:t">
        <xs:simpleType name="string-7"><xs:restriction base="xs:string"><xs:maxLength value="7"/></xs:restriction></xs:simpleType>
        <xs:simpleType name="string_7"><xs:restriction base="xs:string"><xs:maxLength value="8"/></xs:restriction></xs:simpleType>
    </xs:schema>"#;
    std::fs::write(version.join("smev-message-exchange-basic-9.9.xsd"), xsd).unwrap();
    let result = generate(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        matches!(result, Err(GenError::NameClash { ref name, .. }) if name == "STRING_7_MAX_LEN"),
        "{result:?}"
    );
}

#[test]
fn generate_missing_folder_is_io_error() {
    let err = generate(Path::new("/nonexistent/smevgate-xsd")).unwrap_err();
    assert!(matches!(err, GenError::Io { .. }), "{err:?}");
}
