//! From the store's rows to the REST API's wire types (WeSeeDo's shapes). The store knows
//! nothing of them; another API maps the same rows to its own.

use crate::model::api::bookings::FormBooking;
use crate::model::api::oauth::{Client, ClientCreated, ClientEntity};
use crate::model::api::sites::{
    Availability, Site, SpecialDay, DEFAULT_CANCEL_TEXT, DEFAULT_FONT, DEFAULT_HARDWARETEST_TEXT,
    DEFAULT_INVITE_TEXT, DEFAULT_TEXT_COLOR,
};
use crate::model::api::tenancy::{
    Company, CompanySummary, Contact, Dealer, DealerSummary, NotificationContact, Package,
    ResellerSummary,
};
use crate::model::api::users::{User, UserEntity, UserEntityType};
use crate::model::api::{Language, NamedRef};
use crate::model::AppError;
use crate::server::store::{
    ClientRow, CompanyBrief, CompanyRow, ContactRow, DealerBrief, DealerRow, FormBookingRow,
    NewClient, OpeningHours, PackageRow, SiteRecord, UserRow,
};

/// A contact; an entity without one (made outside the API, as the demo's) shows an empty one.
pub fn contact(c: Option<ContactRow>) -> Contact {
    match c {
        Some(c) => Contact {
            id: c.id,
            first_name: c.first_name,
            last_name: c.last_name,
            email: c.email,
            phone: c.phone,
            language: Language::from_stored(&c.language),
        },
        None => Contact {
            id: String::new(),
            first_name: String::new(),
            last_name: String::new(),
            email: String::new(),
            phone: String::new(),
            language: Language::En,
        },
    }
}

impl From<PackageRow> for Package {
    fn from(p: PackageRow) -> Self {
        Package {
            id: p.id,
            name: p.name,
            features: p.features,
        }
    }
}

impl From<DealerBrief> for DealerSummary {
    fn from(d: DealerBrief) -> Self {
        DealerSummary {
            id: d.id,
            name: d.name,
            contact: contact(d.contact),
            notification_contact: d.notification.map(|n| NotificationContact {
                id: n.id,
                email: n.email,
            }),
            suspended: d.suspended,
        }
    }
}

impl From<DealerRow> for Dealer {
    fn from(row: DealerRow) -> Self {
        let d = DealerSummary::from(row.dealer);
        Dealer {
            id: d.id,
            name: d.name,
            contact: d.contact,
            notification_contact: d.notification_contact,
            reseller: ResellerSummary {
                id: row.reseller.id,
                name: row.reseller.name,
                contact: contact(row.reseller.contact),
                suspended: row.reseller.suspended,
            },
            suspended: d.suspended,
        }
    }
}

impl From<CompanyBrief> for CompanySummary {
    fn from(c: CompanyBrief) -> Self {
        CompanySummary {
            id: c.id,
            name: c.name,
            contact: contact(c.contact),
            suspended: c.suspended,
        }
    }
}

impl From<CompanyRow> for Company {
    fn from(row: CompanyRow) -> Self {
        let c = CompanySummary::from(row.company);
        Company {
            id: c.id,
            name: c.name,
            contact: c.contact,
            package: row.package.into(),
            dealer: row.dealer.map(Into::into),
            suspended: c.suspended,
            room_api_points: row.room_api_points,
            retention_days: row.retention_days,
        }
    }
}

/// A user; `base` is the server's public URL (the photo's address).
pub fn user(u: UserRow, base: &str) -> User {
    User {
        name: format!("{} {}", u.first_name, u.last_name),
        photo: u
            .has_photo
            .then(|| format!("{base}/media/users/{}/photo", u.id)),
        first_name: u.first_name,
        last_name: u.last_name,
        email: u.email,
        locale: Language::from_stored(&u.locale),
        role: u.role,
        created_at: u.created_at,
        sites: u.sites.map(|sites| {
            sites
                .into_iter()
                .map(|(id, name)| NamedRef { id, name })
                .collect()
        }),
        entity: UserEntity {
            entity_type: UserEntityType::Company,
            id: u.company.0,
            name: u.company.1,
            package: u.package.map(Into::into),
        },
        suspended: u.suspended,
        id: u.id,
    }
}

