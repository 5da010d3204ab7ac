//! The services: what Consult does, whoever asks. The adapters (the REST API in `api/`, the
//! widget's server functions in `crate::server_fns`, the console's checks in `console/`, the
//! coming Whereby and appointments APIs) parse, authenticate and translate; the rules live
//! here, once, over the store.

pub mod accounts;
pub mod appointments;
pub mod booking;
pub mod join;
pub mod manage;
pub mod meetings;
pub mod privacy;
pub mod rooms;
