//! The tenancy tree: resellers > dealers > companies (with their package), and contacts.

use super::types::{DealerRef, EmailAddress, Name, PackageRef, PhoneNumber};
use super::Language;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The kinds of entity an API client or user hangs under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EntityType {
    /// A reseller.
    Reseller,
    /// A dealer.
    Dealer,
    /// A company.
    Company,
}

impl EntityType {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Reseller => "reseller",
            EntityType::Dealer => "dealer",
            EntityType::Company => "company",
        }
    }
}

/// A contact person as given.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    /// First name.
    pub first_name: Name,
    /// Last name.
    pub last_name: Name,
    /// E-mail address.
    pub email: EmailAddress,
    /// Phone number, E.164.
    pub phone: PhoneNumber,
    /// Language.
    pub language: Language,
}

/// A contact person.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Contact {
    /// Its id.
    pub id: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail address.
    pub email: String,
    /// Phone number.
    pub phone: String,
    /// Language.
    pub language: Language,
}

/// Where notifications about an entity go, as given.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationContactInput {
    /// E-mail address.
    pub email: EmailAddress,
}

/// Where notifications about an entity go.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct NotificationContact {
    /// Its id.
    pub id: String,
    /// E-mail address.
    pub email: String,
}

/// A reseller, as shown inside a dealer.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ResellerSummary {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its contact (empty fields when none is on file: resellers made by the CLI have none).
    pub contact: Contact,
    /// Suspended entities cannot use the product.
    pub suspended: bool,
}

/// `POST /management/dealers`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealerInput {
    /// Name.
    pub name: Name,
    /// Contact person.
    pub contact: ContactInput,
    /// Where notifications go.
    #[serde(default)]
    pub notification_contact: Option<NotificationContactInput>,
}

/// `PATCH /management/dealers/{id}`: any of the fields.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealerPatch {
    /// Name.
    #[serde(default)]
    pub name: Option<Name>,
    /// Contact person.
    #[serde(default)]
    pub contact: Option<ContactInput>,
    /// Where notifications go.
    #[serde(default)]
    pub notification_contact: Option<NotificationContactInput>,
    /// Suspend or reinstate.
    #[serde(default)]
    pub suspended: Option<bool>,
}

/// A dealer, as shown inside a company.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct DealerSummary {
    /// Its id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Contact person.
    pub contact: Contact,
    /// Where notifications go.
    pub notification_contact: Option<NotificationContact>,
    /// Suspended dealers' companies cannot use the product.
    pub suspended: bool,
}

/// A dealer.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Dealer {
    /// Its id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Contact person.
    pub contact: Contact,
    /// Where notifications go.
    pub notification_contact: Option<NotificationContact>,
    /// The reseller it belongs to.
    pub reseller: ResellerSummary,
    /// Suspended dealers' companies cannot use the product.
    pub suspended: bool,
}

/// A package: the features a company may use.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Package {
    /// Its id.
    pub id: String,
    /// Its name (`premium`, …).
    pub name: String,
    /// Feature names (`multiple_participants`, `weseedo_personal_sms`, …).
    pub features: Vec<String>,
}

/// `POST /management/companies`.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyInput {
    /// Name.
    pub name: Name,
    /// Contact person.
    pub contact: ContactInput,
    /// The package's id.
    pub package: PackageRef,
    /// The dealer it belongs to (a reseller may also hold companies directly; a dealer's
    /// client may leave it out).
    #[serde(default)]
    pub dealer: Option<DealerRef>,
}

/// `PATCH /management/companies/{id}`: any of the fields.
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyPatch {
    /// Name.
    #[serde(default)]
    pub name: Option<Name>,
    /// Contact person.
    #[serde(default)]
    pub contact: Option<ContactInput>,
    /// The package's id.
    #[serde(default)]
    pub package: Option<PackageRef>,
    /// Suspend or reinstate.
    #[serde(default)]
    pub suspended: Option<bool>,
    /// Consult extension: the rooms API budget (`/whereby/v1`), points per minute (a read
    /// costs 1, a delete 2, a write 3). Not for the company itself to change.
    #[serde(default, deserialize_with = "points")]
    #[schema(minimum = 1, maximum = 1000000)]
    pub room_api_points: Option<u32>,
    /// Consult extension: days the personal data of a meeting, appointment or call is kept
    /// after it is over (1 to 3650; 90 by default). Then names, addresses, phone numbers,
    /// notes and recordings are erased; times, agents and counts remain.
    #[serde(default, deserialize_with = "retention")]
    #[schema(minimum = 1, maximum = 3650)]
    pub retention_days: Option<u32>,
}

/// A retention period: a whole number of 1 to 3650 days.
fn retention<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    match Option::<f64>::deserialize(d)? {
        None => Ok(None),
        Some(p) if p.fract() == 0.0 && (1.0..=3650.0).contains(&p) => Ok(Some(p as u32)),
        Some(_) => Err(serde::de::Error::custom(
            "must be a whole number of days from 1 to 3650",
        )),
    }
}

/// A rooms API budget: a whole number of 1 to 1,000,000 points (JSON's `5.0` is 5, as JSON
/// Schema's integers allow).
fn points<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    match Option::<f64>::deserialize(d)? {
        None => Ok(None),
        Some(p) if p.fract() == 0.0 && (1.0..=1_000_000.0).contains(&p) => Ok(Some(p as u32)),
        Some(_) => Err(serde::de::Error::custom(
            "must be a whole number from 1 to 1000000",
        )),
    }
}

/// A company, as shown inside sites, users and meetings.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct CompanySummary {
    /// Its id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Contact person.
    pub contact: Contact,
    /// Suspended companies cannot use the product.
    pub suspended: bool,
}

/// A company.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct Company {
    /// Its id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Contact person.
    pub contact: Contact,
    /// Its package.
    pub package: Package,
    /// Its dealer, if it has one.
    pub dealer: Option<DealerSummary>,
    /// Suspended companies cannot use the product.
    pub suspended: bool,
    /// Consult extension: the rooms API budget (`/whereby/v1`), points per minute.
    pub room_api_points: u32,
    /// Consult extension: days personal data is kept after a meeting, appointment or call
    /// is over.
    pub retention_days: u32,
}
