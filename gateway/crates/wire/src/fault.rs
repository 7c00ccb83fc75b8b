//! SOAP faults as SMEV writes them (brief §1.9, CASES B15/B20): the typed
//! fault kinds of the faults namespace, their catalogue texts, the encoder
//! that emits the exact SMEV shape and the reader for faults SMEV sends us.
//!
//! Catalogue codes. SMEV's own list is not public; two codes are known from
//! real traffic and the rest are this gateway's choice, grouped by cause:
//!
//! | code | kinds |
//! |---|---|
//! | `SMEV-100` | signature faults (known from real traffic) |
//! | `SMEV-200` | access and routing: sender, recipient, message type, ack target |
//! | `SMEV-300` | message identity and life: duplicate, bad or stale MessageID, EOL |
//! | `SMEV-403` | content faults: schema, ВС, attachments coordination (known) |
//! | `SMEV-413` | size limits and quotas, full destination queue |
//! | `SMEV-500` | SMEV or gateway failure, SOAP-level faults |

use roxmltree::Node;

use crate::version::{Version, SOAP_ENV};
use crate::writer::XmlWriter;

/// HTTP status of every SOAP 1.1 fault response.
pub const FAULT_HTTP_STATUS: u16 = 500;
/// Content type of every SOAP 1.1 message this crate writes.
pub const SOAP11_CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// A SOAP fault: the typed kind plus the human and locator texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The SOAP `faultcode`.
    pub faultcode: FaultCode,
    /// The Russian human-readable `faultstring`.
    pub faultstring: String,
    /// What went wrong, by fault element.
    pub kind: FaultKind,
    /// `SmevFault/Code`: an internal locator, e.g. `gateway:NODE:SYNC:1`.
    pub code: Option<String>,
    /// `SmevFault/Description`, starting with the catalogue code.
    pub description: Option<String>,
}

/// The SOAP 1.1 `faultcode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultCode {
    /// `soap:VersionMismatch`: the envelope is not SOAP 1.1.
    VersionMismatch,
    /// `soap:MustUnderstand`.
    MustUnderstand,
    /// `soap:Client`: the sender's message is at fault.
    Client,
    /// `soap:Server`: what SMEV uses for every typed fault.
    Server,
}

/// The fault kinds: one per element of the faults namespace, plus the
/// SOAP-level faults that carry no typed detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// SOAP 1.2 (or other) envelope namespace.
    VersionMismatch,
    /// Input that is not a well-formed SOAP 1.1 message.
    Client,
    /// A header entry marked `mustUnderstand` that the node does not obey.
    MustUnderstand,
    /// A failure on our side with no typed detail.
    Server,
    /// No ВС is registered for the payload root QName.
    BusinessDataTypeIsNotSupported {
        /// `RootElementLocalName`.
        local_name: String,
        /// `RootElementNamespaceURI`.
        namespace: String,
    },
    /// The envelope or payload failed XSD validation.
    InvalidContent(Vec<ValidationError>),
    /// The selector names an unknown or foreign message type.
    UnknownMessageType,
    /// Bad `TransactionCode`.
    TransactionCodeInvalid,
    /// Duplicate MessageID (on a resend: already delivered).
    MessageIsAlreadySent,
    /// MessageID is not a UUID v1 string.
    InvalidMessageIdFormat,
    /// MessageID carries an old timestamp.
    StaleMessageId,
    /// Attachment headers and contents do not match.
    AttachmentContentMiscoordination,
    /// Total inline attachment size over the limit.
    AttachmentSizeLimitExceeded {
        /// `PermittedTotalAttachmentSize`, bytes.
        permitted: i64,
        /// `RealTotalAttachmentSize`, bytes.
        real: i64,
    },
    /// Over the sender's storage quota.
    QuoteLimitExceeded {
        /// `RemainedTotalQuoteSize`, bytes.
        remained: i64,
        /// `RealTotalAttachmentSize`, bytes.
        real: i64,
    },
    /// The sender may not send this type to this recipient.
    AccessDenied,
    /// The official may not request this (1.3).
    PersonalAccessDenied,
    /// ЭП-ОВ was rejected.
    SignatureVerification(SignatureFailure),
    /// SMEV infrastructure failure: retry without limit.
    SmevFailure,
    /// A request-type payload sent through SendResponse.
    IncorrectResponseContentType,
    /// `To` matches no recipient.
    RecipientIsNotFound,
    /// Unknown sender.
    SenderIsNotRegistered,
    /// The request to cancel is unknown.
    RequestIsNotFound,
    /// Ack for a message that is not pending.
    TargetMessageIsNotFound,
    /// The recipient queue is full: keep retrying.
    DestinationOverflow {
        /// `MessageBrokerAddress`.
        broker: String,
        /// `DestinationName`.
        destination: String,
    },
    /// EOL has passed.
    EndOfLifeReached,
    /// A detail element this gateway does not know (read side only; the
    /// encoder writes it as a fault without detail).
    Other {
        /// Local name of the detail element.
        element: String,
    },
}

