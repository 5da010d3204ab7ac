/*! Consult embed loader. Defines <consult-booking site="…" [lang] [time-zone] [name] [email]
 * [phone] [lock prefill-signature]> and <consult-call join="…">.
 * Each element holds an iframe on the Consult origin inside a shadow root: no global
 * styles, no globals. Messages from the frame are accepted only from that origin and that
 * frame, and re-emitted on the element as CustomEvents ("consult:booked", …). */
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
    el.dispatchEvent(new CustomEvent(d.type, { detail: d, bubbles: true, composed: true }));
  });

  function define(name, path, title, height) {
    customElements.define(name, class extends HTMLElement {
      static get observedAttributes() { return ["site", "join"].concat(PASS); }
      connectedCallback() { this._mount(); }
      disconnectedCallback() { this._unmount(); }
      attributeChangedCallback() { if (this._frame) { this._unmount(); this._mount(); } }
      _mount() {
        if (this._frame || !this.isConnected) return;
        var src = path(this);
        if (!src) { this._fail("invalid_attributes", name + ": missing attribute"); return; }
        var root = this._root || (this._root = this.attachShadow({ mode: "open" }));
        var f = document.createElement("iframe");
        f.title = title;
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

  function attr(el, n) { var v = el.getAttribute(n); return v && v.trim(); }
  // Attributes handed on to the form: its language, the zone to show times in, prefill.
  var PASS = ["lang", "time-zone", "name", "email", "phone", "lock", "prefill-signature"];
  var PARAM = { "time-zone": "tz", "prefill-signature": "sig" };
  define("consult-booking", function (el) {
    var s = attr(el, "site");
    if (!s) return null;
    var q = "?site=" + encodeURIComponent(s);
    PASS.forEach(function (n) {
      var v = attr(el, n);
      if (v) q += "&" + (PARAM[n] || n) + "=" + encodeURIComponent(v);
    });
    return "/embed/booking" + q;
  }, "Book a video consultation", 760);
  define("consult-call", function (el) {
    var j = attr(el, "join");
    return j && "/join/" + encodeURIComponent(j);
  }, "Video consultation", 560);
})();
