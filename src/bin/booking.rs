//! The booking page's own widget entry point (feature `csr`, wasm32, built by Trunk from
//! `booking.html`): the booking form and nothing else, so what a customer's booking frame
//! loads stays small (see README, "Bytes over the wire").
#![forbid(unsafe_code)]

fn main() {
    consult::widget::start_booking();
}
