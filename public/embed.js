/*! Consult embed loader. Defines <consult-booking site="…" [lang|locale] [time-zone] [name] [email]
 * [phone] [lock prefill-signature]>, <consult-call join="…"> (a personal link) or
 * <consult-call room="…" [display-name] [external-id]> (a room's link from the rooms API,
 * roomUrl, hostRoomUrl or viewerRoomUrl; methods toggleCamera(), toggleMicrophone(),
 * toggleScreenshare(), toggleChat(), leaveRoom(), endMeeting(), knock()) and
 * <consult-button site="…"
 * [label] [same as booking]>: a floating launcher opening the booking form in a modal dialog.
 * White label on each: primary-color, secondary-color, focus-color, text-color, background,
 * font, radius, theme (light|dark|auto), hide-details, logo (none or a logo uploaded to
 * Consult); on calls chat and screenshare (on|off).
 * Each element holds an iframe on the Consult origin inside a shadow root: no global
 * styles, no globals. Messages from the frame are accepted only from that origin and that
 * frame, and re-emitted on the element as CustomEvents ("consult:booked", …). A change of
 * attributes reloads the frame with them, except on a <consult-call> whose person is waiting
 * or in the call: the change waits until they have left (a reload would drop the call).
 * The launcher's words follow lang (or locale, else the page's language): English or Dutch. */
