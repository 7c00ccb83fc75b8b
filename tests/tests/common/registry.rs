//! Registries beyond the fixtures': extra certificates for the fixtures'
//! systems, extra systems, and a second ВС of the provider (for selector
//! tests), compiled from a schema kept here.

use std::sync::Arc;

use smevgate_tests::{fixtures_registry, PROVIDER};

/// Namespace of the second test ВС.
pub const OTHER_NS: &str = "urn://smevgate.test/other/1.0.0";
/// Request root of the second test ВС.
pub const OTHER_REQUEST: &str = "OtherRequest";

/// Schema of the second ВС: a request with one code, a response with one flag.
const OTHER_XSD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"
           targetNamespace="urn://smevgate.test/other/1.0.0" elementFormDefault="qualified">
  <xs:element name="OtherRequest">
    <xs:complexType><xs:sequence><xs:element name="Code" type="xs:string"/></xs:sequence>
    </xs:complexType>
  </xs:element>
  <xs:element name="OtherResponse">
    <xs:complexType><xs:sequence><xs:element name="Done" type="xs:boolean"/></xs:sequence>
    </xs:complexType>
  </xs:element>
</xs:schema>
"#;

/// A valid request of the second ВС.
pub fn other_request(code: &str) -> String {
    format!(r#"<o:OtherRequest xmlns:o="{OTHER_NS}"><o:Code>{code}</o:Code></o:OtherRequest>"#)
}

/// The fixtures' registry with `extra` certificates added to named systems
/// and `systems` appended.
pub fn extended(
    extra: &[(&str, gost::Certificate)],
    systems: Vec<exchange::InformationSystem>,
) -> exchange::Registry {
    let base = fixtures_registry();
    let mut all: Vec<exchange::InformationSystem> = base.systems().to_vec();
    for (mnemonic, cert) in extra {
        let system = all
            .iter_mut()
            .find(|s| s.mnemonic == *mnemonic)
            .expect("known system");
        system.certificates.push(cert.clone());
    }
    all.extend(systems);
    let services = base.services().cloned().collect();
    exchange::Registry::new(all, services).expect("registry")
}

/// A system identified by one certificate.
pub fn system(mnemonic: &str, cert: &gost::Certificate) -> exchange::InformationSystem {
    exchange::InformationSystem {
        mnemonic: mnemonic.to_owned(),
        name: format!("test {mnemonic}"),
        certificates: vec![cert.clone()],
        signing: None,
    }
}

/// The fixtures' registry plus the second ВС, provided by the provider.
pub fn with_other_service() -> exchange::Registry {
    let base = fixtures_registry();
    let resources = vec![("other-1.0.0.xsd".to_owned(), OTHER_XSD.as_bytes().to_vec())];
    let schema = xml::SchemaSet::compile("other-1.0.0.xsd", &resources).expect("other xsd");
    let other = exchange::Service {
        name: "other".to_owned(),
        namespace: OTHER_NS.to_owned(),
        root: OTHER_REQUEST.to_owned(),
        provider: PROVIDER.to_owned(),
        schema: Arc::new(schema),
        personal_signature_required: false,
    };
    let mut services: Vec<exchange::Service> = base.services().cloned().collect();
    services.push(other);
    exchange::Registry::new(base.systems().to_vec(), services).expect("registry")
}
