//! The opaque `ReplyTo` token a node writes into each delivered request.
//!
//! Clients must copy it back byte for byte as `To` and never parse it
//! (brief §1.5). Ours is base64 of a small JSON object, like SMEV's, with a
//! random part so tokens cannot be guessed from message ids.

use base64::Engine;

/// A fresh token for a request from `requester` with `message_id`.
pub fn new_token(node_id: &str, message_id: &str, requester: &str) -> String {
    let nonce: [u8; 12] = rand::random();
    let nonce: String = nonce.iter().map(|b| format!("{b:02x}")).collect();
    let json = format!(
        r#"{{"sid":"{}","mid":"{}","mnm":"{}","rnd":"{}"}}"#,
        json_text(node_id),
        json_text(message_id),
        json_text(requester),
        nonce
    );
    base64::engine::general_purpose::STANDARD.encode(json)
}

fn json_text(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .flat_map(|c| match c {
            '"' => vec!['\\', '"'],
            '\\' => vec!['\\', '\\'],
            c => vec![c],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_token_is_unique_base64_json() {
        let a = new_token("node", "77419000-d7b2-11ee-8aaa-000000000001", "CONS01");
        let b = new_token("node", "77419000-d7b2-11ee-8aaa-000000000001", "CONS01");
        assert_ne!(a, b);
        let json = base64::engine::general_purpose::STANDARD
            .decode(&a)
            .unwrap();
        let json = String::from_utf8(json).unwrap();
        assert!(
            json.contains(r#""mid":"77419000-d7b2-11ee-8aaa-000000000001""#),
            "{json}"
        );
        assert!(a.len() <= 4000);
    }

    #[test]
    fn new_token_escapes_quotes() {
        let token = new_token("n\"x", "m", "r");
        let json = base64::engine::general_purpose::STANDARD
            .decode(token)
            .unwrap();
        assert!(String::from_utf8(json).unwrap().contains(r#""sid":"n\"x""#));
    }
}
