//! The hardware test (`/check`), linked from invitations when the site enables it: the
//! customer sees their camera and learns whether camera and microphone work, before the day,
//! without joining anything.

use crate::widget::call::devices::DeviceSetup;
use crate::widget::call::view::SelfView;
use crate::widget::dom;
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
    let lang = dom::page_lang(dom::query_param("lang"));
    let t = lang.texts();
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
        Outcome::Checking => view! { <p role="status">{t.check_asking()}</p> }.into_any(),
        Outcome::Works { camera, microphone } => {
            let line = match (camera, microphone) {
                (true, true) => t.check_ok(),
                (true, false) => t.check_camera_only(),
                (false, true) => t.check_microphone_only(),
                (false, false) => t.check_none(),
            };
            view! { <p role="status" class="status" data-check-result=if camera && microphone { "ok" } else { "partial" }>{line}</p> }
                .into_any()
        }
        Outcome::Failed(problem) => view! {
            <div class="media-problem" role="alert" data-check-result="failed">
                <h2>{problem.title_in(lang)}</h2>
                <p>{problem.guidance_in(lang)}</p>
                <button type="button" on:click=move |_| run()>{t.try_again()}</button>
            </div>
        }
        .into_any(),
    };
    view! {
        <main class="consult check">
            <h1>{t.check_title()}</h1>
            <p class="hint">{t.check_hint()}</p>
            {result}
            <div class="waiting-room"><SelfView stream texts=t/></div>
            {move || matches!(outcome.get(), Outcome::Works { .. }).then(|| view! {
                <DeviceSetup stream lang on_stream=std::rc::Rc::new(move |s| stream.set(Some(s)))/>
            })}
        </main>
    }
}