/// The values of the nested `SignatureVerificationFault` enumeration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureFailure {
    /// No `soap:Header` in the envelope.
    PoorSoapEnvelopeFormat,
    /// No ЭП-ОВ in the message.
    NoSignatureFound,
    /// ЭП-ОВ signs the wrong element.
    IncorrectSignatureTarget,
    /// Bad XMLDSig structure, digest or signature value.
    SignatureIsInvalid,
    /// The signer's certificate is not registered.
    CertificateIsNotFound,
    /// The signer's certificate has expired.
    CertificateIsExpired,
}

/// One `ValidationError` of an `InvalidContent` fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationError {
    /// The validator's message.
    pub message: String,
    /// `@errorPosition` (`-1` when unknown, as SMEV writes it).
    pub position: i32,
}

/// What a client should do after a fault (CASES B20).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Send the same message again later.
    Retry,
    /// Do not resend: the message must change or a human must act.
    GiveUp,
    /// A resend hit `MessageIsAlreadySent`: the first send went through.
    Delivered,
}

// === impl Fault ===

impl Fault {
    /// A fault of `kind` with the catalogue faultstring and description
    /// and no locator code.
    pub fn new(kind: FaultKind) -> Fault {
        let text = kind.catalogue_text();
        let description = kind.catalogue_code().map(|code| format!("{code}:{text}"));
        Fault {
            faultcode: kind.faultcode(),
            faultstring: text.to_owned(),
            kind,
            code: None,
            description,
        }
    }

    /// The fault for a failed signature check.
    pub fn signature(failure: SignatureFailure) -> Fault {
        Fault::new(FaultKind::SignatureVerification(failure))
    }

    /// Sets the locator `Code`.
    pub fn with_code(mut self, code: impl Into<String>) -> Fault {
        self.code = Some(code.into());
        self
    }

    /// Replaces the human text, keeping the catalogue prefix in
    /// `Description` (e.g. a certificate expiry date).
    pub fn with_text(mut self, text: impl Into<String>) -> Fault {
        let text = text.into();
        self.description = self
            .kind
            .catalogue_code()
            .map(|code| format!("{code}:{text}"));
        self.faultstring = text;
        self
    }

    /// The HTTP status to send this fault with.
    pub fn http_status(&self) -> u16 {
        FAULT_HTTP_STATUS
    }

    /// The content type to send this fault with.
    pub fn content_type(&self) -> &'static str {
        SOAP11_CONTENT_TYPE
    }

    /// Whether a client should resend after this fault; `resent` says
    /// whether the message that drew it was already a resend.
    pub fn retry(&self, resent: bool) -> RetryDecision {
        match &self.kind {
            FaultKind::SmevFailure
            | FaultKind::DestinationOverflow { .. }
            | FaultKind::EndOfLifeReached
            | FaultKind::Server => RetryDecision::Retry,
            FaultKind::MessageIsAlreadySent if resent => RetryDecision::Delivered,
            _ => RetryDecision::GiveUp,
        }
    }
}