(function () {
  "use strict";
  if (!window.customElements || customElements.get("consult-booking")) return;
  var me = document.currentScript;
  var base;
  try { base = new URL(me && me.src ? me.src : "", location.href).origin; } catch (e) { return; }
  var ALLOW = "camera; microphone; display-capture; autoplay; fullscreen";
  var frames = new Map();

  addEventListener("message", function (e) {
    if (e.origin !== base) return;
    var el = frames.get(e.source);
    var d = e.data;
    if (!el || !d || typeof d.type !== "string" || d.type.indexOf("consult:") !== 0) return;
    if (d.type === "consult:resize") {
      var h = Math.round(Number(d.height));
      if (h > 0 && h < 20000) el._frame.style.height = h + "px";
      return;
    }
    if (d.type === "consult:ready") clearTimeout(el._timer);
    // Waiting or in a call: attribute changes wait until the person has left.
    if (BUSY[d.type]) el._busy = true;
    if (FREE[d.type]) {
      el._busy = false;
      if (el._pending) {
        el._pending = false;
        el._remount();
      }
    }
    el.dispatchEvent(new CustomEvent(d.type, { detail: d, bubbles: true, composed: true }));
  });
  var BUSY = { "consult:waiting": 1, "consult:admitted": 1, "consult:joined": 1 };
  var FREE = { "consult:left": 1, "consult:cancelled": 1, "consult:error": 1 };

  // The few words of the loader itself, in the languages of the widget.
  var WORDS = {
    en: { button: "Book a video call", dialog: "Book a video consultation", close: "Close",
      booking: "Book a video consultation", call: "Video consultation" },
    nl: { button: "Videogesprek boeken", dialog: "Een videogesprek boeken", close: "Sluiten",
      booking: "Een videogesprek boeken", call: "Videogesprek" }
  };
  function words(el) {
    var l = el.getAttribute("lang") || el.getAttribute("locale") ||
      document.documentElement.lang || navigator.language || "en";
    return WORDS[String(l).trim().toLowerCase().slice(0, 2) === "nl" ? "nl" : "en"];
  }

  function define(name, path, title, height, waits) {
    customElements.define(name, class extends HTMLElement {
      static get observedAttributes() { return ["site", "join", "room", "display-name", "external-id"].concat(PASS); }
      // Would this element use this white-label value? (The rule the widget checks too.)
      static accepts(n, v) { return accepts(n, v); }
      connectedCallback() { this._connected = true; this._mount(); }
      disconnectedCallback() {
        this._connected = false; this._busy = false; this._pending = false; this._unmount();
      }
      attributeChangedCallback() {
        // Before connectedCallback (the element's own attributes as it upgrades): it mounts.
        if (!this._connected) return;
        // Not mounted (an attribute was missing): mount now that it may be there.
        if (!this._frame) { this._mount(); return; }
        if (waits && this._busy) this._pending = true;
        else this._remount();
      }
      _remount() { this._unmount(); this._mount(); }
      // The call's methods (as <whereby-embed> has them): a command to the frame, on our
      // origin only. The frame acts on what applies (endMeeting for hosts, in a call).
      _command(c) {
        if (this._frame && this._frame.contentWindow) {
          this._frame.contentWindow.postMessage({ type: "consult:command", version: 1, command: c }, base);
        }
      }
      toggleCamera() { this._command("toggle_camera"); }
      toggleMicrophone() { this._command("toggle_microphone"); }
      toggleScreenshare() { this._command("toggle_screenshare"); }
      toggleChat() { this._command("toggle_chat"); }
      leaveRoom() { this._command("leave"); }
      endMeeting() { this._command("end_meeting"); }
      knock() { this._command("knock"); }
      _mount() {
        if (this._frame || !this.isConnected) return;
        var src = path(this);
        if (!src) { this._fail("invalid_attributes", name + ": missing attribute"); return; }
        var root = this._root || (this._root = this.attachShadow({ mode: "open" }));
        var f = document.createElement("iframe");
        f.title = words(this)[title];
        f.allow = ALLOW;
        f.style.cssText = "display:block;width:100%;border:0;height:" + height + "px";
        f.src = base + src;
        root.appendChild(f);
        this._frame = f;
        frames.set(f.contentWindow, this);
        var self = this;
        this._timer = setTimeout(function () {
          self._fail("load_failed", name + ": the Consult widget did not load. Is this page's origin (" +
            location.origin + ") on the site's list of allowed origins?");
        }, 20000);
      }
      _unmount() {
        clearTimeout(this._timer);
        if (!this._frame) return;
        frames.delete(this._frame.contentWindow);
        this._frame.remove();
        this._frame = null;
      }
      _fail(code, message) {
        console.warn(message);
        this.dispatchEvent(new CustomEvent("consult:error", {
          detail: { type: "consult:error", version: 1, code: code, message: message }, bubbles: true, composed: true
        }));
      }
    });
  }

  // White label: attribute -> rule. A bad value is left out, with one warning naming it.
  // The same rules as model/white_label.rs: both are tested against one table of cases
  // (src/model/white_label_cases.json).
  var HEX = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i;
  var LOOK = {
    "primary-color": HEX, "secondary-color": HEX, "focus-color": HEX, "text-color": HEX,
    "background": HEX, "font": /^[A-Za-z0-9 ,'"_-]{1,200}$/, "radius": /^([0-9]|[1-3][0-9]|4[0-8])(px)?$/,
    "theme": /^(light|dark|auto)$/, "hide-details": /^(|true|false)$/, "chat": /^(on|off)$/,
    "screenshare": /^(on|off)$/,
    // none, or a logo uploaded to Consult: the frame loads images from Consult only.
    "logo": { test: function (v) {
      return v === "none" || /^\/media\/sites\/[0-9a-f]{24}\/logo$/.test(v.indexOf(base + "/") === 0 ? v.slice(base.length) : v);
    } }
  };
  function accepts(n, v) {
    var rule = LOOK[n];
    return !!rule && v !== null && v !== undefined && rule.test(String(v).trim());
  }
  var warned = {};
  function attr(el, n) {
    var v = el.getAttribute(n);
    v = v === null ? null : v.trim();
    var rule = LOOK[n];
    if (v !== null && rule && !rule.test(v)) {
      var key = el.tagName + n + v;
      if (!warned[key]) {
        warned[key] = 1;
        console.warn(el.tagName.toLowerCase() + ': ignoring ' + n + '="' + v + '" (not a valid value)');
      }
      return null;
    }
    return n === "hide-details" && v === "" ? "true" : v;
  }
  // Attributes handed on to the frame: language, the zone to show times in, prefill, and
  // the white label.
  // `locale` is another name for `lang` (`lang` wins when both are set: it comes first).
  var PASS = ["lang", "locale", "time-zone", "name", "email", "phone", "lock", "prefill-signature"].concat(Object.keys(LOOK));
  var PARAM = { "locale": "lang", "time-zone": "tz", "prefill-signature": "sig" };
  define("consult-booking", function (el) {
    var s = attr(el, "site");
    if (!s) return null;
    var q = "?site=" + encodeURIComponent(s);
    PASS.forEach(function (n) {
      var v = attr(el, n);
      if (v) q += "&" + (PARAM[n] || n) + "=" + encodeURIComponent(v);
    });
    return "/embed/booking" + q;
  }, "booking", 760, false);
  define("consult-call", function (el) {
    var q = "";
    Object.keys(LOOK).concat(["lang", "locale"]).forEach(function (n) {
      var v = attr(el, n);
      if (v) q += (q ? "&" : "?") + (PARAM[n] || n) + "=" + encodeURIComponent(v);
    });
    var r = attr(el, "room");
    if (r) {
      // A room's link (on this Consult), its path, or its name ("/clinic-…" or "clinic-…").
      if (r.charAt(0) === "/" && r.indexOf("/rooms/") !== 0) r = "/rooms" + r;
      var u;
      try { u = new URL(r, base + "/rooms/"); } catch (e) { return null; }
      var name = u.pathname.indexOf("/rooms/") === 0 ? u.pathname.slice(7) : "";
      if (u.origin !== base || !/^[a-z0-9-]{1,80}$/.test(name)) return null;
      var key = u.searchParams.get("roomKey");
      if (key) q += (q ? "&" : "?") + "roomKey=" + encodeURIComponent(key);
      var who = attr(el, "display-name");
      if (who) q += (q ? "&" : "?") + "displayName=" + encodeURIComponent(who);
      var ext = attr(el, "external-id");
      if (ext) q += (q ? "&" : "?") + "externalId=" + encodeURIComponent(ext);
      return "/rooms/" + name + q;
    }
    var j = attr(el, "join");
    if (!j) return null;
    return "/join/" + encodeURIComponent(j) + q;
  }, "call", 560, true);

  // The launcher: a button fixed to the corner and a native modal <dialog> (the rest of the
  // page inert, Esc closes, focus back on the button), all inside its own shadow root.
  var CSS = ".l{position:fixed;right:1rem;bottom:1rem;z-index:2147483000;font:600 1rem system-ui,sans-serif;" +
    "padding:.8rem 1.2rem;min-height:44px;border:0;border-radius:999px;background:#1d4ed8;color:#fff;cursor:pointer;" +
    "box-shadow:0 4px 14px rgba(0,0,0,.25)}.l:focus-visible,.x:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}" +
    "dialog{width:min(40rem,calc(100vw - 1rem));max-height:calc(100vh - 2rem);padding:0;border:0;border-radius:12px}" +
    "dialog::backdrop{background:rgba(0,0,0,.5)}.x{float:right;margin:.5rem;min-width:44px;min-height:44px;" +
    "font-size:1.4rem;border:1px solid #4b5563;border-radius:8px;background:#fff;color:#1a1a1a;cursor:pointer}";
  customElements.define("consult-button", class extends HTMLElement {
    connectedCallback() {
      if (this._root) return;
      var self = this;
      var root = this._root = this.attachShadow({ mode: "open" });
      // A constructed stylesheet: allowed under a host page's strict CSP (no 'unsafe-inline'),
      // where a <style> element would be refused.
      var style = null;
      try {
        var sheet = new CSSStyleSheet();
        sheet.replaceSync(CSS);
        root.adoptedStyleSheets = [sheet];
      } catch (e) {
        style = document.createElement("style");
        style.textContent = CSS;
      }
      var open = document.createElement("button");
      open.className = "l";
      open.type = "button";
      open.setAttribute("aria-haspopup", "dialog");
      var w = words(this);
      open.textContent = attr(this, "label") || w.button;
      var dialog = document.createElement("dialog");
      dialog.setAttribute("aria-label", w.dialog);
      var close = document.createElement("button");
      close.className = "x";
      close.type = "button";
      close.setAttribute("aria-label", w.close);
      close.textContent = "\u00d7";
      close.onclick = function () { dialog.close(); };
      dialog.appendChild(close);
      dialog.addEventListener("close", function () { open.focus(); });
      open.onclick = function () {
        if (!self._booking) {
          var b = self._booking = document.createElement("consult-booking");
          ["site"].concat(PASS).forEach(function (n) {
            var v = attr(self, n);
            if (v) b.setAttribute(n, v);
          });
          dialog.appendChild(b);
        }
        dialog.showModal();
      };
      if (style) root.appendChild(style);
      root.append(open, dialog);
    }
  });
})();
