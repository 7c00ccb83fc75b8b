//! The one translation point from [`ExchangeError`] to the SMEV fault on
//! the wire. A table test below pins every row.

use wire::{Fault, FaultKind, SignatureFailure, ValidationError};

use crate::error::ExchangeError;

/// The SMEV fault that answers `error`. Internal detail (store errors,
/// bugs) never reaches the faultstring.
pub fn to_fault(error: &ExchangeError) -> Fault {
    match error {
        ExchangeError::Envelope(e) => e.to_fault(),
        ExchangeError::ContentType(found) => {
            let text = format!("Неподдерживаемый тип содержимого: {found}");
            Fault::new(FaultKind::Client).with_text(text)
        }
        ExchangeError::SoapActionMismatch { action } => {
            let text = format!("SOAPAction {action} не соответствует операции в теле сообщения");
            Fault::new(FaultKind::Client).with_text(text)
        }
        ExchangeError::UnreadableBody => {
            let text = "Тело запроса получено не полностью";
            Fault::new(FaultKind::Client).with_text(text)
        }
        ExchangeError::TooLarge(limit) => {
            let text = format!("Размер сообщения превышает допустимый ({limit} байт)");
            Fault::new(FaultKind::Client).with_text(text)
        }
        ExchangeError::EnvelopeInvalid(errors) | ExchangeError::PayloadInvalid(errors) => {
            Fault::new(FaultKind::InvalidContent(errors.clone()))
        }
        ExchangeError::TimestampOutOfWindow(value) => {
            let message = format!("Время {value} вне допустимого интервала");
            let error = ValidationError {
                message,
                position: -1,
            };
            Fault::new(FaultKind::InvalidContent(vec![error]))
        }
        ExchangeError::Signature { kind, .. } => signature_fault(*kind),
        ExchangeError::SenderIsNotRegistered => Fault::new(FaultKind::SenderIsNotRegistered),
        ExchangeError::InvalidMessageIdFormat => Fault::new(FaultKind::InvalidMessageIdFormat),
        ExchangeError::StaleMessageId => Fault::new(FaultKind::StaleMessageId),
        ExchangeError::MessageIsAlreadySent(_) => Fault::new(FaultKind::MessageIsAlreadySent),
        ExchangeError::EndOfLifeReached => Fault::new(FaultKind::EndOfLifeReached),
        ExchangeError::BusinessDataTypeIsNotSupported { namespace, local } => {
            Fault::new(FaultKind::BusinessDataTypeIsNotSupported {
                local_name: local.clone(),
                namespace: namespace.clone(),
            })
        }
        ExchangeError::UnknownMessageType { .. } => Fault::new(FaultKind::UnknownMessageType),
        ExchangeError::RecipientIsNotFound => Fault::new(FaultKind::RecipientIsNotFound),
        ExchangeError::IncorrectResponseContentType => {
            Fault::new(FaultKind::IncorrectResponseContentType)
        }
        ExchangeError::AttachmentContentMiscoordination => {
            Fault::new(FaultKind::AttachmentContentMiscoordination)
        }
        ExchangeError::TargetMessageIsNotFound(_) => Fault::new(FaultKind::TargetMessageIsNotFound),
        ExchangeError::DestinationOverflow(queue) => Fault::new(FaultKind::DestinationOverflow {
            broker: "smevgate".to_owned(),
            destination: queue.clone(),
        }),
        ExchangeError::Store(_) | ExchangeError::Internal(_) => Fault::new(FaultKind::SmevFailure),
    }
}

/// Signature faults carry the catalogue text of their enumeration value,
/// except where the value needs the reason (expired certificate).
fn signature_fault(kind: SignatureFailure) -> Fault {
    Fault::signature(kind)
}

#[cfg(test)]
mod tests;
