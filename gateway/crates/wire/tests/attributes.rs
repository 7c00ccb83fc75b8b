//! An element with more attributes than SMEV ever needs is refused on the
//! raw text, before any parser spends quadratic time on it.

use wire::{read_envelope, EnvelopeError, Limits, MAX_ATTRIBUTES};

fn envelope_with_attributes(n: usize) -> String {
    let attributes: String = (0..n).map(|i| format!(" a{i}=\"1\"")).collect();
    format!(
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Header/>\
         <soap:Body><x{attributes}/></soap:Body></soap:Envelope>"
    )
}

#[test]
fn read_envelope_too_many_attributes_is_refused() {
    let text = envelope_with_attributes(MAX_ATTRIBUTES + 1);
    let error = read_envelope(text.as_bytes(), &Limits::default()).unwrap_err();
    assert_eq!(
        error,
        EnvelopeError::TooManyAttributes {
            max: MAX_ATTRIBUTES
        }
    );
}

#[test]
fn read_envelope_attributes_at_the_limit_reach_the_parser() {
    let text = envelope_with_attributes(MAX_ATTRIBUTES - 1);
    let error = read_envelope(text.as_bytes(), &Limits::default()).unwrap_err();
    assert!(
        matches!(error, EnvelopeError::UnknownOperation { .. }),
        "{error:?}"
    );
}

#[test]
fn read_envelope_equals_inside_values_are_not_attributes() {
    let value = "a=b;".repeat(MAX_ATTRIBUTES * 2);
    let text = format!(
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Header/>\
         <soap:Body><x v=\"{value}\"/></soap:Body></soap:Envelope>"
    );
    let error = read_envelope(text.as_bytes(), &Limits::default()).unwrap_err();
    assert!(
        matches!(error, EnvelopeError::UnknownOperation { .. }),
        "{error:?}"
    );
}
