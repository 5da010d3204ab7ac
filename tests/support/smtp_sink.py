"""A real SMTP server for tests (aiosmtpd): every message received is written to DIR as an
.eml file, and beside it a .json file of what independent readers make of it: Python's MIME
parser for the parts, the icalendar package for calendar attachments.
Usage: smtp_sink.py PORT DIR [REFUSE]. Recipients whose address contains REFUSE (when given and
not empty) are refused as a real relay refuses them, the address quoted in the answer.
Prints "ready" once listening; runs until killed."""
import email
import email.policy
import json
import os
import sys
import threading

import icalendar
from aiosmtpd.controller import Controller


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
        with open(path + ".json", "w") as f:
            json.dump(view, f)
        with open(path + ".part", "wb") as f:
            f.write(raw)
        os.rename(path + ".part", path)
        return "250 OK"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    refuse = sys.argv[3] if len(sys.argv) > 3 else ""
    controller = Controller(Sink(folder, refuse), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
