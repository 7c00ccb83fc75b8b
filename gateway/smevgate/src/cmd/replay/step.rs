//! Running one case: fill the template, sign, tamper, send (draining a
//! queue when asked), capture values, and compare the answer's normal
//! form with `expected.xml`.

use anyhow::Context;
use time::OffsetDateTime;

use super::case::{Case, Signer, Suite, UNSIGNED};
use super::normalize::{http_line, normalize, stored_http_line};
use super::template::{self, Vars};
use crate::soap_client::{HttpReply, SoapClient};

/// The `Id` the drain acknowledgements sign.
const ACK_ID: &str = "SIGNED_BY_CALLER";

/// Most messages one drain takes before it gives up.
const MAX_DRAIN: usize = 10_000;

/// How one case went.
#[derive(Debug)]
pub enum Outcome {
    /// The answer matches; `note` says what else happened (drained count).
    Same { note: Option<String> },
    /// The answer differs; a unified diff or the reason.
    Different(String),
    /// The case could not be run (bad template, unknown value, …).
    Broken(String),
    /// Record mode wrote `expected.xml`.
    Recorded,
}

/// The run cannot go on: the node did not answer, or a queue never empties.
#[derive(Debug, thiserror::Error)]
#[error("{0:#}")]
pub struct Stopped(anyhow::Error);

/// Runs `case` against the node behind `client`.
///
/// # Errors
/// [`Stopped`] on a transport failure or an endless drain.
pub async fn run(
    client: &SoapClient,
    suite: &Suite,
    case: &Case,
    vars: &mut Vars,
    record: bool,
) -> Result<Outcome, Stopped> {
    let body = match build(suite, case, vars) {
        Ok(body) => body,
        Err(error) => return Ok(Outcome::Broken(format!("{error:#}"))),
    };
    let action = case.soap_action();
    let (reply, drained) = if case.spec.drain {
        drain(client, suite, case, body, &action).await?
    } else {
        (send(client, body, &action).await?, 0)
    };
    let text = String::from_utf8_lossy(&reply.body).into_owned();
    if let Err(error) = capture(case, &text, vars) {
        return Ok(Outcome::Different(format!("{error:#}")));
    }
    let note = (drained > 0).then(|| format!("drained {drained}"));
    Ok(compare(case, &reply, &text, vars, record, note))
}

/// The request as sent: placeholders filled, signed, then tampered.
fn build(suite: &Suite, case: &Case, vars: &mut Vars) -> anyhow::Result<String> {
    let now = OffsetDateTime::now_utc();
    let mut body = template::fill(&case.request, vars, now).context("request.xml")?;
    if case.spec.sign != UNSIGNED {
        let signer = &suite.signers[&case.spec.sign];
        body = crate::cmd::sign::sign_envelope(body.as_bytes(), &signer.key, &signer.cert)?;
    }
    for edit in &case.spec.after_sign {
        if !body.contains(&edit.find) {
            anyhow::bail!("after_sign: {:?} is not in the signed request", edit.find);
        }
        body = body.replacen(&edit.find, &edit.replace, 1);
    }
    Ok(body)
}

async fn send(client: &SoapClient, body: String, action: &str) -> Result<HttpReply, Stopped> {
    client.post(body, action).await.map_err(Stopped)
}

/// Sends `body` until the answer holds no message, acknowledging each
/// message taken (statuses of GetStatus are settled by the node itself).
async fn drain(
    client: &SoapClient,
    suite: &Suite,
    case: &Case,
    body: String,
    action: &str,
) -> Result<(HttpReply, usize), Stopped> {
    let version = case
        .spec
        .version
        .as_deref()
        .and_then(wire::Version::from_label);
    let signer = suite.signers.get(&case.spec.sign);
    for taken in 0..MAX_DRAIN {
        let reply = send(client, body.clone(), action).await?;
        let Ok(read) = wire::read_reply(reply.status, &reply.content_type, &reply.body) else {
            return Ok((reply, taken));
        };
        let id = match read.kind {
            wire::ReplyKind::Request(r) => r.metadata.message_id,
            wire::ReplyKind::Response(r) => r.metadata.message_id,
            wire::ReplyKind::Status(_) => continue,
            _ => return Ok((reply, taken)),
        };
        let (Some(id), Some(version), Some(signer)) = (id, version, signer) else {
            return Ok((reply, taken));
        };
        send(client, ack(version, signer, &id), "urn:Ack").await?;
    }
    let error = anyhow::anyhow!("queue still not empty after {MAX_DRAIN} messages");
    Err(Stopped(error))
}

fn ack(version: wire::Version, signer: &Signer, message_id: &str) -> String {
    let sign = |element: &str, id: &str| signer.sign_element(element, id);
    wire::write_ack_request(version, ACK_ID, message_id, true, Some(&sign))
}

