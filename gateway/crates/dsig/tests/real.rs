//! The main acceptance test: every signature in the real SMEV 3 envelopes
//! published with Smev3Sharp (`tests/data/real/`, MIT, see README there).
//!
//! Expected results come from an independent check (README "Signature check
//! results"): as the files stand every digest matches except the two of
//! `GetResponseResponse_ValidResponse.xml` (payload edited by the author).

use std::fs;
use std::path::Path;

use dsig::{find_signatures, reference_digest, Wrapper};

fn read(name: &str) -> Vec<u8> {
    fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/real")
            .join(name),
    )
    .expect("real vector")
}

/// (wrapper, target id, digest matches) of every signature in `name`.
fn digests(name: &str) -> Vec<(Wrapper, String, bool)> {
    let bytes = read(name);
    let doc = xml::Document::parse(&bytes).expect("libxml2 parses the real file");
    find_signatures(&bytes)
        .expect("roxmltree parses the real file")
        .into_iter()
        .map(|sig| {
            let parts = sig.parts.expect("real signature has the smev 3 shape");
            let prefixes: Vec<&str> = parts
                .transform_prefixes
                .iter()
                .map(String::as_str)
                .collect();
            let digest = reference_digest(&doc, &parts.target_id, &prefixes).expect("digest");
            (
                sig.wrapper,
                parts.target_id,
                digest.as_slice() == parts.digest_value,
            )
        })
        .collect()
}

#[test]
fn send_request_response_smev_digest_matches() {
    assert_eq!(
        digests("SendRequestResponce.xml"),
        vec![(Wrapper::SmevSignature, "SIGNED_BY_SMEV".to_owned(), true)]
    );
}

#[test]
fn invalid_content_both_digests_match() {
    assert_eq!(
        digests("GetResponseResponce_InvalidContent.xml"),
        vec![
            (
                Wrapper::SenderInformationSystemSignature,
                "SIGNED_ASYNC_BY_SMEV".to_owned(),
                true
            ),
            (Wrapper::SmevSignature, "SIGNED_BY_SMEV".to_owned(), true),
        ]
    );
}

#[test]
fn valid_response_edited_payload_both_digests_fail() {
    assert_eq!(
        digests("GetResponseResponse_ValidResponse.xml"),
        vec![
            (
                Wrapper::SenderInformationSystemSignature,
                "SIGNED_BY_CALLER".to_owned(),
                false
            ),
            (Wrapper::SmevSignature, "SIGNED_BY_SMEV".to_owned(), false),
        ]
    );
}

#[test]
fn unsigned_real_files_have_no_signatures() {
    for name in [
        "GetResponseResponce_EmptyQueue.xml",
        "SoapFaultResponse.xml",
        "SoapFaultResponse_SignatureVerificationFault.xml",
    ] {
        assert!(
            find_signatures(&read(name)).expect(name).is_empty(),
            "{name}"
        );
    }
}
