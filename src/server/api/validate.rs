//! Validation of request bodies: names, addresses, phone numbers and texts are checked while
//! the body is read (`model::api::types`); what remains is checked with the shared rules.

pub use crate::model::api::rules::opt;
