//! The widget: Leptos components that run in the browser (feature `csr`), and the server
//! functions they call, declared beside them (a client stub in `csr`, the handler in `ssr`).
//!
//! One app serves five pages, chosen by path: `/embed/booking?site=…` (the booking form in
//! the embed iframe), `/join/{hash}` (waiting room and call), `/booking/{hash}` (the customer
//! moves or cancels), `/check` (the hardware test) and `/console` (agents).

pub mod booking;
#[cfg(feature = "csr")]
pub mod check;
pub mod console;
pub mod manage;
#[cfg(feature = "csr")]
pub mod precall;
pub mod waiting_room;

#[cfg(feature = "csr")]
pub mod call;
#[cfg(feature = "csr")]
pub mod dom;
#[cfg(feature = "csr")]
pub mod host;
#[cfg(feature = "csr")]
pub mod media;
pub mod quality;
#[cfg(feature = "csr")]
pub mod theme;

/// The pre-call page's path, as the seed's `url` has it.
pub const PRE_CALL_PATH: &str = "/client-web/schedule/pre-call/summary";

/// Which page the path asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `/embed/booking?site=ID`
    Booking {
        /// The site id as given (checked by the server).
        site: String,
    },
    /// `/join/{hash}`
    Join {
        /// The personal join hash.
        hash: String,
    },
    /// `/booking/{hash}`: the customer moves or cancels their appointment.
    Manage {
        /// The personal join hash.
        hash: String,
    },
    /// `/rooms/{name}`: a room of the rooms API (`?roomKey=` for hosts and viewers).
    Room {
        /// The room's name.
        name: String,
    },
    /// `/client-web/schedule/pre-call/summary?token=…`: an appointment's pre-call page.
    PreCall {
        /// The link's token (checked by the server).
        token: String,
    },
    /// `/check`: the hardware test.
    Check,
    /// `/console`
    Console,
    /// Anything else.
    NotFound,
}

impl Route {
    /// Route a path (and the `site` query parameter, for the booking page; `token`, for the
    /// pre-call page).
    pub fn from_path(path: &str, site: Option<String>) -> Route {
        let path = path.trim_end_matches('/');
        if path == PRE_CALL_PATH {
            return Route::PreCall {
                token: site.unwrap_or_default(),
            };
        }
        if path == "/embed/booking" {
            return Route::Booking {
                site: site.unwrap_or_default(),
            };
        }
        if let Some(hash) = path.strip_prefix("/join/") {
            if !hash.is_empty() && !hash.contains('/') {
                return Route::Join {
                    hash: hash.to_string(),
                };
            }
        }
        if let Some(hash) = path.strip_prefix("/booking/") {
            if !hash.is_empty() && !hash.contains('/') {
                return Route::Manage {
                    hash: hash.to_string(),
                };
            }
        }
        if let Some(name) = path.strip_prefix("/rooms/") {
            if !name.is_empty() && !name.contains('/') {
                return Route::Room {
                    name: name.to_string(),
                };
            }
        }
        if path == "/check" {
            return Route::Check;
        }
        if path == "/console" {
            return Route::Console;
        }
        Route::NotFound
    }
}

/// Which of the app's builds a page is mounted by: each page's own entry point, so a page
/// loads only its own code. The full app (`index.html`, bin `consult`) routes every page, the
/// console's included; `booking.html` (bin `booking`) is the booking frame; `call.html` (bin
/// `call`) the join, room, pre-call, manage and device-check pages.
#[cfg(feature = "csr")]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Build {
    /// Every page.
    Full,
    /// The booking form only.
    Booking,
    /// The call's pages (no booking form, no console).
    Call,
}

/// Mount the app for the current page, as the `consult` build (every page).
#[cfg(feature = "csr")]
pub fn start() {
    mount(Build::Full);
}

/// Mount the call's pages (bin `call`).
#[cfg(feature = "csr")]
pub fn start_call() {
    mount(Build::Call);
}

/// Mount the booking form only: the booking page's own entry point (`booking.html`), so a
/// customer's booking frame loads none of the call's or the console's code.
#[cfg(feature = "csr")]
pub fn start_booking() {
    mount(Build::Booking);
}

