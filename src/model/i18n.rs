//! The widget's words in English and Dutch.
//!
//! Every text is a field of [`Texts`], and there is one `Texts` value per language: a string
//! added for one language and forgotten for the other does not compile. Texts with a value in
//! them carry `{name}` placeholders, filled by [`fill`].

use serde::{Deserialize, Serialize};

/// A language the widget speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English (the default).
    #[default]
    En,
    /// Dutch.
    Nl,
}

impl Lang {
    /// The language of a BCP 47 tag (`nl`, `nl-BE`, `en-US`, …); `None` for any other.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "nl" => Some(Lang::Nl),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The first language of a preference list that we speak (the host page's attribute
    /// first, then the browser's languages), else English.
    pub fn choose<'a>(preferences: impl IntoIterator<Item = &'a str>) -> Lang {
        preferences
            .into_iter()
            .find_map(Lang::from_tag)
            .unwrap_or_default()
    }

    /// Two-letter code, as stored and sent (`en`, `nl`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Nl => "nl",
        }
    }

    /// The locale dates and times are formatted in.
    pub fn locale(self) -> &'static str {
        match self {
            Lang::En => "en-GB",
            Lang::Nl => "nl-NL",
        }
    }

    /// The words in this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &Texts(Lang::En),
            Lang::Nl => &Texts(Lang::Nl),
        }
    }
}

/// Replace each `{key}` in `template` by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (key, value) in values {
        out = out.replace(&format!("{{{key}}}"), value);
    }
    out
}