/// Stores the case's captures from the answer `xml` into `vars`.
fn capture(case: &Case, xml: &str, vars: &mut Vars) -> anyhow::Result<()> {
    if case.spec.capture.is_empty() {
        return Ok(());
    }
    let doc = roxmltree::Document::parse(xml).context("cannot capture: answer is not XML")?;
    for (name, path) in &case.spec.capture {
        let value = find_path(doc.root_element(), path)
            .with_context(|| format!("cannot capture {name}: no {path} in the answer"))?;
        vars.insert(name.clone(), value);
    }
    Ok(())
}

/// Text of the element at `path` (`First/Child/…`, local names): the first
/// `First` anywhere, then children.
fn find_path(root: roxmltree::Node<'_, '_>, path: &str) -> Option<String> {
    let mut segments = path.split('/').map(str::trim);
    let first = segments.next()?;
    let mut node = root
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == first)?;
    for segment in segments {
        node = node
            .children()
            .find(|n| n.is_element() && n.tag_name().name() == segment)?;
    }
    Some(node.text().unwrap_or("").trim().to_owned())
}

fn compare(
    case: &Case,
    reply: &HttpReply,
    text: &str,
    vars: &Vars,
    record: bool,
    note: Option<String>,
) -> Outcome {
    let http = http_line(reply.status, &reply.content_type);
    let actual = match normalize(&http, text, vars) {
        Ok(lines) => lines,
        Err(error) => return Outcome::Different(format!("{http}: answer is not XML ({error})")),
    };
    if record {
        let path = case.dir.join(super::case::EXPECTED_FILE);
        return match std::fs::write(&path, actual.join("\n") + "\n") {
            Ok(()) => Outcome::Recorded,
            Err(error) => Outcome::Broken(format!("cannot write {}: {error}", path.display())),
        };
    }
    let Some(stored) = &case.expected else {
        return Outcome::Broken("no expected.xml (record one with REPLAY_RECORD=1)".to_owned());
    };
    let stored_http = stored_http_line(stored).unwrap_or("<!-- HTTP line missing -->");
    let expected = match normalize(stored_http, stored, vars) {
        Ok(lines) => lines,
        Err(error) => return Outcome::Broken(format!("expected.xml is not XML: {error}")),
    };
    let mut problems = invalid_signatures(text.as_bytes());
    problems.extend(super::diff::unified(&expected, &actual));
    match problems.is_empty() {
        true => Outcome::Same { note },
        false => Outcome::Different(problems.join("\n")),
    }
}

/// One line per `ds:Signature` of the answer that does not verify (the
/// normal form hides signature values, so they are checked here).
fn invalid_signatures(body: &[u8]) -> Vec<String> {
    let Ok(doc) = xml::Document::parse(body) else {
        return Vec::new();
    };
    let signatures = match dsig::find_signatures(body) {
        Ok(signatures) => signatures,
        Err(error) => return vec![format!("signatures cannot be read: {error}")],
    };
    signatures
        .iter()
        .filter_map(|signature| {
            let verdict = dsig::verify(&doc, signature, None, None);
            let wrapper = signature.wrapper.local_name();
            let valid = matches!(verdict.outcome, dsig::Outcome::Valid);
            (!valid).then(|| {
                format!(
                    "signature in {wrapper} does not verify: {:?}",
                    verdict.outcome
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_signatures_reports_a_tampered_signed_element() {
        let key = gost::SigningKey::generate(gost::ParamSet::CryptoProA);
        let cert = gost::self_signed(&key, "replay test", None, 1);
        let data = r#"<t:Data xmlns:t="urn:t" Id="D">ok</t:Data>"#;
        let signature = dsig::sign_element(data, "D", &key, &cert).unwrap();
        let signed = format!(r#"<r xmlns:t="urn:t">{data}<t:Sig>{signature}</t:Sig></r>"#);
        assert_eq!(invalid_signatures(signed.as_bytes()), Vec::<String>::new());
        let tampered = signed.replace(">ok<", ">changed<");
        let problems = invalid_signatures(tampered.as_bytes());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("signature in Sig does not verify"),
            "{problems:?}"
        );
        assert_eq!(invalid_signatures(b"not xml"), Vec::<String>::new());
    }

    #[test]
    fn find_path_takes_first_match_then_children() {
        let xml = "<E><B><ReplyTo>t1</ReplyTo><M><MessageId> id-1 </MessageId></M></B>\
                   <MessageId>id-2</MessageId></E>";
        let doc = roxmltree::Document::parse(xml).unwrap();
        let root = doc.root_element();
        assert_eq!(find_path(root, "ReplyTo").as_deref(), Some("t1"));
        assert_eq!(find_path(root, "M/MessageId").as_deref(), Some("id-1"));
        assert_eq!(find_path(root, "MessageId").as_deref(), Some("id-1"));
        assert_eq!(find_path(root, "M/Nothing"), None);
    }
}
