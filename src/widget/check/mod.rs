//! The hardware test (`/check`), linked from invitations when the site enables it: the
//! customer sees their camera and learns whether camera and microphone work, before the day,
//! without joining anything.

use crate::widget::call::view::SelfView;
use crate::widget::media::{self, MediaProblem};
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::MediaStream;

/// What the test found.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    /// Asking the browser.
    Checking,
    /// Opened: whether a camera and a microphone are among the tracks.
    Works { camera: bool, microphone: bool },
    /// Could not open.
    Failed(MediaProblem),
}

/// The hardware-test page.
#[component]
pub fn DeviceCheck() -> impl IntoView {
    let stream = RwSignal::new_local(None::<MediaStream>);
    let outcome = RwSignal::new(Outcome::Checking);
    let run = move || {
        outcome.set(Outcome::Checking);
        spawn_local(async move {
            match media::open_camera_and_microphone().await {
                Ok(s) => {
                    outcome.set(Outcome::Works {
                        camera: media::has(&s, "video"),
                        microphone: media::has(&s, "audio"),
                    });
                    stream.set(Some(s));
                }
                Err(p) => outcome.set(Outcome::Failed(p)),
            }
        });
    };
    run();
    on_cleanup(move || {
        if let Some(s) = stream.get_untracked() {
            media::stop(&s);
        }
    });
    let result = move || match outcome.get() {
        Outcome::Checking => {
            view! { <p role="status">"Asking your browser for the camera and microphone…"</p> }
                .into_any()
        }
        Outcome::Works { camera, microphone } => {
            let line = match (camera, microphone) {
                (true, true) => "Your camera and microphone work. You are ready for your video consultation.",
                (true, false) => "Your camera works, but no microphone was found. Connect one (or a headset) before your appointment.",
                (false, true) => "Your microphone works, but no camera was found. You can still talk; connect a camera to be seen.",
                (false, false) => "No camera or microphone was found.",
            };
            view! { <p role="status" class="status" data-check-result=if camera && microphone { "ok" } else { "partial" }>{line}</p> }
                .into_any()
        }
        Outcome::Failed(problem) => view! {
            <div class="media-problem" role="alert" data-check-result="failed">
                <h2>{problem.title()}</h2>
                <p>{problem.guidance()}</p>
                <button type="button" on:click=move |_| run()>"Try again"</button>
            </div>
        }
        .into_any(),
    };
    view! {
        <main class="consult check">
            <h1>"Test your camera and microphone"</h1>
            <p class="hint">"Nothing is recorded or sent: this page only shows your own camera."</p>
            {result}
            <div class="waiting-room"><SelfView stream/></div>
        </main>
    }
}
