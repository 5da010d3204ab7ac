//! An appointment's pre-call page (`/client-web/schedule/pre-call/summary?reference=…&token=…`),
//! the link in the claimant's (or interpreter's) invitation: when and with whom, what to
//! prepare, a camera and microphone test, and the way into the waiting room once it opens
//! (a while before the start). The room's name comes from the server only then: the link
//! alone opens nothing early, and a reference without its token opens nothing at all.

use crate::model::appointment::{Attendee, PreCall, Status};
use crate::model::i18n::fill;
use crate::model::meeting::Role;
use crate::model::{AppError, ErrorCode};
use crate::server_fns::precall::pre_call_summary;
use crate::widget::call::view::SelfView;
use crate::widget::media::{self, MediaProblem};
use crate::widget::waiting_room::{countdown, Entry, JoinPage};
use crate::widget::{dom, host};
use leptos::prelude::*;
use leptos::task::spawn_local;
use web_sys::MediaStream;

/// The device test's outcome.
#[derive(Clone, Debug, PartialEq)]
enum Test {
    /// Not run.
    Idle,
    /// Asking the browser.
    Asking,
    /// Opened: camera, microphone found.
    Works(bool, bool),
    /// Could not open.
    Failed(MediaProblem),
}

/// The pre-call page of the link's `token`.
#[component]
pub fn PreCallPage(
    /// The link's `token` (checked by the server).
    token: String,
) -> impl IntoView {
    let summary = RwSignal::new(None::<Result<PreCall, AppError>>);
    let entered = RwSignal::new(false);
    let test = RwSignal::new(Test::Idle);
    let stream = RwSignal::new_local(None::<MediaStream>);
    let now = RwSignal::new(dom::now_ms());
    let token = StoredValue::new(token);
    // Load, then (until the way in opens) tick for the countdown and ask again once it is due.
    spawn_local(async move {
        loop {
            let answer = pre_call_summary(token.get_value()).await;
            let opens = answer
                .as_ref()
                .ok()
                .filter(|s| s.room.is_none() && s.status == Status::Scheduled)
                .map(|s| s.opens_at.timestamp_millis());
            summary.set(Some(answer));
            let Some(opens) = opens else { break };
            while dom::now_ms() < opens + 500 {
                dom::sleep(1000).await;
                now.set(dom::now_ms());
            }
        }
    });
    on_cleanup(move || {
        if let Some(s) = stream.get_untracked() {
            media::stop(&s);
        }
    });
    let lang = move || {
        let given = dom::query_param("lang");
        let own = summary.with(|s| {
            s.as_ref()
                .and_then(|s| s.as_ref().ok())
                .map(|s| s.locale.clone())
        });
        dom::page_lang(given.or(own))
    };
    let run_test = move || {
        let allowed = summary.with_untracked(|s| {
            s.as_ref().and_then(|s| s.as_ref().ok()).map(|s| {
                let f = &s.features;
                (f.audio(Role::Guest), f.camera(Role::Guest))
            })
        });
        let (audio, video) = allowed.unwrap_or((true, true));
        test.set(Test::Asking);
        spawn_local(async move {
            match media::open_allowed(audio, video).await {
                Ok(s) => {
                    let (cam, mic) = s
                        .as_ref()
                        .map(|s| (media::has(s, "video"), media::has(s, "audio")))
                        .unwrap_or_default();
                    if let Some(old) = stream.get_untracked() {
                        media::stop(&old);
                    }
                    stream.set(s);
                    test.set(Test::Works(cam, mic));
                }
                Err(p) => test.set(Test::Failed(p)),
            }
        });
    };
    let enter = move |_| {
        // The call opens the devices itself (held to the call's switches).
        if let Some(s) = stream.get_untracked() {
            media::stop(&s);
        }
        stream.set(None);
        entered.set(true);
    };
    host::bridge().post(&crate::model::embed::EmbedMessage::Ready {
        version: crate::model::embed::EMBED_PROTOCOL_VERSION,
        view: "pre-call".into(),
    });

    move || {
        let t = lang().texts();
        match summary.get() {
            None => view! {
                <main class="consult precall"><p role="status">{t.room_checking()}</p></main>
            }
            .into_any(),
            Some(Err(e)) => {
                let title = match e.code {
                    ErrorCode::Expired => t.fail_ended(),
                    ErrorCode::NotFound => t.fail_link(),
                    _ => t.fail_other(),
                };
                view! {
                    <main class="consult precall">
                        <section class="failed">
                            <h1>{title}</h1>
                            <p role="alert">{e.message.clone()}</p>
                        </section>
                    </main>
                }
                .into_any()
            }
            Some(Ok(s)) if entered.get() && s.room.is_some() => {
                let entry = Entry::Room {
                    name: s.room.clone().unwrap_or_default(),
                    key: None,
                };
                view! { <JoinPage entry name=s.name.clone() token=token.get_value()/> }.into_any()
            }
            Some(Ok(s)) => summary_view(&s, t, lang, now, test, stream, run_test, enter),
        }
    }
}