/// Defines [`Words`] (every text, one field each) and, for each text, a method of
/// [`Texts`] reading it in that language. The methods read `EN.name` or `NL.name` of a
/// `const`, so a build holds only the texts its own code reads: the booking frame does
/// not carry the console's words.
macro_rules! texts {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// Every text of the widget, in one language.
        #[derive(Debug)]
        pub struct Words {
            $($(#[$doc])* pub $name: &'static str,)*
        }

        impl Texts {
            $($(#[$doc])* pub fn $name(&self) -> &'static str {
                match self.0 {
                    Lang::En => EN.$name,
                    Lang::Nl => NL.$name,
                }
            })*
        }
    };
}

/// The words in one language, read one at a time (`t.heading()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Texts(Lang);

impl Texts {
    /// The language these words are in (dates are written in it too).
    pub fn lang(&self) -> Lang {
        self.0
    }
}

texts! {
    /// Page heading.
    heading,
    /// Legend of the time picker.
    choose_time,
    /// Label of the agent selector.
    agent_label,
    /// The agent selector's "anyone" choice.
    agent_any,
    /// Label of the time-zone selector.
    zone_label,
    /// Note under the picker; `{zone}`.
    zone_note,
    /// Button to the previous month.
    previous_month,
    /// Button to the next month.
    next_month,
    /// How to use the calendar by keyboard.
    calendar_help,
    /// A day with one free time; `{day}`.
    day_one_free,
    /// A day with several free times; `{day}`, `{n}`.
    day_many_free,
    /// A day without free times; `{day}`.
    day_none_free,
    /// Heading over a day's times; `{day}`.
    times_on,
    /// Before a day is chosen.
    choose_day_first,
    /// Name of one time button; `{day}`, `{from}`, `{to}`, `{zone}`.
    slot_name,
    /// Name field.
    name,
    /// E-mail field.
    email,
    /// Phone field.
    phone,
    /// Hint under the phone field; `{example}`.
    phone_hint,
    /// Hint under a field the website filled in and locked.
    locked_hint,
    /// Note field.
    note,
    /// Consent checkbox, before the link.
    consent_before,
    /// The link to the privacy statement.
    consent_link,
    /// Consent checkbox, after the link.
    consent_after,
    /// Consent checkbox when the site has no privacy statement.
    consent_plain,
    /// The submit button.
    submit,
    /// The submit button while booking.
    submitting,
    /// Summary: one field to correct.
    fix_one,
    /// Summary: several fields to correct; `{n}`.
    fix_many,
    /// No time chosen.
    error_starts_at,
    /// Bad name.
    error_name,
    /// Bad e-mail address.
    error_email,
    /// Bad phone number.
    error_phone,
    /// Note too long.
    error_note,
    /// Consent not given.
    error_consent,
    /// The server refused the time (closed, too soon, no longer offered).
    time_refused,
    /// Someone else took the time.
    slot_taken,
    /// The booking limit was reached ({minutes}: when to try again).
    booking_too_many,
    /// The booking limit of this e-mail address or phone number was reached.
    booking_too_many_contact,
    /// The host page may not take bookings.
    origin_not_allowed,
    /// Any other refusal; `{reason}`.
    booking_failed,
    /// While slots load.
    loading,
    /// No free times at all.
    no_slots,
    /// Unknown site.
    unknown_site,
    /// The host page may not show the form.
    not_allowed_here,
    /// Slots could not be loaded; `{reason}`.
    load_failed,
    /// Confirmation heading.
    booked_title,
    /// Confirmation line; `{when}`, `{agent}`.
    booked_when,
    /// A time in the confirmation; `{day}`, `{time}`, `{zone}`.
    when,
    /// Before the join link.
    at_that_time,
    /// The join link.
    open_room,
    /// The calendar file link.
    add_to_calendar,
    /// Under the join link.
    link_is_yours,
    /// The confirmation's link to the change-or-cancel page.
    manage_link,
    /// Heading of the change-or-cancel page.
    manage_heading,
    /// Heading: move the appointment.
    move_title,
    /// Button: move to the chosen time.
    move_button,
    /// The button while moving.
    moving,
    /// After moving; `{when}`.
    moved,
    /// Heading: cancel the appointment.
    cancel_title,
    /// Button: cancel (first step).
    cancel_button,
    /// The question before cancelling; `{when}`.
    cancel_confirm,
    /// Button: yes, cancel.
    cancel_yes,
    /// Button: no, keep it.
    cancel_no,
    /// The appointment is cancelled.
    cancelled,
    /// The appointment has begun or is over.
    past,
    /// The link is not valid.
    invalid_link,
    /// Any other failure; `{reason}`.
    change_failed,
    /// Hardware test: heading.
    check_title,
    /// Hardware test: nothing leaves the device.
    check_hint,
    /// Hardware test: asking the browser.
    check_asking,
    /// Hardware test: both work.
    check_ok,
    /// Hardware test: camera only.
    check_camera_only,
    /// Hardware test: microphone only.
    check_microphone_only,
    /// Hardware test: neither.
    check_none,
    /// Button: try again.
    try_again,
    /// Name of one's own camera picture.
    self_label,
    /// Caption of one's own camera picture.
    self_caption,
    /// Heading of the device check.
    setup_title,
    /// Label of the camera list.
    setup_camera,
    /// Label of the microphone list.
    setup_microphone,
    /// Label of the microphone level meter.
    setup_level,
    /// Label of the speaker list.
    setup_speaker,
    /// The test sound button.
    setup_test_sound,
    /// After the test sound started.
    setup_sound_playing,
    /// When the test sound cannot play.
    setup_sound_failed,
    /// Connection check running.
    conn_checking,
    /// Server and relay reachable.
    conn_ok,
    /// Server reachable, no relay configured.
    conn_direct,
    /// Relay unreachable.
    conn_no_relay,
    /// Server unreachable.
    conn_unreachable,
    /// Join page: checking the link.
    room_checking,
    /// Join page: opening devices.
    room_starting,
    /// Join page: before the room opens ({countdown}, {time}).
    room_opens,
    /// Waiting, the host is there ({host}).
    room_host_here,
    /// Waiting, the host is not there yet ({host}).
    room_host_away,
    /// Waiting where the host sees a camera picture ({host}).
    room_previewed,
    /// After leaving.
    room_left,
    /// After the host ended the call ({host}).
    room_ended,
    /// The link was opened elsewhere.
    room_replaced,
    /// The call could not be resumed.
    room_lost,
    /// Waiting while signaling reconnects.
    room_reconnecting,
    /// Sent away with a message ({host}, {message}).
    room_denied_message,
    /// Sent away ({host}).
    room_denied,
    /// Button to knock again.
    room_join_again,
    /// Who lets people into a room of the rooms API (it names no host), at a sentence's start.
    room_the_host,
    /// Label of the name field of a room's page.
    room_name_label,
    /// Button: enter an open room.
    room_enter,
    /// Button: knock on a locked room.
    room_knock,
    /// The name field is empty.
    room_name_needed,
    /// Before entering a room.
    room_ready,
    /// Waiting after knocking on a locked room.
    room_knocked,
    /// Held with a message ({message}).
    room_held,
    /// Held without a message.
    room_held_plain,
    /// Taken out of the call by the host.
    room_removed,
    /// A viewer's page.
    room_viewing,
    /// Button: lock the room.
    call_lock,
    /// Button: unlock the room.
    call_unlock,
    /// The room was locked.
    call_locked,
    /// The room was unlocked.
    call_unlocked,
    /// Button: ask someone waiting to keep waiting.
    lobby_hold,
    /// Button's name ({name}).
    lobby_hold_name,
    /// What someone held is told.
    lobby_hold_message,
    /// Button: take someone out of the call ({name}).
    call_remove_name,
    /// Button (short): take someone out of the call.
    call_remove,
    /// Button (short): ask someone to mute.
    call_ask_mute,
    /// Button: ask someone to mute ({name}).
    call_ask_mute_name,
    /// The host asked me to mute.
    call_mute_asked,
    /// Name of the waiting-room region.
    room_label,
    /// The meeting line ({host}, {day}, {time}, {zone}).
    room_with,
    /// Title: a bad link.
    fail_link,
    /// Title: meeting over or cancelled.
    fail_ended,
    /// Title: the call is full.
    fail_full,
    /// Title: too early.
    fail_early,
    /// Title: anything else.
    fail_other,
    /// Name of the call region.
    call_label,
    /// No one else connected yet.
    call_alone,
    /// Name of the control bar.
    call_controls,
    /// Button.
    call_mute,
    /// Button.
    call_unmute,
    /// Button.
    call_camera_off,
    /// Button.
    call_camera_on,
    /// Button.
    call_share,
    /// Button.
    call_stop_share,
    /// Screen share refused or failed.
    call_share_failed,
    /// Button.
    call_leave,
    /// Host's button.
    call_end_all,
    /// In the call while signaling reconnects.
    call_reconnecting,
    /// The host ended the call.
    call_host_ended,
    /// Someone left ({name}).
    call_peer_left,
    /// A remote video's name ({name}).
    call_video_of,
    /// Badge.
    call_mic_off,
    /// Badge.
    call_cam_off,
    /// After a name.
    call_sharing,
    /// Peer state.
    call_connecting,
    /// Peer state.
    call_peer_reconnecting,
    /// Peer state.
    call_connection_lost,
    /// Quality label.
    quality_unknown,
    /// Quality label.
    quality_good,
    /// Quality label.
    quality_fair,
    /// Quality label.
    quality_poor,
    /// Chat heading.
    chat_title,
    /// Name of the chat log.
    chat_log,
    /// Label of the chat field.
    chat_message,
    /// Button.
    chat_send,
    /// Name of the host's waiting list.
    lobby_label,
    /// Someone waiting ({name}).
    lobby_waiting,
    /// Button.
    lobby_admit,
    /// Button's name ({name}).
    lobby_admit_name,
    /// Button.
    lobby_deny,
    /// Button's name ({name}).
    lobby_deny_name,
    /// Button.
    lobby_admit_all,
    /// A waiting person's camera picture ({name}).
    lobby_picture,
    /// Console heading.
    console_title,
    /// Button.
    console_log_out,
    /// While loading.
    console_loading,
    /// Heading when not logged in.
    console_please_log_in,
    /// Text when not logged in.
    console_log_in_hint,
    /// Link to the login form.
    console_log_in,
    /// The console could not load ({message}).
    console_failed,
    /// Before the agent's name.
    console_logged_in_as,
    /// Heading.
    console_waiting_title,
    /// Button asking for desktop notifications.
    console_notify,
    /// Empty waiting list.
    console_nobody,
    /// Someone new waits ({name}).
    console_announce,
    /// Heading.
    console_meetings_title,
    /// Empty meeting list.
    console_no_meetings,
    /// A meeting without guests.
    console_no_guests,
    /// Button.
    console_open_room,
    /// Button's name ({guests}).
    console_open_room_for,
    /// What a person sent away from the console reads.
    console_deny_message,
    /// After ending a call for everyone.
    console_ended,
    /// The room was opened in another window.
    console_replaced,
    /// Signaling reconnects.
    console_reconnecting,
    /// The schedule form's heading.
    console_schedule_title,
    /// Label of the site picker.
    console_site,
    /// Label of the host picker.
    console_host,
    /// Label of the date.
    console_date,
    /// Label of the start time.
    console_time,
    /// Label of the length.
    console_minutes,
    /// One length, `{n}` minutes.
    console_minutes_option,
    /// Which zone times are in.
    console_zone_note,
    /// Label of the subject.
    console_subject,
    /// Heading of guest `{n}`.
    console_guest_n,
    /// Label of a guest's name.
    console_guest_name,
    /// Label of a guest's e-mail address.
    console_guest_email,
    /// Label of a guest's phone number.
    console_guest_phone,
    /// Adds a second guest.
    console_add_guest,
    /// Removes the second guest.
    console_remove_guest,
    /// Mail the invitations.
    console_send_email,
    /// Submit the schedule form.
    console_schedule_submit,
    /// Announced after scheduling.
    console_scheduled,
    /// Who hosts a meeting the user manages.
    console_hosted_by,
    /// Button that opens the move form.
    console_move,
    /// Accessible name of the move button.
    console_move_label,
    /// Saves the new time.
    console_move_save,
    /// Closes the move form unchanged.
    console_keep,
    /// Announced after a move.
    console_moved,
    /// Button that asks to cancel a meeting.
    console_cancel,
    /// Accessible name of the cancel button.
    console_cancel_label,
    /// The question before cancelling.
    console_cancel_confirm,
    /// Confirms the cancellation.
    console_cancel_yes,
    /// Keeps the meeting.
    console_cancel_no,
    /// Announced after cancelling.
    console_cancelled,
    /// Above a form with errors.
    console_fix,
    /// A guest's name is missing or wrong.
    console_err_name,
    /// A guest's e-mail address is missing or wrong.
    console_err_email,
    /// A guest's phone number is wrong.
    console_err_phone,
    /// The date is missing or wrong.
    console_err_date,
    /// The time is missing, wrong or does not exist.
    console_err_time,
    /// The length is wrong.
    console_err_minutes,
    /// The subject is too long.
    console_err_subject,
    /// The host is not free then.
    console_err_busy,
    /// The login page's title.
    login_title,
    /// Label of the e-mail address.
    login_email,
    /// Label of the password.
    login_password,
    /// The login button.
    login_submit,
    /// Any failed login, whatever the reason.
    login_refused,
    /// Too many tries.
    login_too_many,
    /// Button (short): put someone in the call on hold.
    call_hold,
    /// Button: put someone on hold ({name}).
    call_hold_name,
    /// Put on hold by the host, with a message ({message}).
    call_on_hold,
    /// Put on hold by the host.
    call_on_hold_plain,
    /// The participant list's heading.
    call_people,
    /// Oneself in the participant list.
    call_people_you,
    /// The claimant's background is blurred.
    call_blur_on,
    /// The browser cannot blur the background.
    call_blur_unsupported,
    /// The call ended and the page moves on.
    call_after,
    /// The pre-call page's heading.
    precall_title,
    /// With whom ({agent}, {company}).
    precall_with,
    /// With whom, no agent named yet ({company}).
    precall_with_company,
    /// When ({day}, {time}, {zone}, {minutes}).
    precall_when,
    /// The case reference ({reference}).
    precall_reference,
    /// An interpreter joins ({language}).
    precall_interpreter,
    /// Heading: what to prepare.
    precall_prepare,
    /// Preparation: a quiet place.
    precall_quiet,
    /// Preparation: documents.
    precall_documents,
    /// Preparation: test the devices.
    precall_devices,
    /// The claimant's camera stays off.
    precall_camera_off,
    /// Microphones stay off.
    precall_mic_off,
    /// The background will be blurred where possible.
    precall_blur,
    /// When the way in opens ({time}, {countdown}).
    precall_opens,
    /// Button: go into the waiting room.
    precall_enter,
    /// Button: test the devices.
    precall_test,
    /// The appointment took place.
    precall_done,
    /// The console's appointments heading.
    console_appointments_title,
    /// No appointments to host or take.
    console_no_appointments,
    /// Button: take an appointment and open its call.
    console_take,
    /// Button's name ({name}, {reference}).
    console_take_name,
    /// Button's name: open one's own appointment ({name}, {reference}).
    console_open_appointment_name,
    /// Under an appointment ({reference}, {minutes}).
    console_appointment_meta,
    /// An interpreter joins ({language}).
    console_appointment_interpreter,
    /// Taken by no one yet.
    console_appointment_open,
    /// The test, where the call uses no camera: the microphone works.
    precall_mic_works,
    /// Button (short): take someone aside (breakout).
    call_take_aside,
    /// Button: take someone aside ({name}).
    call_take_aside_name,
    /// Button: end the private talk, everyone back.
    call_bring_back,
    /// In a private talk: the others wait.
    call_aside_on,
    /// The private talk ended.
    call_aside_off,
    /// Waiting while the host talks with someone else privately.
    call_aside_waiting,
    /// Before a recording: who is about to record, and that one may leave.
    rec_telling,
    /// While recording: who records.
    rec_on,
    /// The recording stopped.
    rec_off,
    /// Host's button: start recording.
    rec_start,
    /// Host's button: stop recording.
    rec_stop,
    /// Asked of the host as the call starts (a room set to `prompt`).
    rec_prompt,
    /// Answer to the prompt: not now.
    rec_not_now,
    /// A local recording was saved to this computer.
    rec_saved,
    /// The recording could not be kept (storage full, or refused).
    rec_failed,
}

/// English.
pub const EN: Words = Words {
    heading: "Book a video consultation",
    choose_time: "Choose a time",
    agent_label: "Who would you like to meet?",
    agent_any: "Anyone available",
    zone_label: "Time zone",
    zone_note: "Times are shown in {zone}.",
    previous_month: "Previous month",
    next_month: "Next month",
    calendar_help: "Use the arrow keys to move between days, Page Up and Page Down to change month, Enter to choose a day.",
    day_one_free: "{day}, 1 free time",
    day_many_free: "{day}, {n} free times",
    day_none_free: "{day}, no free times",
    times_on: "Times on {day}",
    choose_day_first: "Choose a day to see its free times.",
    slot_name: "{day}, {from} to {to} ({zone})",
    name: "Your name",
    email: "E-mail address",
    phone: "Phone number (optional)",
    phone_hint: "For example {example}.",
    locked_hint: "Filled in by the website.",
    note: "Anything we should know beforehand? (optional)",
    consent_before: "I agree that my details are used to plan this appointment, as the ",
    consent_link: "privacy statement",
    consent_after: " describes.",
    consent_plain: "I agree that my details are used to plan this appointment.",
    submit: "Book appointment",
    submitting: "Booking…",
    fix_one: "Please correct the marked field.",
    fix_many: "Please correct the {n} marked fields.",
    error_starts_at: "Please choose a day and a time.",
    error_name: "Please enter your name (at most 100 characters).",
    error_email: "Please enter a valid e-mail address, like name@example.com.",
    error_phone: "Please enter a valid phone number, like +31 6 1234 5678.",
    error_note: "Please keep the note under 1000 characters.",
    error_consent: "Please agree to the use of your details, or we cannot plan the appointment.",
    time_refused: "That time can no longer be booked. Please choose another one.",
    slot_taken: "Sorry, someone just booked that time. Please choose another one; the list is up to date again.",
    booking_too_many: "We cannot take more bookings from here right now. Nothing was booked; please try again in about {minutes} minutes.",
    booking_too_many_contact: "This already has as many bookings as we take in one day. Nothing was booked; please try again tomorrow or contact us another way.",
    origin_not_allowed: "This website is not allowed to take bookings for this site. Please contact the website's owner.",
    booking_failed: "Booking failed: {reason}",
    loading: "Loading free times…",
    no_slots: "There are no free times at the moment. Please try again later.",
    unknown_site: "This booking form is not set up correctly (unknown site).",
    not_allowed_here: "This website is not allowed to show this booking form.",
    load_failed: "Free times could not be loaded: {reason}",
    booked_title: "You are booked",
    booked_when: "{when} with {agent}.",
    when: "{day} at {time} ({zone})",
    at_that_time: "At that time, open your personal waiting room:",
    open_room: "Open your waiting room",
    add_to_calendar: "Add to your calendar (.ics)",
    link_is_yours: "This link is yours alone; keep it safe. You will meet in a video call in your browser, nothing to install.",
    manage_link: "Move or cancel this appointment",
    manage_heading: "Your appointment",
    move_title: "Move to another time",
    move_button: "Move my appointment",
    moving: "Moving…",
    moved: "Done: your appointment is now {when}. Everyone has been told.",
    cancel_title: "Cancel",
    cancel_button: "Cancel this appointment",
    cancel_confirm: "Cancel your appointment of {when}? The time becomes free for others and your link stops working.",
    cancel_yes: "Yes, cancel it",
    cancel_no: "No, keep it",
    cancelled: "This appointment is cancelled.",
    past: "This appointment has begun or is over; it can no longer change.",
    invalid_link: "This link is not valid. Please check it, or book a new appointment.",
    change_failed: "That did not work: {reason}",
    check_title: "Test your camera and microphone",
    check_hint: "Nothing is recorded or sent: this page only shows your own camera.",
    check_asking: "Asking your browser for the camera and microphone…",
    check_ok: "Your camera and microphone work. You are ready for your video consultation.",
    check_camera_only: "Your camera works, but no microphone was found. Connect one (or a headset) before your appointment.",
    check_microphone_only: "Your microphone works, but no camera was found. You can still talk; connect a camera to be seen.",
    check_none: "No camera or microphone was found.",
    try_again: "Try again",
    self_label: "Your camera",
    self_caption: "You",
    setup_title: "Check your camera and sound",
    setup_camera: "Choose camera",
    setup_microphone: "Choose microphone",
    setup_level: "Microphone level",
    setup_speaker: "Choose speaker",
    setup_test_sound: "Play a test sound",
    setup_sound_playing: "Playing a test tone. Did you hear it? If not, choose another speaker or turn the volume up.",
    setup_sound_failed: "The test sound could not be played in this browser.",
    conn_checking: "Checking your connection…",
    conn_ok: "Your connection works: the server and the relay can be reached.",
    conn_direct: "The server can be reached. Calls connect directly between you.",
    conn_no_relay: "The server can be reached, but the relay cannot: on this network the call may not connect. Try another network (a phone hotspot, for example) or ask your IT department to allow video calls.",
    conn_unreachable: "The server cannot be reached. Check your internet connection and reload.",
    room_checking: "Checking your link…",
    room_starting: "Starting your camera and microphone…",
    room_opens: "The waiting room opens in {countdown} (at {time}). This page lets you in by itself then; keep it open.",
    room_host_here: "You are in the waiting room. {host} knows you are here and will let you in shortly.",
    room_host_away: "You are in the waiting room. {host} will be told you are here as soon as they arrive.",
    room_previewed: "{host} can see a small picture from your camera while you wait.",
    room_left: "You left the call.",
    room_ended: "{host} ended the call.",
    room_replaced: "You opened this link in another window or device; this window has left the meeting.",
    room_lost: "The connection to the server was lost and your place in the call could not be restored.",
    room_reconnecting: "The connection to the server dropped; reconnecting…",
    room_denied_message: "{host} could not let you in: {message}",
    room_denied: "{host} could not let you in right now.",
    room_join_again: "Join again",
    room_the_host: "The host",
    room_name_label: "Your name",
    room_enter: "Enter the room",
    room_knock: "Knock",
    room_name_needed: "Please enter your name.",
    room_ready: "Check your camera and sound, then enter.",
    room_knocked: "You knocked. Someone will let you in shortly.",
    room_held: "Please wait a moment: {message}",
    room_held_plain: "Please wait a moment: you will be let in shortly.",
    room_removed: "The host took you out of the call.",
    room_viewing: "You watch this call: your camera and microphone stay off.",
    call_lock: "Lock the room",
    call_unlock: "Unlock the room",
    call_locked: "The room is locked: newcomers knock.",
    call_unlocked: "The room is open: newcomers come straight in.",
    lobby_hold: "Ask to wait",
    lobby_hold_name: "Ask {name} to wait",
    lobby_hold_message: "The host will let you in shortly.",
    call_remove_name: "Remove {name} from the call",
    call_remove: "Remove",
    call_ask_mute: "Ask to mute",
    call_ask_mute_name: "Ask {name} to mute",
    call_mute_asked: "The host asked you to mute: your microphone is off.",
    room_label: "Waiting room",
    room_with: "With {host} · {day} at {time} ({zone})",
    fail_link: "This link does not work",
    fail_ended: "This meeting has ended",
    fail_full: "This call is full",
    fail_early: "The waiting room is not open yet",
    fail_other: "Something went wrong",
    call_label: "Video call",
    call_alone: "Waiting for the other side to connect…",
    call_controls: "Call controls",
    call_mute: "Mute microphone",
    call_unmute: "Unmute microphone",
    call_camera_off: "Turn camera off",
    call_camera_on: "Turn camera on",
    call_share: "Share screen",
    call_stop_share: "Stop sharing",
    call_share_failed: "Your screen could not be shared.",
    call_leave: "Leave call",
    call_end_all: "End for everyone",
    call_reconnecting: "The connection to the server dropped; reconnecting. The call goes on.",
    call_host_ended: "The host ended the call.",
    call_peer_left: "{name} left the call.",
    call_video_of: "Video of {name}",
    call_mic_off: "microphone off",
    call_cam_off: "camera off",
    call_sharing: "(sharing their screen)",
    call_connecting: "connecting…",
    call_peer_reconnecting: "reconnecting…",
    call_connection_lost: "connection lost",
    quality_unknown: "Connection: measuring",
    quality_good: "Connection: good",
    quality_fair: "Connection: fair",
    quality_poor: "Connection: poor",
    chat_title: "Chat",
    chat_log: "Chat messages",
    chat_message: "Message",
    chat_send: "Send",
    lobby_label: "Waiting to join",
    lobby_waiting: "{name} is waiting",
    lobby_admit: "Admit",
    lobby_admit_name: "Admit {name}",
    lobby_deny: "Not now",
    lobby_deny_name: "Send {name} away",
    lobby_admit_all: "Admit everyone",
    lobby_picture: "Camera picture of {name}",
    console_title: "Consult console",
    console_log_out: "Log out",
    console_loading: "Loading…",
    console_please_log_in: "Please log in",
    console_log_in_hint: "Log in with your e-mail address and password, or open your personal login link.",
    console_log_in: "Log in",
    console_failed: "The console could not be loaded: {message}",
    console_logged_in_as: "Logged in as",
    console_waiting_title: "Waiting now",
    console_notify: "Notify me on the desktop when someone waits",
    console_nobody: "No one is waiting.",
    console_announce: "{name} is waiting.",
    console_meetings_title: "Your meetings",
    console_no_meetings: "No upcoming meetings.",
    console_no_guests: "no guests",
    console_open_room: "Open room",
    console_open_room_for: "Open the room for the meeting with {guests}",
    console_deny_message: "The agent cannot take your call right now. Please book another time.",
    console_ended: "The call has ended for everyone.",
    console_replaced: "You opened this room in another window; this one has left it.",
    console_reconnecting: "The connection to the server dropped; reconnecting…",
    console_schedule_title: "Schedule a meeting",
    console_site: "Site",
    console_host: "Host",
    console_date: "Date",
    console_time: "Start time",
    console_minutes: "Length",
    console_minutes_option: "{n} minutes",
    console_zone_note: "Times are in your time zone, {zone}.",
    console_subject: "Subject (optional)",
    console_guest_n: "Guest {n}",
    console_guest_name: "Name",
    console_guest_email: "E-mail address",
    console_guest_phone: "Phone (optional, like +31612345678)",
    console_add_guest: "Invite a second guest",
    console_remove_guest: "Remove the second guest",
    console_send_email: "Send the invitations by e-mail",
    console_schedule_submit: "Schedule",
    console_scheduled: "Meeting with {guests} scheduled for {when}.",
    console_hosted_by: "Host: {name}",
    console_move: "Move",
    console_move_label: "Move the meeting with {guests}",
    console_move_save: "Save the new time",
    console_keep: "Keep the time",
    console_moved: "The meeting with {guests} now starts {when}.",
    console_cancel: "Cancel",
    console_cancel_label: "Cancel the meeting with {guests}",
    console_cancel_confirm: "Cancel the meeting with {guests} on {when}? Everyone invited is told.",
    console_cancel_yes: "Yes, cancel the meeting",
    console_cancel_no: "No, keep it",
    console_cancelled: "The meeting with {guests} is cancelled.",
    console_fix: "Please correct the marked fields.",
    console_err_name: "Enter the guest's name.",
    console_err_email: "Enter a valid e-mail address: the invitation goes there.",
    console_err_phone: "Enter a phone number like +31612345678, or leave it empty.",
    console_err_date: "Choose a date.",
    console_err_time: "Enter a start time that exists that day, like 14:30.",
    console_err_minutes: "Choose a length.",
    console_err_subject: "At most 100 characters, on one line.",
    console_err_busy: "The host has another meeting at that time.",
    login_title: "Log in to the console",
    login_email: "E-mail address",
    login_password: "Password",
    login_submit: "Log in",
    login_refused: "The e-mail address or the password is not right.",
    login_too_many: "Too many attempts. Wait a minute, then try again.",
    call_hold: "Put on hold",
    call_hold_name: "Put {name} on hold",
    call_on_hold: "You are on hold: {message}",
    call_on_hold_plain: "You are on hold. You will be brought back into the call shortly.",
    call_people: "In this call",
    call_people_you: "You",
    call_blur_on: "Your background is blurred.",
    call_blur_unsupported: "Your browser cannot blur your background: what is behind you will be visible.",
    call_after: "The call has ended. Taking you to the next page…",
    precall_title: "Your video appointment",
    precall_with: "With {agent} of {company}",
    precall_with_company: "With {company}",
    precall_when: "{day} at {time} ({zone}), {minutes} minutes",
    precall_reference: "Reference: {reference}",
    precall_interpreter: "An interpreter ({language}) joins the call.",
    precall_prepare: "What to prepare",
    precall_quiet: "A quiet, well-lit place where you can talk freely.",
    precall_documents: "Your documents about the case and a form of identification at hand.",
    precall_devices: "Test your camera and microphone below before the appointment.",
    precall_camera_off: "Your camera stays off in this call: only your microphone is used.",
    precall_mic_off: "Microphones stay off in this call.",
    precall_blur: "Your background will be blurred where your browser can.",
    precall_opens: "The waiting room opens at {time}, in {countdown}.",
    precall_enter: "Go to the waiting room",
    precall_test: "Test camera and microphone",
    precall_done: "This appointment has taken place.",
    console_appointments_title: "Appointments",
    console_no_appointments: "No appointments to host or take.",
    console_take: "Take and open",
    console_take_name: "Take the appointment with {name} ({reference}) and open its call",
    console_open_appointment_name: "Open the call with {name} ({reference})",
    console_appointment_meta: "Reference {reference} · {minutes} minutes",
    console_appointment_interpreter: "with an interpreter ({language})",
    console_appointment_open: "Not taken yet",
    precall_mic_works: "Your microphone works.",
    call_take_aside: "Take aside",
    call_take_aside_name: "Take {name} aside",
    call_bring_back: "Bring everyone back",
    call_aside_on: "A private talk: the others wait until they are brought back.",
    call_aside_off: "Everyone is back in the call.",
    call_aside_waiting: "The host is talking with someone else privately. You will be back in the call shortly.",
    rec_telling: "{name} is about to record this call. If you do not agree, leave now.",
    rec_on: "Recording: {name} is recording this call.",
    rec_off: "The recording stopped.",
    rec_start: "Record",
    rec_stop: "Stop recording",
    rec_prompt: "Record this call? Everyone in it is told first.",
    rec_not_now: "Not now",
    rec_saved: "The recording was saved on this computer.",
    rec_failed: "The recording stopped: it could not be stored.",
};

/// Dutch.
pub const NL: Words = Words {
    heading: "Plan een videogesprek",
    choose_time: "Kies een tijd",
    agent_label: "Met wie wilt u spreken?",
    agent_any: "Maakt niet uit",
    zone_label: "Tijdzone",
    zone_note: "Tijden staan in {zone}.",
    previous_month: "Vorige maand",
    next_month: "Volgende maand",
    calendar_help: "Ga met de pijltjestoetsen naar een dag, met Page Up en Page Down naar een andere maand, en kies de dag met Enter.",
    day_one_free: "{day}, 1 vrije tijd",
    day_many_free: "{day}, {n} vrije tijden",
    day_none_free: "{day}, geen vrije tijden",
    times_on: "Tijden op {day}",
    choose_day_first: "Kies een dag om de vrije tijden te zien.",
    slot_name: "{day}, {from} tot {to} ({zone})",
    name: "Uw naam",
    email: "E-mailadres",
    phone: "Telefoonnummer (optioneel)",
    phone_hint: "Bijvoorbeeld {example}.",
    locked_hint: "Ingevuld door de website.",
    note: "Wilt u vooraf iets laten weten? (optioneel)",
    consent_before: "Ik ga akkoord met het gebruik van mijn gegevens om deze afspraak te plannen, zoals de ",
    consent_link: "privacyverklaring",
    consent_after: " beschrijft.",
    consent_plain: "Ik ga akkoord met het gebruik van mijn gegevens om deze afspraak te plannen.",
    submit: "Afspraak maken",
    submitting: "Bezig met plannen…",
    fix_one: "Verbeter het gemarkeerde veld.",
    fix_many: "Verbeter de {n} gemarkeerde velden.",
    error_starts_at: "Kies een dag en een tijd.",
    error_name: "Vul uw naam in (hoogstens 100 tekens).",
    error_email: "Vul een geldig e-mailadres in, zoals naam@voorbeeld.nl.",
    error_phone: "Vul een geldig telefoonnummer in, zoals 06 12345678 of +31 6 12345678.",
    error_note: "Houd de opmerking korter dan 1000 tekens.",
    error_consent: "Ga akkoord met het gebruik van uw gegevens; anders kunnen we de afspraak niet plannen.",
    time_refused: "Die tijd kan niet meer worden geboekt. Kies een andere tijd.",
    slot_taken: "Helaas, iemand anders heeft die tijd net geboekt. Kies een andere tijd; de lijst is weer actueel.",
    booking_too_many: "We kunnen nu geen boekingen meer van hier aannemen. Er is niets geboekt; probeer het over ongeveer {minutes} minuten opnieuw.",
    booking_too_many_contact: "Hiermee zijn vandaag al zoveel afspraken gemaakt als we aannemen. Er is niets geboekt; probeer het morgen opnieuw of neem op een andere manier contact op.",
    origin_not_allowed: "Deze website mag geen afspraken voor deze locatie aannemen. Neem contact op met de eigenaar van de website.",
    booking_failed: "Plannen is mislukt: {reason}",
    loading: "Vrije tijden laden…",
    no_slots: "Er zijn op dit moment geen vrije tijden. Probeer het later opnieuw.",
    unknown_site: "Dit afsprakenformulier is niet goed ingesteld (onbekende locatie).",
    not_allowed_here: "Deze website mag dit afsprakenformulier niet tonen.",
    load_failed: "De vrije tijden konden niet worden geladen: {reason}",
    booked_title: "Uw afspraak staat",
    booked_when: "{when} met {agent}.",
    when: "{day} om {time} ({zone})",
    at_that_time: "Open op dat moment uw persoonlijke wachtkamer:",
    open_room: "Open uw wachtkamer",
    add_to_calendar: "Zet in uw agenda (.ics)",
    link_is_yours: "Deze link is alleen voor u; bewaar hem goed. U spreekt elkaar in een videogesprek in uw browser, zonder iets te installeren.",
    manage_link: "Deze afspraak verzetten of annuleren",
    manage_heading: "Uw afspraak",
    move_title: "Naar een andere tijd verzetten",
    move_button: "Verzet mijn afspraak",
    moving: "Bezig met verzetten…",
    moved: "Gelukt: uw afspraak is nu {when}. Iedereen is op de hoogte gebracht.",
    cancel_title: "Annuleren",
    cancel_button: "Deze afspraak annuleren",
    cancel_confirm: "Uw afspraak van {when} annuleren? De tijd komt vrij voor anderen en uw link werkt dan niet meer.",
    cancel_yes: "Ja, annuleren",
    cancel_no: "Nee, behouden",
    cancelled: "Deze afspraak is geannuleerd.",
    past: "Deze afspraak is begonnen of voorbij en kan niet meer veranderen.",
    invalid_link: "Deze link is niet geldig. Controleer hem, of maak een nieuwe afspraak.",
    change_failed: "Dat is niet gelukt: {reason}",
    check_title: "Test uw camera en microfoon",
    check_hint: "Er wordt niets opgenomen of verstuurd: deze pagina toont alleen uw eigen camera.",
    check_asking: "Uw browser wordt om de camera en microfoon gevraagd…",
    check_ok: "Uw camera en microfoon werken. U bent klaar voor uw videogesprek.",
    check_camera_only: "Uw camera werkt, maar er is geen microfoon gevonden. Sluit er een aan (of een headset) voor uw afspraak.",
    check_microphone_only: "Uw microfoon werkt, maar er is geen camera gevonden. U kunt wel praten; sluit een camera aan om gezien te worden.",
    check_none: "Er is geen camera of microfoon gevonden.",
    try_again: "Opnieuw proberen",
    self_label: "Uw camera",
    self_caption: "U",
    setup_title: "Controleer uw camera en geluid",
    setup_camera: "Camera kiezen",
    setup_microphone: "Microfoon kiezen",
    setup_level: "Microfoonniveau",
    setup_speaker: "Luidspreker kiezen",
    setup_test_sound: "Testgeluid afspelen",
    setup_sound_playing: "Er klinkt een testtoon. Hoorde u die? Zo niet, kies een andere luidspreker of zet het volume hoger.",
    setup_sound_failed: "Het testgeluid kon in deze browser niet worden afgespeeld.",
    conn_checking: "Uw verbinding wordt gecontroleerd…",
    conn_ok: "Uw verbinding werkt: de server en de relay zijn bereikbaar.",
    conn_direct: "De server is bereikbaar. Gesprekken verbinden rechtstreeks tussen u beiden.",
    conn_no_relay: "De server is bereikbaar, maar de relay niet: op dit netwerk komt het gesprek mogelijk niet tot stand. Probeer een ander netwerk (bijvoorbeeld een hotspot op uw telefoon) of vraag uw IT-afdeling videogesprekken toe te staan.",
    conn_unreachable: "De server is niet bereikbaar. Controleer uw internetverbinding en laad de pagina opnieuw.",
    room_checking: "Uw link wordt gecontroleerd…",
    room_starting: "Uw camera en microfoon worden gestart…",
    room_opens: "De wachtkamer gaat open over {countdown} (om {time}). Deze pagina laat u dan vanzelf binnen; houd haar open.",
    room_host_here: "U bent in de wachtkamer. {host} weet dat u er bent en laat u zo binnen.",
    room_host_away: "U bent in de wachtkamer. Zodra {host} er is, krijgt die bericht dat u er bent.",
    room_previewed: "{host} ziet een klein beeld van uw camera terwijl u wacht.",
    room_left: "U heeft het gesprek verlaten.",
    room_ended: "{host} heeft het gesprek beëindigd.",
    room_replaced: "U heeft deze link in een ander venster of op een ander apparaat geopend; dit venster heeft het gesprek verlaten.",
    room_lost: "De verbinding met de server is verbroken en uw plaats in het gesprek kon niet worden hersteld.",
    room_reconnecting: "De verbinding met de server is weggevallen; opnieuw verbinden…",
    room_denied_message: "{host} kon u niet binnenlaten: {message}",
    room_denied: "{host} kon u nu niet binnenlaten.",
    room_join_again: "Opnieuw deelnemen",
    room_the_host: "De gastheer",
    room_name_label: "Uw naam",
    room_enter: "Naar binnen",
    room_knock: "Aankloppen",
    room_name_needed: "Vul uw naam in.",
    room_ready: "Controleer uw camera en geluid en ga dan naar binnen.",
    room_knocked: "U heeft aangeklopt. U wordt zo binnengelaten.",
    room_held: "Een ogenblik geduld: {message}",
    room_held_plain: "Een ogenblik geduld: u wordt zo binnengelaten.",
    room_removed: "De gastheer heeft u uit het gesprek gehaald.",
    room_viewing: "U kijkt mee: uw camera en microfoon blijven uit.",
    call_lock: "Kamer op slot",
    call_unlock: "Kamer van het slot",
    call_locked: "De kamer is op slot: nieuwkomers kloppen aan.",
    call_unlocked: "De kamer is open: nieuwkomers komen direct binnen.",
    lobby_hold: "Laten wachten",
    lobby_hold_name: "{name} laten wachten",
    lobby_hold_message: "De gastheer laat u zo binnen.",
    call_remove_name: "{name} uit het gesprek halen",
    call_remove: "Verwijderen",
    call_ask_mute: "Vragen te dempen",
    call_ask_mute_name: "{name} vragen het geluid uit te zetten",
    call_mute_asked: "De gastheer vroeg u het geluid uit te zetten: uw microfoon staat uit.",
    room_label: "Wachtkamer",
    room_with: "Met {host} · {day} om {time} ({zone})",
    fail_link: "Deze link werkt niet",
    fail_ended: "Dit gesprek is afgelopen",
    fail_full: "Dit gesprek is vol",
    fail_early: "De wachtkamer is nog niet open",
    fail_other: "Er ging iets mis",
    call_label: "Videogesprek",
    call_alone: "Wachten tot de andere kant verbinding maakt…",
    call_controls: "Gespreksknoppen",
    call_mute: "Microfoon uitzetten",
    call_unmute: "Microfoon aanzetten",
    call_camera_off: "Camera uitzetten",
    call_camera_on: "Camera aanzetten",
    call_share: "Scherm delen",
    call_stop_share: "Stoppen met delen",
    call_share_failed: "Uw scherm kon niet worden gedeeld.",
    call_leave: "Gesprek verlaten",
    call_end_all: "Voor iedereen beëindigen",
    call_reconnecting: "De verbinding met de server is weggevallen; opnieuw verbinden. Het gesprek gaat door.",
    call_host_ended: "De gespreksleider heeft het gesprek beëindigd.",
    call_peer_left: "{name} heeft het gesprek verlaten.",
    call_video_of: "Video van {name}",
    call_mic_off: "microfoon uit",
    call_cam_off: "camera uit",
    call_sharing: "(deelt het scherm)",
    call_connecting: "verbinden…",
    call_peer_reconnecting: "opnieuw verbinden…",
    call_connection_lost: "verbinding verbroken",
    quality_unknown: "Verbinding: wordt gemeten",
    quality_good: "Verbinding: goed",
    quality_fair: "Verbinding: matig",
    quality_poor: "Verbinding: slecht",
    chat_title: "Berichten",
    chat_log: "Chatberichten",
    chat_message: "Bericht",
    chat_send: "Versturen",
    lobby_label: "Wachtend om binnen te komen",
    lobby_waiting: "{name} wacht",
    lobby_admit: "Binnenlaten",
    lobby_admit_name: "{name} binnenlaten",
    lobby_deny: "Nu niet",
    lobby_deny_name: "{name} wegsturen",
    lobby_admit_all: "Iedereen binnenlaten",
    lobby_picture: "Camerabeeld van {name}",
    console_title: "Consult-console voor medewerkers",
    console_log_out: "Uitloggen",
    console_loading: "Laden…",
    console_please_log_in: "Log eerst in",
    console_log_in_hint: "Log in met uw e-mailadres en wachtwoord, of open uw persoonlijke inloglink.",
    console_log_in: "Inloggen",
    console_failed: "De console kon niet worden geladen: {message}",
    console_logged_in_as: "Ingelogd als",
    console_waiting_title: "Nu in de wachtkamer",
    console_notify: "Geef een melding op het bureaublad als iemand wacht",
    console_nobody: "Er wacht niemand.",
    console_announce: "{name} wacht.",
    console_meetings_title: "Uw afspraken",
    console_no_meetings: "Geen komende afspraken.",
    console_no_guests: "geen gasten",
    console_open_room: "Kamer openen",
    console_open_room_for: "Open de kamer voor de afspraak met {guests}",
    console_deny_message: "De medewerker kan uw gesprek nu niet aannemen. Maak alstublieft een nieuwe afspraak.",
    console_ended: "Het gesprek is voor iedereen beëindigd.",
    console_replaced: "U heeft deze kamer in een ander venster geopend; dit venster heeft haar verlaten.",
    console_reconnecting: "De verbinding met de server is weggevallen; opnieuw verbinden…",
    console_schedule_title: "Afspraak inplannen",
    console_site: "Website",
    console_host: "Medewerker",
    console_date: "Datum",
    console_time: "Begintijd",
    console_minutes: "Duur",
    console_minutes_option: "{n} minuten",
    console_zone_note: "Tijden staan in uw tijdzone, {zone}.",
    console_subject: "Onderwerp (optioneel)",
    console_guest_n: "Gast {n}",
    console_guest_name: "Naam",
    console_guest_email: "E-mailadres",
    console_guest_phone: "Telefoon (optioneel, bijvoorbeeld +31612345678)",
    console_add_guest: "Een tweede gast uitnodigen",
    console_remove_guest: "De tweede gast verwijderen",
    console_send_email: "Uitnodigingen per e-mail versturen",
    console_schedule_submit: "Inplannen",
    console_scheduled: "Afspraak met {guests} ingepland op {when}.",
    console_hosted_by: "Medewerker: {name}",
    console_move: "Verplaatsen",
    console_move_label: "Verplaats de afspraak met {guests}",
    console_move_save: "Nieuwe tijd opslaan",
    console_keep: "Tijd behouden",
    console_moved: "De afspraak met {guests} begint nu {when}.",
    console_cancel: "Annuleren",
    console_cancel_label: "Annuleer de afspraak met {guests}",
    console_cancel_confirm: "De afspraak met {guests} op {when} annuleren? Alle genodigden krijgen bericht.",
    console_cancel_yes: "Ja, afspraak annuleren",
    console_cancel_no: "Nee, behouden",
    console_cancelled: "De afspraak met {guests} is geannuleerd.",
    console_fix: "Verbeter de gemarkeerde velden.",
    console_err_name: "Vul de naam van de gast in.",
    console_err_email: "Vul een geldig e-mailadres in: de uitnodiging gaat daarheen.",
    console_err_phone: "Vul een telefoonnummer in zoals +31612345678, of laat het leeg.",
    console_err_date: "Kies een datum.",
    console_err_time: "Vul een begintijd in die op die dag bestaat, bijvoorbeeld 14:30.",
    console_err_minutes: "Kies een duur.",
    console_err_subject: "Hooguit 100 tekens, op één regel.",
    console_err_busy: "De medewerker heeft dan al een andere afspraak.",
    login_title: "Inloggen op de console",
    login_email: "E-mailadres",
    login_password: "Wachtwoord",
    login_submit: "Inloggen",
    login_refused: "Het e-mailadres of het wachtwoord klopt niet.",
    login_too_many: "Te veel pogingen. Wacht een minuut en probeer het dan opnieuw.",
    call_hold: "In de wacht",
    call_hold_name: "Zet {name} in de wacht",
    call_on_hold: "U staat in de wacht: {message}",
    call_on_hold_plain: "U staat in de wacht. U komt zo terug in het gesprek.",
    call_people: "In dit gesprek",
    call_people_you: "U",
    call_blur_on: "Uw achtergrond is vervaagd.",
    call_blur_unsupported: "Uw browser kan uw achtergrond niet vervagen: wat achter u is, blijft zichtbaar.",
    call_after: "Het gesprek is beëindigd. U gaat naar de volgende pagina…",
    precall_title: "Uw video-afspraak",
    precall_with: "Met {agent} van {company}",
    precall_with_company: "Met {company}",
    precall_when: "{day} om {time} ({zone}), {minutes} minuten",
    precall_reference: "Referentie: {reference}",
    precall_interpreter: "Er neemt een tolk ({language}) deel aan het gesprek.",
    precall_prepare: "Wat u kunt voorbereiden",
    precall_quiet: "Een rustige, goed verlichte plek waar u vrijuit kunt praten.",
    precall_documents: "Uw documenten over de zaak en een identiteitsbewijs bij de hand.",
    precall_devices: "Test hieronder vóór de afspraak uw camera en microfoon.",
    precall_camera_off: "Uw camera blijft uit in dit gesprek: alleen uw microfoon wordt gebruikt.",
    precall_mic_off: "Microfoons blijven uit in dit gesprek.",
    precall_blur: "Uw achtergrond wordt vervaagd als uw browser dat kan.",
    precall_opens: "De wachtkamer gaat open om {time}, over {countdown}.",
    precall_enter: "Naar de wachtkamer",
    precall_test: "Camera en microfoon testen",
    precall_done: "Deze afspraak heeft plaatsgevonden.",
    console_appointments_title: "Video-afspraken",
    console_no_appointments: "Geen afspraken om te voeren of over te nemen.",
    console_take: "Overnemen en openen",
    console_take_name: "Neem de afspraak met {name} ({reference}) over en open het gesprek",
    console_open_appointment_name: "Open het gesprek met {name} ({reference})",
    console_appointment_meta: "Referentie {reference} · {minutes} minuten",
    console_appointment_interpreter: "met een tolk ({language})",
    console_appointment_open: "Nog niet overgenomen",
    precall_mic_works: "Uw microfoon werkt.",
    call_take_aside: "Apart nemen",
    call_take_aside_name: "Neem {name} apart",
    call_bring_back: "Iedereen terughalen",
    call_aside_on: "Een apart gesprek: de anderen wachten tot ze worden teruggehaald.",
    call_aside_off: "Iedereen is terug in het gesprek.",
    call_aside_waiting: "De gastheer spreekt even apart met iemand anders. U komt zo terug in het gesprek.",
    rec_telling: "{name} gaat dit gesprek opnemen. Gaat u niet akkoord, verlaat het gesprek dan nu.",
    rec_on: "Opname: {name} neemt dit gesprek op.",
    rec_off: "De opname is gestopt.",
    rec_start: "Opnemen",
    rec_stop: "Opname stoppen",
    rec_prompt: "Dit gesprek opnemen? Iedereen krijgt dat eerst te zien.",
    rec_not_now: "Nu niet",
    rec_saved: "De opname is op deze computer bewaard.",
    rec_failed: "De opname is gestopt: ze kon niet worden bewaard.",
};

#[cfg(test)]
mod tests {
    use super::*;

    /// Every text as (field, value), read through Debug so that a new field is covered
    /// without editing this test.
    fn entries(t: &Words) -> Vec<(String, String)> {
        let debug = format!("{t:#?}");
        debug
            .lines()
            .filter_map(|l| {
                let (k, v) = l.trim().split_once(": ")?;
                Some((
                    k.to_string(),
                    v.trim_end_matches(',').trim_matches('"').to_string(),
                ))
            })
            .collect()
    }

    #[test]
    fn languages_are_chosen_from_tags_in_order() {
        assert_eq!(Lang::choose(["nl-BE", "en"]), Lang::Nl);
        assert_eq!(Lang::choose(["de", "EN_us"]), Lang::En);
        assert_eq!(Lang::choose(["de", "fr"]), Lang::En);
        assert_eq!(Lang::choose([""]), Lang::En);
        assert_eq!(Lang::from_tag("NL"), Some(Lang::Nl));
        assert_eq!(Lang::from_tag("nld"), None);
    }

    #[test]
    fn every_text_is_written_in_both_languages_with_the_same_placeholders() {
        let en = entries(&EN);
        let nl = entries(&NL);
        assert!(en.len() > 40, "{}", en.len());
        assert_eq!(en.len(), nl.len());
        let placeholders = |s: &str| {
            let mut found: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(k, _)| k.to_string()))
                .collect();
            found.sort();
            found
        };
        for ((key, en), (_, nl)) in en.iter().zip(&nl) {
            assert!(
                !en.trim().is_empty() && !nl.trim().is_empty(),
                "{key} is empty"
            );
            assert_eq!(placeholders(en), placeholders(nl), "{key}");
        }
        // Dutch is really Dutch: only names and symbols may read the same.
        let same: Vec<_> = en
            .iter()
            .zip(&nl)
            .filter(|((_, e), (_, n))| e == n)
            .map(|((k, _), _)| k.clone())
            .collect();
        assert!(same.is_empty(), "untranslated: {same:?}");
    }

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            fill(
                EN.day_many_free,
                &[("day", "Tuesday 24 November"), ("n", "3")]
            ),
            "Tuesday 24 November, 3 free times"
        );
    }
}
