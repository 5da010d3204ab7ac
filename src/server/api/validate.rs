//! Validation of request bodies with the shared rules; the first error names its field.

use crate::model::api::rules;
use crate::model::api::tenancy::{ContactInput, NotificationContactInput};
use crate::model::AppError;

/// Check a contact (`prefix` is the field's path, e.g. `contact`).
pub fn contact(prefix: &str, c: &ContactInput) -> Result<(), AppError> {
    rules::name(&format!("{prefix}.first_name"), &c.first_name)?;
    rules::name(&format!("{prefix}.last_name"), &c.last_name)?;
    rules::email(&format!("{prefix}.email"), &c.email)?;
    rules::phone(&format!("{prefix}.phone"), &c.phone)
}

/// Check a notification contact.
pub fn notification(prefix: &str, c: &NotificationContactInput) -> Result<(), AppError> {
    rules::email(&format!("{prefix}.email"), &c.email)
}

pub use crate::model::api::rules::opt;