/// A site; `base` is the server's public URL (its images' and users' photos' addresses). Texts
/// the site left unset show their defaults. The prefill key is left empty (the caller derives
/// it from the server's key).
pub fn site(s: SiteRecord, base: &str) -> Site {
    let text = |v: Option<String>, default: &str| v.unwrap_or_else(|| default.to_string());
    Site {
        name: s.name,
        company: s.company.into(),
        logo: s
            .has_logo
            .then(|| format!("{base}/media/sites/{}/logo", s.id)),
        waitingroom_background: s
            .has_background
            .then(|| format!("{base}/media/sites/{}/background", s.id)),
        users: s.users.into_iter().map(|u| user(u, base)).collect(),
        videochat_font_type: text(s.font, DEFAULT_FONT),
        videochat_text_color: text(s.text_color, DEFAULT_TEXT_COLOR),
        email_invite_text: text(s.invite_text, DEFAULT_INVITE_TEXT),
        email_cancel_text: text(s.cancel_text, DEFAULT_CANCEL_TEXT),
        email_hardwaretest_text: text(s.hardwaretest_text, DEFAULT_HARDWARETEST_TEXT),
        email_enable_hardwaretest: s.hardwaretest,
        allowed_origins: s.origins,
        availability: Availability {
            time_zone: s.time_zone.clone(),
            slot_minutes: s.slot_minutes,
            buffer_minutes: s.buffer_minutes,
            min_notice_minutes: s.min_notice_minutes,
            horizon_days: s.horizon_days,
            opening_hours: week(&s.opening_hours),
            closed_dates: s.closed_dates,
            // Earliest date first (the map is ordered).
            special_hours: s
                .special_hours
                .into_iter()
                .map(|(date, ranges)| SpecialDay {
                    date: date.to_string(),
                    periods: periods(&ranges),
                })
                .collect(),
        },
        time_zone: s.time_zone,
        privacy_url: s.privacy_url,
        phone_prefix: s.phone_prefix,
        prefill_required: s.prefill_required,
        waiting_preview: s.waiting_preview,
        recording: s.recording,
        prefill_generation: s.prefill_generation,
        id: s.id,
    }
}

impl From<FormBookingRow> for FormBooking {
    fn from(b: FormBookingRow) -> Self {
        FormBooking {
            meeting: b.meeting,
            created_at: b.created_at,
            time_start: b.starts_at,
            status: b.status,
            source: b.source,
        }
    }
}

impl From<ClientRow> for Client {
    fn from(c: ClientRow) -> Self {
        Client {
            client_id: c.client_id,
            name: c.name,
            entity: ClientEntity {
                entity_type: c.entity_type,
                id: c.entity_id,
            },
            created_at: c.created_at,
        }
    }
}

impl From<NewClient> for ClientCreated {
    fn from(c: NewClient) -> Self {
        ClientCreated {
            client_id: c.client_id,
            client_secret: c.client_secret,
            name: c.name,
            entity: ClientEntity {
                entity_type: c.entity_type,
                id: c.entity_id,
            },
        }
    }
}

/// `HH:MM` periods from the API, checked, as minute ranges; errors name
/// `{prefix}[j].from` or `.to`.
pub fn parse_periods(
    prefix: &str,
    periods: &[crate::model::api::sites::Period],
) -> Result<Vec<(u16, u16)>, AppError> {
    use crate::model::api::rules;
    periods
        .iter()
        .enumerate()
        .map(|(j, p)| {
            let at = format!("{prefix}[{j}]");
            let from = rules::clock(&format!("{at}.from"), &p.from)?;
            let to = rules::clock(&format!("{at}.to"), &p.to)?;
            if to <= from {
                return Err(AppError::invalid(&format!("{at}.to"), "must be after from"));
            }
            Ok((from, to))
        })
        .collect()
}

/// Minute ranges as the API shows them, `HH:MM`.
pub fn periods(ranges: &[(u16, u16)]) -> Vec<crate::model::api::sites::Period> {
    let hhmm = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
    ranges
        .iter()
        .map(|&(from, to)| crate::model::api::sites::Period {
            from: hhmm(from),
            to: hhmm(to),
        })
        .collect()
}

/// Opening hours as the API shows them: `HH:MM` periods per named weekday.
pub fn week(hours: &OpeningHours) -> crate::model::api::sites::WeekHours {
    use crate::model::api::sites::WeekHours;
    let day = |i: usize| {
        let mut ranges = hours.0[i].clone();
        ranges.sort();
        periods(&ranges)
    };
    WeekHours {
        monday: day(0),
        tuesday: day(1),
        wednesday: day(2),
        thursday: day(3),
        friday: day(4),
        saturday: day(5),
        sunday: day(6),
    }
}

/// Opening hours from the API's form, checked; errors name the field under `field`.
pub fn opening_hours(
    week: &crate::model::api::sites::WeekHours,
    field: &str,
) -> Result<OpeningHours, AppError> {
    let mut hours: [Vec<(u16, u16)>; 7] = Default::default();
    for (i, (name, periods)) in week.days().into_iter().enumerate() {
        hours[i] = parse_periods(&format!("{field}.{name}"), periods)?;
    }
    let hours = OpeningHours(hours);
    hours.validate().map_err(|e| e.with_field(field))?;
    Ok(hours)
}