// === impl FaultCode ===

impl FaultCode {
    /// The local part of the faultcode QName, e.g. `"Server"`.
    pub fn local_name(self) -> &'static str {
        match self {
            FaultCode::VersionMismatch => "VersionMismatch",
            FaultCode::MustUnderstand => "MustUnderstand",
            FaultCode::Client => "Client",
            FaultCode::Server => "Server",
        }
    }

    /// Reads a faultcode QName's local part; dotted refinements such as
    /// `Client.Authentication` count as their base code.
    pub fn from_local_name(local: &str) -> Option<FaultCode> {
        let base = local.split('.').next().unwrap_or(local);
        [
            FaultCode::VersionMismatch,
            FaultCode::MustUnderstand,
            FaultCode::Client,
            FaultCode::Server,
        ]
        .into_iter()
        .find(|c| c.local_name() == base)
    }
}

// === impl SignatureFailure ===

impl SignatureFailure {
    /// Every value, in schema order.
    pub const ALL: [SignatureFailure; 6] = [
        SignatureFailure::PoorSoapEnvelopeFormat,
        SignatureFailure::NoSignatureFound,
        SignatureFailure::IncorrectSignatureTarget,
        SignatureFailure::SignatureIsInvalid,
        SignatureFailure::CertificateIsNotFound,
        SignatureFailure::CertificateIsExpired,
    ];

    /// The enumeration value on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureFailure::PoorSoapEnvelopeFormat => "PoorSOAPEnvelopeFormat",
            SignatureFailure::NoSignatureFound => "NoSignatureFound",
            SignatureFailure::IncorrectSignatureTarget => "IncorrectSignatureTarget",
            SignatureFailure::SignatureIsInvalid => "SignatureIsInvalid",
            SignatureFailure::CertificateIsNotFound => "CertificateIsNotFound",
            SignatureFailure::CertificateIsExpired => "CertificateIsExpired",
        }
    }

    /// Parses a wire value (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Option<SignatureFailure> {
        let text = text.trim();
        SignatureFailure::ALL
            .into_iter()
            .find(|f| f.as_str() == text)
    }

    fn catalogue_text(self) -> &'static str {
        match self {
            SignatureFailure::PoorSoapEnvelopeFormat => {
                "Недопустимый формат SOAP-конверта: отсутствует soap:Header"
            }
            SignatureFailure::NoSignatureFound => "Отсутствует ЭП-ОВ",
            SignatureFailure::IncorrectSignatureTarget => {
                "ЭП-ОВ подписывает не тот элемент сообщения, который требует спецификация СМЭВ"
            }
            SignatureFailure::SignatureIsInvalid => "ЭП-ОВ не прошла проверку",
            SignatureFailure::CertificateIsNotFound => "Сертификат ЭП-ОВ не найден",
            SignatureFailure::CertificateIsExpired => "Срок действия сертификата ЭП-ОВ истёк",
        }
    }
}

// === impl FaultKind ===

