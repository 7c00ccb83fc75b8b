//! Golden pairs for `read_envelope`: every `tests/data/decode/<case>.xml`
//! is decoded and rendered (the typed request, or the error and the fault
//! envelope answering it) and compared with `<case>.expected`.

mod golden;

use wire::{read_envelope, write_fault, Limits};

fn render(bytes: &[u8]) -> String {
    match read_envelope(bytes, &Limits::default()) {
        Ok(inbound) => {
            let target = inbound.request.signed_target();
            let signed = String::from_utf8_lossy(&bytes[target.span.clone()]).into_owned();
            let head: String = signed.chars().take(80).collect();
            format!("{inbound:#?}\nsigned target starts: {head}\n")
        }
        Err(error) => {
            let fault = write_fault(error.version(), &error.to_fault());
            format!(
                "error: {error}\nversion: {:?}\nfault:\n{fault}\n",
                error.version()
            )
        }
    }
}

#[test]
fn decode_golden_cases_match_expected() {
    for case in golden::cases("decode", "xml") {
        let bytes = std::fs::read(&case).expect("readable case");
        golden::check(&case.with_extension("expected"), &render(&bytes));
    }
}
