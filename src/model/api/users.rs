//! Users (agents, assistants, admins) and autologin.

use super::tenancy::Package;
use super::types::{CompanyRef, EmailAddress, Name, UserRef};
use super::{Language, NamedRef};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a user may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Schedules meetings for itself and holds video calls.
    Agent,
    /// Schedules meetings for agents and assistant_video users of its sites; no calls.
    Assistant,
    /// An assistant that also holds video calls.
    AssistantVideo,
    /// Manages the company.
    Admin,
}

impl Role {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Assistant => "assistant",
            Role::AssistantVideo => "assistant_video",
            Role::Admin => "admin",
        }
    }

    /// From the stored form.
    pub fn from_stored(s: &str) -> Option<Role> {
        Some(match s {
            "agent" => Role::Agent,
            "assistant" => Role::Assistant,
            "assistant_video" => Role::AssistantVideo,
            "admin" => Role::Admin,
            _ => return None,
        })
    }

    /// Does this role hold video calls?
    pub fn takes_calls(self) -> bool {
        matches!(self, Role::Agent | Role::AssistantVideo)
    }
}

/// The only entity type users hang under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UserEntityType {
    /// A company.
    Company,
}

/// The company a new user belongs to.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserEntityInput {
    /// `company`.
    #[serde(rename = "type")]
    pub entity_type: UserEntityType,
    /// The company's id.
    pub id: CompanyRef,
}

/// `POST /management/users`. Without a password the user gets an e-mail with a link to set one.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserInput {
    /// First name.
    pub first_name: Name,
    /// Last name.
    pub last_name: Name,
    /// E-mail address (unique).
    pub email: EmailAddress,
    /// Password: 8 to 128 characters, one lower case letter, one upper case letter, one digit.
    #[schema(pattern = r"^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9]).{8,128}$")]
    #[serde(default)]
    pub password: Option<String>,
    /// Photo: a base64-encoded PNG or JPEG of at most 512 KiB.
    #[schema(
        pattern = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$"
    )]
    #[serde(default)]
    pub photo: Option<String>,
    /// Language of the user's e-mails and console.
    pub locale: Language,
    /// Role (cannot change later).
    pub role: Role,
    /// The company.
    pub entity: UserEntityInput,
}

/// `PUT /management/users/{id}`: the whole user again (the role may be repeated, not changed).
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPut {
    /// First name.
    pub first_name: Name,
    /// Last name.
    pub last_name: Name,
    /// E-mail address (unique).
    pub email: EmailAddress,
    /// A new password (same policy as on creation); leave out to keep the current one.
    #[schema(pattern = r"^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9]).{8,128}$")]
    #[serde(default)]
    pub password: Option<String>,
    /// Photo (base64 PNG or JPEG); leave out to remove it.
    #[schema(
        pattern = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$"
    )]
    #[serde(default)]
    pub photo: Option<String>,
    /// Language.
    pub locale: Language,
    /// The user's current role, if repeated; any other role is refused.
    #[serde(default)]
    pub role: Option<Role>,
}

/// `PATCH /management/users/{id}`: any of the fields.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// First name.
    #[serde(default)]
    pub first_name: Option<Name>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<Name>,
    /// E-mail address (unique).
    #[serde(default)]
    pub email: Option<EmailAddress>,
    /// A new password.
    #[schema(pattern = r"^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9]).{8,128}$")]
    #[serde(default)]
    pub password: Option<String>,
    /// A new photo (base64 PNG or JPEG).
    #[schema(
        pattern = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$"
    )]
    #[serde(default)]
    pub photo: Option<String>,
    /// Language.
    #[serde(default)]
    pub locale: Option<Language>,
    /// The user's current role, if repeated; any other role is refused.
    #[serde(default)]
    pub role: Option<Role>,
    /// Suspend or reinstate.
    #[serde(default)]
    pub suspended: Option<bool>,
}

/// The company of a user.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct UserEntity {
    /// `company`.
    #[serde(rename = "type")]
    pub entity_type: UserEntityType,
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its package (left out where a user is shown inside a site).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<Package>,
}

/// A user.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct User {
    /// Its id.
    pub id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Full name.
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Where the photo is served, if there is one.
    pub photo: Option<String>,
    /// Language.
    pub locale: Language,
    /// Role.
    pub role: Role,
    /// When it was created.
    #[serde(with = "super::instant")]
    pub created_at: DateTime<Utc>,
    /// The sites it works on (left out where a user is shown inside a site).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sites: Option<Vec<NamedRef>>,
    /// Its company.
    pub entity: UserEntity,
    /// Suspended users cannot log in.
    pub suspended: bool,
}

/// The product an autologin link opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Product {
    /// WeSeeDo Personal: the agent console.
    Personal,
}

/// `POST /management/autologin`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AutologinInput {
    /// The user to log in (an agent, assistant or assistant_video).
    pub agent: UserRef,
    /// `personal`.
    pub product: Product,
}

/// A single-use login link, valid for a few minutes.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct AutologinResult {
    /// Redirect the user here.
    pub url: String,
}