impl FaultKind {
    /// The local name of the detail element in the faults namespace, or
    /// `None` for SOAP-level faults.
    pub fn element_name(&self) -> Option<&str> {
        let name = match self {
            FaultKind::VersionMismatch
            | FaultKind::Client
            | FaultKind::MustUnderstand
            | FaultKind::Server => return None,
            FaultKind::Other { element } => return Some(element),
            FaultKind::BusinessDataTypeIsNotSupported { .. } => "BusinessDataTypeIsNotSupported",
            FaultKind::InvalidContent(_) => "InvalidContent",
            FaultKind::UnknownMessageType => "UnknownMessageType",
            FaultKind::TransactionCodeInvalid => "TransactionCodeInvalid",
            FaultKind::MessageIsAlreadySent => "MessageIsAlreadySent",
            FaultKind::InvalidMessageIdFormat => "InvalidMessageIdFormat",
            FaultKind::StaleMessageId => "StaleMessageId",
            FaultKind::AttachmentContentMiscoordination => "AttachmentContentMiscoordination",
            FaultKind::AttachmentSizeLimitExceeded { .. } => "AttachmentSizeLimitExceeded",
            FaultKind::QuoteLimitExceeded { .. } => "QuoteLimitExceeded",
            FaultKind::AccessDenied => "AccessDenied",
            FaultKind::PersonalAccessDenied => "PersonalAccessDenied",
            FaultKind::SignatureVerification(_) => "SignatureVerificationFault",
            FaultKind::SmevFailure => "SMEVFailure",
            FaultKind::IncorrectResponseContentType => "IncorrectResponseContentType",
            FaultKind::RecipientIsNotFound => "RecipientIsNotFound",
            FaultKind::SenderIsNotRegistered => "SenderIsNotRegistered",
            FaultKind::RequestIsNotFound => "RequestIsNotFound",
            FaultKind::TargetMessageIsNotFound => "TargetMessageIsNotFound",
            FaultKind::DestinationOverflow { .. } => "DestinationOverflow",
            FaultKind::EndOfLifeReached => "EndOfLifeReached",
        };
        Some(name)
    }

    /// Whether the element has type `basic:Void` in `version`, i.e. is
    /// written empty, without `Code` and `Description`.
    pub fn is_void(&self, version: Version) -> bool {
        match self {
            FaultKind::EndOfLifeReached => version != Version::V1_3,
            FaultKind::UnknownMessageType
            | FaultKind::MessageIsAlreadySent
            | FaultKind::InvalidMessageIdFormat
            | FaultKind::StaleMessageId
            | FaultKind::AttachmentContentMiscoordination
            | FaultKind::AccessDenied
            | FaultKind::SmevFailure
            | FaultKind::IncorrectResponseContentType
            | FaultKind::RecipientIsNotFound
            | FaultKind::SenderIsNotRegistered
            | FaultKind::RequestIsNotFound
            | FaultKind::TargetMessageIsNotFound => true,
            _ => false,
        }
    }

    /// The SOAP faultcode SMEV uses for this kind.
    pub fn faultcode(&self) -> FaultCode {
        match self {
            FaultKind::VersionMismatch => FaultCode::VersionMismatch,
            FaultKind::MustUnderstand => FaultCode::MustUnderstand,
            FaultKind::Client => FaultCode::Client,
            _ => FaultCode::Server,
        }
    }

