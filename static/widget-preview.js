// The widget preview on Settings → Widget: fetch a preview token for the
// signed-in admin (POST with the CSRF header), then load the widget on
// this page exactly as a partner's page does. An external file because
// the console's Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var el = document.getElementById("widget-preview");
  if (!el) return;
  var meta = document.querySelector('meta[name="csrf-token"]');

  function previewToken() {
    return fetch(el.getAttribute("data-token-url"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": meta ? meta.content : "" }
    }).then(function (res) {
      if (!res.ok) throw new Error("preview token: HTTP " + res.status);
      return res.json();
    }).then(function (body) { return body.jwt; });
  }

  previewToken().then(function (jwt) {
    window.hcOptions = { app_id: el.getAttribute("data-app-id"), jwt: jwt, onAuthExpired: previewToken };
    var s = document.createElement("script");
    s.src = el.getAttribute("data-src");
    s.async = true;
    document.head.appendChild(s);
    el.textContent = "The preview is live on this page: open the Help button at the bottom right.";
  }, function () {
    el.textContent = "The preview could not start. Reload the page to try again.";
  });
})();
