"""A real SMTP server for tests (aiosmtpd): every message received is written to DIR as an
.eml file, and beside it a .json file of what independent readers make of it: Python's MIME
parser for the parts, the icalendar package for calendar attachments.
Usage: smtp_sink.py PORT DIR [REFUSE] [--tls starttls|implicit --cert PEM --key PEM]
[--user USER --password PASSWORD]. Recipients whose address contains REFUSE (when given and not
empty) are refused as a real relay refuses them, the address quoted in the answer.
--tls starttls: STARTTLS offered and required before anything else (as submission servers do);
--tls implicit: TLS from the first byte (SMTPS). --user/--password: AUTH required, and only
over TLS; each successful login's user name is appended to DIR/logins.
Each message's .json also says whether it came over TLS ("tls") and as whom ("login").
Prints "ready" once listening; runs until killed."""
import argparse
import email
import email.policy
import json
import os
import logging
import ssl
import threading
import warnings

import icalendar
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def parsed(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    out = {"to": str(msg["to"]), "subject": str(msg["subject"]), "text": "", "calendars": []}
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain" and not part.get_filename():
            out["text"] += part.get_content()
        elif ctype == "text/calendar":
            cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
            for ev in cal.walk("VEVENT"):
                out["calendars"].append({
                    "filename": part.get_filename(),
                    "method": str(cal.get("METHOD")),
                    "uid": str(ev.get("UID")),
                    "summary": str(ev.get("SUMMARY")),
                    "description": str(ev.get("DESCRIPTION")),
                    "url": str(ev.get("URL")) if ev.get("URL") is not None else None,
                    "status": str(ev.get("STATUS")),
                    "sequence": int(ev.get("SEQUENCE", 0)),
                    "start": ev.decoded("DTSTART").isoformat(),
                    "end": ev.decoded("DTEND").isoformat(),
                })
    return out


class Sink:
    def __init__(self, folder, refuse):
        self.folder = folder
        self.refuse = refuse
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse and self.refuse in address:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        path = os.path.join(self.folder, "%04d.eml" % self.count)
        raw = envelope.original_content or envelope.content
        try:
            view = parsed(raw)
        except Exception as e:  # the test reports it, with the message kept beside it
            view = {"error": repr(e)}
        # The cipher of the connection the message came over: STARTTLS or implicit TLS.
        view["tls"] = server.transport.get_extra_info("cipher") is not None
        view["login"] = session.auth_data.login.decode() if session.authenticated else None
        with open(path + ".json", "w") as f:
            json.dump(view, f)
        with open(path + ".part", "wb") as f:
            f.write(raw)
        os.rename(path + ".part", path)
        return "250 OK"


class Authenticator:
    """Accepts one account; records each successful login's user name in DIR/logins."""

    def __init__(self, folder, user, password):
        self.folder = folder
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login == self.user and auth_data.password == self.password)
        if ok:
            with open(os.path.join(self.folder, "logins"), "a") as f:
                f.write("%s %s\n" % (mechanism, auth_data.login.decode()))
        return AuthResult(success=ok, auth_data=auth_data if ok else None)


def main():
    args = argparse.ArgumentParser()
    args.add_argument("port", type=int)
    args.add_argument("folder")
    args.add_argument("refuse", nargs="?", default="")
    args.add_argument("--tls", choices=["starttls", "implicit"])
    args.add_argument("--cert")
    args.add_argument("--key")
    args.add_argument("--user")
    args.add_argument("--password")
    a = args.parse_args()
    # Implicit TLS with a login: aiosmtpd warns that AUTH does not require STARTTLS (it is TLS
    # from the first byte), and about its own use of a deprecated field. Errors still show.
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    options = {}
    if a.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.cert, a.key)
        if a.tls == "starttls":
            options.update(tls_context=context, require_starttls=True)
        else:
            options.update(ssl_context=context)
    if a.user:
        options.update(
            authenticator=Authenticator(a.folder, a.user, a.password),
            auth_required=True,
            # Implicit TLS is TLS from the start: aiosmtpd only knows about STARTTLS.
            auth_require_tls=a.tls != "implicit",
        )
    controller = Controller(Sink(a.folder, a.refuse), hostname="127.0.0.1", port=a.port, **options)
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
