//! The call's own widget entry point (feature `csr`, wasm32, built by Trunk from `call.html`):
//! the join, room, pre-call, manage and device-check pages, without the booking form or the
//! console (see README, "Bytes over the wire").
#![forbid(unsafe_code)]

fn main() {
    consult::widget::start_call();
}