/// The page before entering: the appointment, what to prepare, the test, the way in.
#[allow(clippy::too_many_arguments)]
fn summary_view(
    s: &PreCall,
    t: &'static crate::model::i18n::Texts,
    lang: impl Fn() -> crate::model::i18n::Lang + Copy + Send + Sync + 'static,
    now: RwSignal<i64>,
    test: RwSignal<Test>,
    stream: RwSignal<Option<MediaStream>, LocalStorage>,
    run_test: impl Fn() + Copy + 'static,
    enter: impl Fn(web_sys::MouseEvent) + Copy + 'static,
) -> AnyView {
    let zone = dom::visitor_time_zone();
    let ms = s.starts_at.timestamp_millis();
    let with = match &s.agent {
        Some(agent) => fill(
            t.precall_with(),
            &[("agent", agent), ("company", &s.company)],
        ),
        None => fill(t.precall_with_company(), &[("company", &s.company)]),
    };
    let when = fill(
        t.precall_when(),
        &[
            ("day", &dom::day_label(ms, &zone, t.lang())),
            ("time", &dom::time_label(ms, &zone)),
            ("zone", &zone),
            ("minutes", &s.duration_minutes.to_string()),
        ],
    );
    let f = s.features.clone();
    let interpreter = s
        .interpreter_language
        .clone()
        .filter(|_| s.attendee == Attendee::Claimant)
        .map(|l| fill(t.precall_interpreter(), &[("language", &l)]));
    let opens = s.opens_at.timestamp_millis();
    let camera_allowed = f.camera(Role::Guest);
    let way_in = if s.room.is_some() {
        view! {
            <button type="button" class="primary" data-action="enter-waiting-room" on:click=enter>
                {t.precall_enter()}
            </button>
        }
        .into_any()
    } else if s.status == Status::Completed {
        view! { <p class="status" role="status">{t.precall_done()}</p> }.into_any()
    } else {
        view! {
            <p class="status" role="status" data-opens>
                {move || fill(t.precall_opens(), &[
                    ("time", &dom::time_label(opens, &dom::visitor_time_zone())),
                    ("countdown", &countdown(opens - now.get())),
                ])}
            </p>
        }
        .into_any()
    };
    let result = move || match test.get() {
        Test::Idle => None,
        Test::Asking => Some(view! { <p role="status">{t.check_asking()}</p> }.into_any()),
        Test::Works(camera, microphone) => {
            let line = match (camera, microphone) {
                // No camera asked for: the microphone is all there is to test.
                (false, true) if !camera_allowed => t.precall_mic_works(),
                (true, true) => t.check_ok(),
                (true, false) => t.check_camera_only(),
                (false, true) => t.check_microphone_only(),
                (false, false) => t.check_none(),
            };
            Some(
                view! { <p role="status" class="status" data-check-result="ok">{line}</p> }
                    .into_any(),
            )
        }
        Test::Failed(p) => {
            let l = lang();
            Some(
                view! {
                    <div class="media-problem" role="alert" data-check-result="failed">
                        <h2>{p.title_in(l)}</h2>
                        <p>{p.guidance_in(l)}</p>
                    </div>
                }
                .into_any(),
            )
        }
    };
    view! {
        <main class="consult precall" data-status=s.status.as_str()>
            <header class="meeting">
                <h1>{t.precall_title()}</h1>
                <p data-with>{with}</p>
                <p data-when>{when}</p>
                <p>{fill(t.precall_reference(), &[("reference", &s.reference)])}</p>
                {interpreter.map(|i| view! { <p>{i}</p> })}
            </header>
            <section class="prepare" aria-labelledby="prepare-title">
                <h2 id="prepare-title">{t.precall_prepare()}</h2>
                <ul>
                    <li>{t.precall_quiet()}</li>
                    <li>{t.precall_documents()}</li>
                    <li>{t.precall_devices()}</li>
                    {(!f.camera(Role::Guest)).then(|| view! { <li data-camera-off>{t.precall_camera_off()}</li> })}
                    {(!f.microphone).then(|| view! { <li>{t.precall_mic_off()}</li> })}
                    {(f.blur && f.camera(Role::Guest)).then(|| view! { <li>{t.precall_blur()}</li> })}
                </ul>
            </section>
            <section class="device-test waiting-room" aria-label=t.precall_test()>
                {move || stream.with(|s| s.is_some()).then(|| view! { <SelfView stream texts=t/> })}
                {result}
                <button type="button" data-action="test-devices" on:click=move |_| run_test()>
                    {t.precall_test()}
                </button>
            </section>
            <section class="way-in">{way_in}</section>
        </main>
    }
    .into_any()
}