    /// The catalogue code that starts `Description` (see the module docs).
    pub fn catalogue_code(&self) -> Option<&'static str> {
        let code = match self {
            FaultKind::SignatureVerification(_) => "SMEV-100",
            FaultKind::AccessDenied
            | FaultKind::PersonalAccessDenied
            | FaultKind::SenderIsNotRegistered
            | FaultKind::RecipientIsNotFound
            | FaultKind::UnknownMessageType
            | FaultKind::RequestIsNotFound
            | FaultKind::TargetMessageIsNotFound => "SMEV-200",
            FaultKind::MessageIsAlreadySent
            | FaultKind::InvalidMessageIdFormat
            | FaultKind::StaleMessageId
            | FaultKind::EndOfLifeReached => "SMEV-300",
            FaultKind::InvalidContent(_)
            | FaultKind::BusinessDataTypeIsNotSupported { .. }
            | FaultKind::TransactionCodeInvalid
            | FaultKind::IncorrectResponseContentType
            | FaultKind::AttachmentContentMiscoordination
            | FaultKind::Client
            | FaultKind::MustUnderstand
            | FaultKind::VersionMismatch => "SMEV-403",
            FaultKind::AttachmentSizeLimitExceeded { .. }
            | FaultKind::QuoteLimitExceeded { .. }
            | FaultKind::DestinationOverflow { .. } => "SMEV-413",
            FaultKind::SmevFailure | FaultKind::Server => "SMEV-500",
            FaultKind::Other { .. } => return None,
        };
        Some(code)
    }

    /// The Russian catalogue text, used as `faultstring` and after the
    /// catalogue code in `Description`.
    pub fn catalogue_text(&self) -> &'static str {
        match self {
            FaultKind::VersionMismatch => "Неподдерживаемая версия SOAP: ожидается SOAP 1.1",
            FaultKind::Client => "Сообщение не является корректным SOAP-конвертом",
            FaultKind::MustUnderstand => "Заголовок SOAP с mustUnderstand=\"1\" не поддерживается",
            FaultKind::Server => "Внутренняя ошибка СМЭВ",
            FaultKind::BusinessDataTypeIsNotSupported { .. } => {
                "Вид сведений с таким корневым элементом не зарегистрирован в СМЭВ"
            }
            FaultKind::InvalidContent(_) => "Сообщение не соответствует XML-схеме",
            FaultKind::UnknownMessageType => "Тип сообщения не зарегистрирован в СМЭВ",
            FaultKind::TransactionCodeInvalid => "Некорректный код транзакции",
            FaultKind::MessageIsAlreadySent => "Сообщение с таким MessageID уже было отправлено",
            FaultKind::InvalidMessageIdFormat => {
                "Идентификатор сообщения не является UUID версии 1"
            }
            FaultKind::StaleMessageId => {
                "Идентификатор сообщения содержит устаревшую метку времени"
            }
            FaultKind::AttachmentContentMiscoordination => {
                "Заголовки вложений не соответствуют содержимому вложений"
            }
            FaultKind::AttachmentSizeLimitExceeded { .. } => {
                "Суммарный размер вложений превышает допустимый"
            }
            FaultKind::QuoteLimitExceeded { .. } => "Размер вложений превышает оставшуюся квоту",
            FaultKind::AccessDenied => "Отправителю не разрешено направлять сообщения получателю",
            FaultKind::PersonalAccessDenied => "Должностному лицу доступ к сведениям запрещён",
            FaultKind::SignatureVerification(failure) => failure.catalogue_text(),
            FaultKind::SmevFailure => "Сбой в инфраструктуре СМЭВ",
            FaultKind::IncorrectResponseContentType => {
                "Через метод SendResponse передан запрос, а не ответ"
            }
            FaultKind::RecipientIsNotFound => "Получатель ответа не найден",
            FaultKind::SenderIsNotRegistered => "Отправитель не зарегистрирован в СМЭВ",
            FaultKind::RequestIsNotFound => "Запрос не найден",
            FaultKind::TargetMessageIsNotFound => {
                "Неподтверждённое сообщение с таким ID не найдено"
            }
            FaultKind::DestinationOverflow { .. } => "Входящая очередь получателя переполнена",
            FaultKind::EndOfLifeReached => "Истекло время жизни сообщения",
            FaultKind::Other { .. } => "Ошибка СМЭВ",
        }
    }
}

/// Writes a complete SOAP 1.1 fault envelope in SMEV's shape.
///
/// With `version` set, a typed kind gets `detail/ns3:<Kind>` in that
/// version's faults namespace (basic `Code` and `Description`, then the
/// kind's own fields; Void kinds as an empty element). Without a version
/// (the input could not be read far enough to know it) only `faultcode`
/// and `faultstring` are written. Send it with [`Fault::http_status`] and
/// [`Fault::content_type`].
pub fn write_fault(version: Option<Version>, fault: &Fault) -> String {
    let mut w = XmlWriter::new();
    w.open("soap:Envelope", &[("xmlns:soap", SOAP_ENV)]);
    w.open("soap:Body", &[]).open("soap:Fault", &[]);
    let faultcode = format!("soap:{}", fault.faultcode.local_name());
    w.leaf("faultcode", &faultcode);
    w.leaf("faultstring", &fault.faultstring);
    let element = fault
        .kind
        .element_name()
        .filter(|_| fault.kind.catalogue_code().is_some());
    if let (Some(version), Some(element)) = (version, element) {
        let qname = format!("ns3:{element}");
        w.open("detail", &[]);
        let attrs = [
            ("xmlns:ns3", version.faults_ns()),
            ("xmlns:ns2", version.types_ns()),
            ("xmlns", version.basic_ns()),
        ];
        if fault.kind.is_void(version) {
            w.empty(&qname, &attrs);
        } else {
            w.open(&qname, &attrs);
            write_fault_fields(&mut w, fault);
            w.close(&qname);
        }
        w.close("detail");
    }
    w.close("soap:Fault")
        .close("soap:Body")
        .close("soap:Envelope");
    w.finish()
}