/// Mount the page the path asks for, as far as this build has it (a page of another build
/// is "not found": the server never sends one build another's pages).
#[cfg(feature = "csr")]
fn mount(build: Build) {
    use leptos::prelude::*;
    console_error_panic_hook::set_once();
    let path = dom::path();
    // The one query parameter a route reads: the booking page's site, the pre-call token.
    let param = if path.trim_end_matches('/') == PRE_CALL_PATH {
        dom::query_param("token")
    } else {
        dom::query_param("site")
    };
    let route = Route::from_path(&path, param);
    host::bridge().observe_height();
    let not_found = || {
        view! {
            <main class="consult">
                <h1>"Page not found"</h1>
                <p>"Check the link you followed."</p>
            </main>
        }
        .into_any()
    };
    match build {
        // Each arm names only the components its build needs: the linker drops the rest.
        Build::Booking => leptos::mount::mount_to_body(move || match route.clone() {
            Route::Booking { site } => view! { <BookingPage site/> }.into_any(),
            _ => not_found(),
        }),
        Build::Call => leptos::mount::mount_to_body(move || match route.clone() {
            Route::Booking { .. } | Route::Console => not_found(),
            other => call_page(other).unwrap_or_else(not_found),
        }),
        Build::Full => leptos::mount::mount_to_body(move || match route.clone() {
            Route::Booking { site } => view! { <BookingPage site/> }.into_any(),
            Route::Console => view! { <console::Console/> }.into_any(),
            other => call_page(other).unwrap_or_else(not_found),
        }),
    }
}

/// The call's pages: join, room, pre-call, manage, device check.
#[cfg(feature = "csr")]
fn call_page(route: Route) -> Option<leptos::prelude::AnyView> {
    use leptos::prelude::*;
    Some(match route {
        Route::Join { hash } => {
            let entry = waiting_room::Entry::Link(hash);
            view! { <waiting_room::JoinPage entry/> }.into_any()
        }
        Route::Room { name } => {
            let entry = waiting_room::Entry::Room {
                name,
                key: dom::query_param("roomKey"),
            };
            view! { <waiting_room::JoinPage entry/> }.into_any()
        }
        Route::Manage { hash } => view! { <manage::ManagePage hash/> }.into_any(),
        Route::PreCall { token } => view! { <precall::PreCallPage token/> }.into_any(),
        Route::Check => view! { <check::DeviceCheck/> }.into_any(),
        _ => return None,
    })
}

#[cfg(feature = "csr")]
#[leptos::component]
fn BookingPage(site: String) -> impl leptos::IntoView {
    use leptos::prelude::*;
    let options = booking::Options::from_query();
    view! { <booking::BookingForm site options/> }
}

#[cfg(test)]
mod tests {
    use super::{Route, PRE_CALL_PATH};

    #[test]
    fn routes() {
        assert_eq!(
            Route::from_path("/embed/booking", Some("abc".into())),
            Route::Booking { site: "abc".into() }
        );
        assert_eq!(
            Route::from_path("/join/xyz", None),
            Route::Join { hash: "xyz".into() }
        );
        assert_eq!(Route::from_path("/join/", None), Route::NotFound);
        assert_eq!(Route::from_path("/join/a/b", None), Route::NotFound);
        assert_eq!(Route::from_path("/console/", None), Route::Console);
        assert_eq!(
            Route::from_path("/booking/xyz", None),
            Route::Manage { hash: "xyz".into() }
        );
        assert_eq!(Route::from_path("/booking/", None), Route::NotFound);
        assert_eq!(Route::from_path("/check", None), Route::Check);
        assert_eq!(
            Route::from_path(PRE_CALL_PATH, Some("tok".into())),
            Route::PreCall {
                token: "tok".into()
            }
        );
        assert_eq!(
            Route::from_path("/rooms/clinic-abc", None),
            Route::Room {
                name: "clinic-abc".into()
            }
        );
        assert_eq!(Route::from_path("/rooms/", None), Route::NotFound);
        assert_eq!(Route::from_path("/other", None), Route::NotFound);
    }
}
