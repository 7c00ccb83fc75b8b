//! What the node's registry knows, checked where a cabinet form names it:
//! a client's bound ИС, a user's or client's allowed services (each a
//! service name or a ВС namespace, as `may_use_service` matches them), a
//! point's service. The domain forms cannot check these themselves (no
//! registry in `cabinet`), so the edge adds them to the form's own errors
//! and answers every bad field at once.

use cabinet::FieldErrors;

use crate::problem::ApiError;
use crate::state::ApiState;

/// Refuses a form whose own validation said `own` (its errors, if any) or
/// whose references the registry does not know; `Ok` when both are clean.
///
/// # Errors
/// [`ApiError::Invalid`] naming every bad field.
pub fn refuse_unknown(
    state: &ApiState,
    own: Option<FieldErrors>,
    system: Option<&str>,
    services: &[String],
) -> Result<(), ApiError> {
    let mut errors = own.unwrap_or_default();
    let registry = state.node().registry();
    if let Some(system) = system.filter(|s| !s.is_empty()) {
        if registry.system(system).is_none() {
            errors.push("system", format!("ИС {system} не зарегистрирована на узле"));
        }
    }
    for (i, service) in services.iter().enumerate() {
        let known = registry
            .services()
            .any(|s| s.name == *service || s.namespace == *service);
        if !known {
            let message = "Нет вида сведений с таким названием или пространством имён";
            errors.push(format!("allowed_services[{i}]"), message);
        }
    }
    match errors.is_empty() {
        true => Ok(()),
        false => Err(ApiError::Invalid(errors)),
    }
}