/// Writes the content of a `basic:SmevFault` extension: `Code`,
/// `Description` (basic namespace, unprefixed, so the default namespace
/// must be basic) and the kind's own `ns3:` fields.
pub(crate) fn write_fault_fields(w: &mut XmlWriter, fault: &Fault) {
    w.leaf_opt("Code", fault.code.as_deref());
    w.leaf_opt("Description", fault.description.as_deref());
    match &fault.kind {
        FaultKind::BusinessDataTypeIsNotSupported {
            local_name,
            namespace,
        } => {
            w.leaf("ns3:RootElementLocalName", local_name);
            w.leaf("ns3:RootElementNamespaceURI", namespace);
        }
        FaultKind::InvalidContent(errors) => {
            for error in errors {
                let position = error.position.to_string();
                w.open("ns3:ValidationError", &[("errorPosition", &position)]);
                w.text(&error.message).close("ns3:ValidationError");
            }
        }
        FaultKind::AttachmentSizeLimitExceeded { permitted, real } => {
            w.leaf("ns3:PermittedTotalAttachmentSize", &permitted.to_string());
            w.leaf("ns3:RealTotalAttachmentSize", &real.to_string());
        }
        FaultKind::QuoteLimitExceeded { remained, real } => {
            w.leaf("ns3:RemainedTotalQuoteSize", &remained.to_string());
            w.leaf("ns3:RealTotalAttachmentSize", &real.to_string());
        }
        FaultKind::SignatureVerification(failure) => {
            w.leaf("ns3:SignatureVerificationFault", failure.as_str());
        }
        FaultKind::DestinationOverflow {
            broker,
            destination,
        } => {
            w.leaf("ns3:MessageBrokerAddress", broker);
            w.leaf("ns3:DestinationName", destination);
        }
        _ => {}
    }
}

/// Reads a `soap:Fault` element SMEV sent; never fails: missing parts
/// become empty strings or SOAP-level kinds.
pub(crate) fn read_fault(fault: Node<'_, '_>) -> Fault {
    let faultcode_text = local_child_text(fault, "faultcode").unwrap_or_default();
    let local = faultcode_text.rsplit(':').next().unwrap_or_default().trim();
    let faultcode = FaultCode::from_local_name(local).unwrap_or(FaultCode::Server);
    let faultstring = local_child_text(fault, "faultstring").unwrap_or_default();
    let detail = fault
        .children()
        .find(|n| n.is_element() && n.tag_name().name() == "detail")
        .and_then(|d| d.children().find(|n| n.is_element()));
    let (kind, code, description) = match detail {
        Some(element) => read_fault_element(element, element.tag_name().name()),
        None => (soap_level_kind(faultcode), None, None),
    };
    Fault {
        faultcode,
        faultstring,
        kind,
        code,
        description,
    }
}

/// Reads a `SmevFault`-typed element whose kind is `kind_name` (the
/// element name, or the local part of its `xsi:type`).
pub(crate) fn read_fault_element(
    element: Node<'_, '_>,
    kind_name: &str,
) -> (FaultKind, Option<String>, Option<String>) {
    let code = local_child_text(element, "Code");
    let description = local_child_text(element, "Description");
    (read_kind(element, kind_name), code, description)
}

