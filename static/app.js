// Small behaviours for pages served under a strict Content-Security-Policy
// (no inline script): each is switched on by a data attribute.
(function () {
  "use strict";

  // <form data-autosubmit> submits itself once; the page keeps a visible
  // button for browsers without script.
  function autosubmit(root) {
    root.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      if (form.dataset.submitted) return;
      form.dataset.submitted = "1";
      form.submit();
    });
  }

  // <button data-copy="#id"> copies the value or text of the target.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-copy]");
    if (!btn) return;
    var target = document.querySelector(btn.getAttribute("data-copy"));
    if (!target) return;
    var text = "value" in target ? target.value : target.textContent;
    var done = function () {
      var old = btn.textContent;
      btn.textContent = "Copied";
      setTimeout(function () { btn.textContent = old; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text.trim()).then(done);
    } else {
      if (target.select) target.select();
      document.execCommand("copy");
      done();
    }
  });

  // <button data-confirm="…"> asks before submitting its form.
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest("[data-confirm]");
    if (btn && !window.confirm(btn.getAttribute("data-confirm"))) {
      ev.preventDefault();
      ev.stopImmediatePropagation();
    }
  }, true);

  // <dialog> openers and closers: data-open-dialog="#id", data-close-dialog.
  document.addEventListener("click", function (ev) {
    var opener = ev.target.closest("[data-open-dialog]");
    if (opener) {
      var d = document.querySelector(opener.getAttribute("data-open-dialog"));
      if (d && d.showModal) { ev.preventDefault(); d.showModal(); }
      return;
    }
    var closer = ev.target.closest("[data-close-dialog]");
    if (closer) {
      var dlg = closer.closest("dialog");
      if (dlg) { ev.preventDefault(); dlg.close(); }
    }
  });

  // The Regenerate dialog's grace window picks which warning it shows.
  document.addEventListener("change", function (ev) {
    var sel = ev.target.closest("[data-grace-select]");
    if (!sel) return;
    var form = sel.closest("form");
    var none = sel.value === "0";
    form.querySelector("[data-grace-none]").hidden = !none;
    form.querySelector("[data-grace-some]").hidden = none;
  });

  // htmx requests carry the CSRF token from the page's meta tag.
  document.addEventListener("htmx:configRequest", function (ev) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) ev.detail.headers["X-CSRF-Token"] = meta.content;
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { autosubmit(document); });
  } else {
    autosubmit(document);
  }
})();
