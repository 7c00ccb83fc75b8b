//! The closed set of SMEV 3 operations, their SOAPAction values and the
//! names of their request and response elements (brief §1.3).

use crate::version::Version;

/// One operation of the message-exchange service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Send a request to a provider.
    SendRequest,
    /// Send a response to a received request.
    SendResponse,
    /// Take the next request from our inbound queue.
    GetRequest,
    /// Take the next response (or SMEV status) from our inbound queue.
    GetResponse,
    /// Confirm that a received message was taken.
    Ack,
    /// Take the next asynchronous status of our responses.
    GetStatus,
    /// Read queue lengths (1.1 and 1.2 only).
    GetIncomingQueueStatistics,
}

// === impl Operation ===

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 7] = [
        Operation::SendRequest,
        Operation::SendResponse,
        Operation::GetRequest,
        Operation::GetResponse,
        Operation::Ack,
        Operation::GetStatus,
        Operation::GetIncomingQueueStatistics,
    ];

    /// The operation name, e.g. `"SendRequest"`.
    pub fn name(self) -> &'static str {
        match self {
            Operation::SendRequest => "SendRequest",
            Operation::SendResponse => "SendResponse",
            Operation::GetRequest => "GetRequest",
            Operation::GetResponse => "GetResponse",
            Operation::Ack => "Ack",
            Operation::GetStatus => "GetStatus",
            Operation::GetIncomingQueueStatistics => "GetIncomingQueueStatistics",
        }
    }

    /// The `SOAPAction` header value, `urn:<Operation>` (unquoted).
    pub fn soap_action(self) -> &'static str {
        match self {
            Operation::SendRequest => "urn:SendRequest",
            Operation::SendResponse => "urn:SendResponse",
            Operation::GetRequest => "urn:GetRequest",
            Operation::GetResponse => "urn:GetResponse",
            Operation::Ack => "urn:Ack",
            Operation::GetStatus => "urn:GetStatus",
            Operation::GetIncomingQueueStatistics => "urn:GetIncomingQueueStatistics",
        }
    }

    /// The local name of the request element in the types namespace.
    pub fn request_element(self) -> &'static str {
        match self {
            Operation::SendRequest => "SendRequestRequest",
            Operation::SendResponse => "SendResponseRequest",
            Operation::GetRequest => "GetRequestRequest",
            Operation::GetResponse => "GetResponseRequest",
            Operation::Ack => "AckRequest",
            Operation::GetStatus => "GetStatusRequest",
            Operation::GetIncomingQueueStatistics => "GetIncomingQueueStatisticsRequest",
        }
    }

    /// The local name of the response element in the types namespace.
    pub fn response_element(self) -> &'static str {
        match self {
            Operation::SendRequest => "SendRequestResponse",
            Operation::SendResponse => "SendResponseResponse",
            Operation::GetRequest => "GetRequestResponse",
            Operation::GetResponse => "GetResponseResponse",
            Operation::Ack => "AckResponse",
            Operation::GetStatus => "GetStatusResponse",
            Operation::GetIncomingQueueStatistics => "GetIncomingQueueStatisticsResponse",
        }
    }

    /// The operation whose request element is `local` in `version`.
    pub fn from_request_element(local: &str, version: Version) -> Option<Operation> {
        Operation::ALL
            .into_iter()
            .find(|op| op.request_element() == local && op.exists_in(version))
    }

    /// The operation whose response element is `local` in `version`.
    pub fn from_response_element(local: &str, version: Version) -> Option<Operation> {
        Operation::ALL
            .into_iter()
            .find(|op| op.response_element() == local && op.exists_in(version))
    }

    /// The operation named by a `SOAPAction` header value; surrounding
    /// double quotes (allowed by SOAP 1.1) are ignored.
    pub fn from_soap_action(action: &str) -> Option<Operation> {
        let action = action.trim();
        let action = action
            .strip_prefix('"')
            .and_then(|a| a.strip_suffix('"'))
            .unwrap_or(action);
        Operation::ALL
            .into_iter()
            .find(|op| op.soap_action() == action)
    }

    /// Whether `version` defines this operation (1.3 dropped
    /// `GetIncomingQueueStatistics`).
    pub fn exists_in(self, version: Version) -> bool {
        !(self == Operation::GetIncomingQueueStatistics && version == Version::V1_3)
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn soap_action_quoted_or_bare_names_operation() {
        for op in Operation::ALL {
            assert_eq!(Operation::from_soap_action(op.soap_action()), Some(op));
            let quoted = format!("\"{}\"", op.soap_action());
            assert_eq!(Operation::from_soap_action(&quoted), Some(op));
        }
        assert_eq!(Operation::from_soap_action("urn:Cancel"), None);
    }

    #[test]
    fn queue_statistics_in_1_3_is_unknown() {
        let local = "GetIncomingQueueStatisticsRequest";
        assert_eq!(Operation::from_request_element(local, Version::V1_3), None);
        assert_eq!(
            Operation::from_request_element(local, Version::V1_2),
            Some(Operation::GetIncomingQueueStatistics)
        );
    }
}