fn read_kind(element: Node<'_, '_>, kind_name: &str) -> FaultKind {
    let text = |name: &str| local_child_text(element, name).unwrap_or_default();
    let number = |name: &str| text(name).trim().parse::<i64>().unwrap_or(0);
    match kind_name {
        "BusinessDataTypeIsNotSupported" => FaultKind::BusinessDataTypeIsNotSupported {
            local_name: text("RootElementLocalName"),
            namespace: text("RootElementNamespaceURI"),
        },
        "InvalidContent" => FaultKind::InvalidContent(read_validation_errors(element)),
        "AttachmentSizeLimitExceeded" => FaultKind::AttachmentSizeLimitExceeded {
            permitted: number("PermittedTotalAttachmentSize"),
            real: number("RealTotalAttachmentSize"),
        },
        "QuoteLimitExceeded" => FaultKind::QuoteLimitExceeded {
            remained: number("RemainedTotalQuoteSize"),
            real: number("RealTotalAttachmentSize"),
        },
        "SignatureVerificationFault" => match SignatureFailure::parse(&text(kind_name)) {
            Some(failure) => FaultKind::SignatureVerification(failure),
            None => FaultKind::Other {
                element: kind_name.to_owned(),
            },
        },
        "DestinationOverflow" => FaultKind::DestinationOverflow {
            broker: text("MessageBrokerAddress"),
            destination: text("DestinationName"),
        },
        other => void_kind(other),
    }
}

fn void_kind(name: &str) -> FaultKind {
    match name {
        "UnknownMessageType" => FaultKind::UnknownMessageType,
        "TransactionCodeInvalid" => FaultKind::TransactionCodeInvalid,
        "MessageIsAlreadySent" => FaultKind::MessageIsAlreadySent,
        "InvalidMessageIdFormat" => FaultKind::InvalidMessageIdFormat,
        "StaleMessageId" => FaultKind::StaleMessageId,
        "AttachmentContentMiscoordination" => FaultKind::AttachmentContentMiscoordination,
        "AccessDenied" => FaultKind::AccessDenied,
        "PersonalAccessDenied" => FaultKind::PersonalAccessDenied,
        "SMEVFailure" => FaultKind::SmevFailure,
        "IncorrectResponseContentType" => FaultKind::IncorrectResponseContentType,
        "RecipientIsNotFound" => FaultKind::RecipientIsNotFound,
        "SenderIsNotRegistered" => FaultKind::SenderIsNotRegistered,
        "RequestIsNotFound" => FaultKind::RequestIsNotFound,
        "TargetMessageIsNotFound" => FaultKind::TargetMessageIsNotFound,
        "EndOfLifeReached" => FaultKind::EndOfLifeReached,
        other => FaultKind::Other {
            element: other.to_owned(),
        },
    }
}

fn read_validation_errors(element: Node<'_, '_>) -> Vec<ValidationError> {
    element
        .children()
        .filter(|n| n.is_element() && n.tag_name().name() == "ValidationError")
        .map(|n| ValidationError {
            message: n.text().unwrap_or_default().to_owned(),
            position: n
                .attribute("errorPosition")
                .and_then(|p| p.trim().parse().ok())
                .unwrap_or(-1),
        })
        .collect()
}

fn soap_level_kind(code: FaultCode) -> FaultKind {
    match code {
        FaultCode::VersionMismatch => FaultKind::VersionMismatch,
        FaultCode::Client => FaultKind::Client,
        FaultCode::MustUnderstand | FaultCode::Server => FaultKind::Server,
    }
}

/// The text of the first child element named `local` in any namespace.
fn local_child_text(node: Node<'_, '_>, local: &str) -> Option<String> {
    node.children()
        .find(|n| n.is_element() && n.tag_name().name() == local)
        .map(|n| n.text().unwrap_or_default().to_owned())
}
