//! Every bad field of a submitted form, each with a Russian message for the
//! person who filled it in (the REST edge turns them into a problem+json
//! body).

/// One bad field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name as the form spells it (`inn`, `ip_allow[2]`).
    pub field: String,
    /// What is wrong, in Russian, for the user.
    pub message: String,
}

/// All bad fields of one form, in the order they were checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors {
    errors: Vec<FieldError>,
}

// === impl FieldErrors ===

impl FieldErrors {
    /// No errors yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `field` is bad because of `message`.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Adds every error of `other`.
    pub fn extend(&mut self, other: FieldErrors) {
        self.errors.extend(other.errors);
    }

    /// Whether every field was good.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The bad fields, in check order.
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// The names of the bad fields, in check order.
    pub fn fields(&self) -> Vec<&str> {
        self.errors.iter().map(|e| e.field.as_str()).collect()
    }

    /// The message for `field`, if it is bad.
    pub fn message(&self, field: &str) -> Option<&str> {
        let found = self.errors.iter().find(|e| e.field == field);
        found.map(|e| e.message.as_str())
    }

    /// `Ok(value)` when no field was bad, these errors otherwise.
    ///
    /// # Errors
    /// `self` when it holds at least one error.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, FieldErrors> {
        match self.is_empty() {
            true => Ok(value()),
            false => Err(self),
        }
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields = self.fields().join(", ");
        write!(f, "invalid fields: {fields}")
    }
}

impl std::error::Error for FieldErrors {}
