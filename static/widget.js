/*
 * helpcenter widget, served as /js/init.js (SPEC section 8).
 *
 *   window.hcOptions = { app_id, jwt, onAuthExpired };
 *   <script src="<base URL>/js/init.js" async></script>
 *
 * Plain JavaScript, no framework. Everything lives in an open shadow root,
 * so the host page's CSS cannot reach the panel and ours never leaks out.
 * Styles go in through a constructable stylesheet, which a strict
 * Content-Security-Policy (style-src 'self', as on our own console) does
 * not block, with a <style> element only for browsers without one.
 */
(function () {
  "use strict";

  var TAG = "helpcenter-widget";
  if (document.querySelector(TAG)) return; // loaded twice: one widget only

  var opts = window.hcOptions || {};
  var script = document.currentScript || document.querySelector('script[src*="/js/init.js"]');
  if (!opts.app_id || !script) {
    console.warn("helpcenter widget: set window.hcOptions = { app_id, jwt } before loading /js/init.js");
    return;
  }
  var API = new URL("../api/widget/v1/", script.src);

  // A fresh random id per page load: the server binds each token's jti to
  // the instance that first used it.
  var bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  var INSTANCE = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");

  var token = typeof opts.jwt === "string" ? opts.jwt : "";
  var refreshing = null;

  // AuthLost means the token can no longer be renewed: the page must
  // reload. why says what went wrong when onAuthExpired was tried.
  function AuthLost(why) { this.why = why || ""; }

  // RENEW_WITHIN is how many seconds before exp the widget asks for a new
  // token (SPEC section 8): a token with more left is used as it is.
  var RENEW_WITHIN = 10;

  // expOf reads exp from the token's payload, only to know when to ask for
  // a new token. Nothing else is read from it: the server decides.
  function expOf(t) {
    try {
      var p = JSON.parse(atob(t.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      return typeof p.exp === "number" ? p.exp : null;
    } catch (e) {
      return null;
    }
  }

  function canRefresh() { return typeof opts.onAuthExpired === "function"; }

  // refresh awaits onAuthExpired() for a new token. Concurrent callers share
  // one request, so a burst of calls near exp asks the partner once.
  function refresh() {
    if (!canRefresh()) return Promise.reject(new AuthLost());
    if (!refreshing) {
      refreshing = Promise.resolve()
        .then(function () { return opts.onAuthExpired(); })
        .then(function (t) {
          if (typeof t !== "string" || !t) throw new AuthLost("onAuthExpired() returned " + (t === "" ? "an empty string" : typeof t) + ", not a token");
          token = t;
        }, function (e) { throw new AuthLost("onAuthExpired() failed: " + (e && e.message ? e.message : String(e))); })
        .finally(function () { refreshing = null; });
    }
    return refreshing;
  }

  function send(path, params) {
    var u = new URL(path, API);
    u.searchParams.set("app_id", opts.app_id);
    Object.keys(params || {}).forEach(function (k) { u.searchParams.set(k, params[k]); });
    return fetch(u.href, {
      headers: { "Authorization": "Bearer " + token, "X-Widget-Instance": INSTANCE },
      credentials: "omit",
      cache: "no-store"
    });
  }

  // Expiry is the one rejection a new token cures: jwt_expired, or
  // jwt_too_old when the partner's exp reaches past the Token TTL.
  function expired(code) { return code === "jwt_expired" || code === "jwt_too_old"; }

  // call sends one API call. Within RENEW_WITHIN s of exp, or on an expiry answer, it
  // awaits onAuthExpired() and retries once; never more, so a partner that
  // keeps returning stale tokens cannot make it loop.
  async function call(path, params) {
    var renewed = false;
    var exp = expOf(token);
    if (canRefresh() && exp !== null && exp - Date.now() / 1000 < RENEW_WITHIN) {
      await refresh();
      renewed = true;
    }
    var res = await send(path, params);
    var body = await res.json().catch(function () { return {}; });
    if (res.status === 401 && expired(body.error)) {
      if (renewed) throw new AuthLost();
      await refresh();
      res = await send(path, params);
      body = await res.json().catch(function () { return {}; });
      if (res.status === 401 && expired(body.error)) throw new AuthLost("the token from onAuthExpired() is " + body.error + ": " + (body.detail || ""));
    }
    if (!res.ok) {
      if (body.error) console.warn("helpcenter widget: " + body.error + ": " + (body.detail || ""));
      throw { status: res.status, code: body.error || "" };
    }
    return body;
  }

  /* ---------- styles ---------- */

  var STYLE = [
    ":host{all:initial!important;}",
    "*,*::before,*::after{box-sizing:border-box;}",
    ".root{--bg:#fff;--fg:#1c2024;--muted:#5b6370;--line:#e3e6ea;--soft:#f4f5f7;--accent:#3451b2;--accent-fg:#fff;--mark:#fff2b3;--focus:0 0 0 3px rgba(52,81,178,.45);" +
      "font:15px/1.55 system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;color:var(--fg);-webkit-font-smoothing:antialiased;}",
    "@media (prefers-color-scheme:dark){.root{--bg:#1b1d21;--fg:#e8eaed;--muted:#a0a7b4;--line:#34373d;--soft:#25282d;--accent:#8ea4f5;--accent-fg:#111;--mark:#5c4b00;--focus:0 0 0 3px rgba(142,164,245,.5);}}",
    "button,input{font:inherit;color:inherit;margin:0;}",
    "button{cursor:pointer;}",
    ":focus-visible{outline:none;box-shadow:var(--focus);}",
    ".launcher{position:fixed;right:20px;bottom:20px;z-index:2147483000;display:inline-flex;align-items:center;gap:8px;height:48px;padding:0 20px 0 16px;" +
      "border:0;border-radius:24px;background:var(--accent);color:var(--accent-fg);font-weight:600;font-size:15px;box-shadow:0 6px 20px rgba(0,0,0,.2);transition:transform .15s;}",
    ".launcher:hover{transform:translateY(-1px);}",
    ".launcher svg{width:20px;height:20px;}",
    ".panel{position:fixed;right:20px;bottom:80px;z-index:2147483001;width:380px;max-width:calc(100vw - 40px);height:600px;max-height:calc(100vh - 110px);" +
      "display:flex;flex-direction:column;background:var(--bg);color:var(--fg);border:1px solid var(--line);border-radius:14px;overflow:hidden;box-shadow:0 16px 48px rgba(0,0,0,.22);}",
    ".panel[hidden]{display:none;}",
    "@media (max-width:480px){.panel{right:0;bottom:0;width:100vw;max-width:none;height:100%;max-height:none;border-radius:0;}}",
    ".head{display:flex;align-items:center;gap:6px;padding:14px 12px 14px 18px;background:var(--accent);color:var(--accent-fg);}",
    ".head h2{flex:1;margin:0;font-size:16px;font-weight:650;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;}",
    ".icon{display:inline-flex;align-items:center;justify-content:center;width:32px;height:32px;border:0;border-radius:8px;background:transparent;color:inherit;}",
    ".icon:hover{background:rgba(255,255,255,.18);}",
    ".icon svg{width:18px;height:18px;}",
    ".icon[hidden]{display:none;}",
    ".search{padding:12px 14px;border-bottom:1px solid var(--line);}",
    ".search input{width:100%;height:40px;padding:0 12px;border:1px solid var(--line);border-radius:8px;background:var(--soft);}",
    ".search input:focus{border-color:var(--accent);background:var(--bg);}",
    ".body{flex:1;overflow-y:auto;padding:6px 0 12px;}",
    ".chips{display:flex;flex-wrap:wrap;gap:6px;padding:10px 14px 4px;}",
    ".chip{height:30px;padding:0 12px;border:1px solid var(--line);border-radius:15px;background:var(--bg);font-size:13px;color:var(--muted);}",
    ".chip[aria-pressed=true]{border-color:var(--accent);color:var(--accent);font-weight:600;}",
    ".label{margin:12px 18px 4px;font-size:12px;font-weight:600;letter-spacing:.04em;text-transform:uppercase;color:var(--muted);}",
    "ul{list-style:none;margin:0;padding:0 6px;}",
    ".item{display:block;width:100%;text-align:left;padding:10px 12px;border:0;border-radius:8px;background:transparent;}",
    ".item:hover{background:var(--soft);}",
    ".item .t{display:block;font-weight:600;}",
    ".item .s{display:block;margin-top:2px;font-size:13px;color:var(--muted);overflow:hidden;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;}",
    "mark{background:var(--mark);color:inherit;border-radius:2px;}",
    ".msg{padding:28px 22px;text-align:center;color:var(--muted);}",
    ".msg strong{display:block;margin-bottom:6px;color:var(--fg);font-size:16px;}",
    ".msg code{font-size:12px;}",
    ".btn{margin-top:14px;height:36px;padding:0 16px;border:0;border-radius:8px;background:var(--accent);color:var(--accent-fg);font-weight:600;}",
    "article{padding:14px 20px 8px;overflow-wrap:anywhere;}",
    "article h1{margin:0 0 4px;font-size:20px;line-height:1.3;}",
    "article .meta{margin:0 0 14px;font-size:13px;color:var(--muted);}",
    ".content h1,.content h2,.content h3{font-size:16px;margin:18px 0 6px;}",
    ".content p,.content ul,.content ol,.content pre,.content table,.content blockquote{margin:0 0 12px;}",
    ".content ul,.content ol{padding-left:22px;list-style:revert;}",
    ".content a,.open a{color:var(--accent);}",
    ".content img{max-width:100%;height:auto;}",
    ".content code{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--soft);padding:1px 4px;border-radius:4px;}",
    ".content pre{padding:10px 12px;background:var(--soft);border-radius:8px;overflow-x:auto;}",
    ".content pre code{padding:0;background:none;}",
    ".content blockquote{padding-left:12px;border-left:3px solid var(--line);color:var(--muted);}",
    ".content table{border-collapse:collapse;}",
    ".content td,.content th{border:1px solid var(--line);padding:4px 8px;}",
    ".open{padding:0 20px 8px;font-size:13px;}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;}"
  ].join("\n");

  /* ---------- DOM ---------- */

  // el builds an element; text is set as text, never parsed as HTML.
  function el(tag, attrs, kids) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") n.textContent = attrs[k];
      else if (k === "on") Object.keys(attrs.on).forEach(function (ev) { n.addEventListener(ev, attrs.on[ev]); });
      else if (attrs[k] !== false && attrs[k] != null) n.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    });
    (kids || []).forEach(function (k) { if (k) n.appendChild(typeof k === "string" ? document.createTextNode(k) : k); });
    return n;
  }

  function icon(path) {
    var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("fill", "none");
    svg.setAttribute("stroke", "currentColor");
    svg.setAttribute("stroke-width", "2");
    svg.setAttribute("stroke-linecap", "round");
    svg.setAttribute("stroke-linejoin", "round");
    var p = document.createElementNS("http://www.w3.org/2000/svg", "path");
    p.setAttribute("d", path);
    svg.appendChild(p);
    return svg;
  }

  var host = document.createElement(TAG);
  var root = host.attachShadow({ mode: "open" });
  if (root.adoptedStyleSheets && typeof CSSStyleSheet === "function" && "replaceSync" in CSSStyleSheet.prototype) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE);
    root.adoptedStyleSheets = [sheet];
  } else {
    root.appendChild(el("style", { text: STYLE }));
  }

  var launcher = el("button", { type: "button", "class": "launcher", "aria-expanded": "false", "aria-controls": "hc-panel", "aria-haspopup": "dialog" },
    [icon("M9.1 9a3 3 0 0 1 5.8 1c0 2-3 3-3 3M12 17h.01M22 12a10 10 0 1 1-20 0 10 10 0 0 1 20 0z"), el("span", { text: "Help" })]);
  var title = el("h2", { id: "hc-title", text: "Help" });
  var back = el("button", { type: "button", "class": "icon back", "aria-label": "Back", hidden: true }, [icon("M15 18l-6-6 6-6")]);
  var closeBtn = el("button", { type: "button", "class": "icon", "aria-label": "Close help" }, [icon("M18 6L6 18M6 6l12 12")]);
  var input = el("input", { type: "search", id: "hc-q", placeholder: "Search articles", autocomplete: "off", enterkeyhint: "search" });
  var status = el("div", { "class": "sr", role: "status", "aria-live": "polite" });
  var body = el("div", { "class": "body" });
  var panel = el("div", { id: "hc-panel", "class": "panel", role: "dialog", "aria-modal": "true", "aria-labelledby": "hc-title", hidden: true }, [
    el("div", { "class": "head" }, [back, title, closeBtn]),
    el("div", { "class": "search", role: "search" }, [el("label", { "for": "hc-q", "class": "sr", text: "Search help articles" }), input]),
    body, status
  ]);
  var wrap = el("div", { "class": "root" }, [launcher, panel]);
  root.appendChild(wrap);

  /* ---------- views ---------- */

  var category = "";      // the chip chosen on the home view
  var backTo = null;      // re-renders the view an article was opened from
  var backFocus = "";     // slug of the link to focus again on the way back
  var renderSeq = 0;      // drops answers that arrive after a newer view

  function show(nodes) {
    body.textContent = "";
    nodes.forEach(function (n) { if (n) body.appendChild(n); });
    body.scrollTop = 0;
  }

  function message(headline, text, action) {
    show([el("div", { "class": "msg" }, [el("strong", { text: headline }), text ? el("span", { text: text }) : null,
      action ? el("div", {}, [el("button", { type: "button", "class": "btn", text: action.label, on: { click: action.run } })]) : null])]);
    status.textContent = headline;
  }

  // failed shows what went wrong in words for the user; the reason code
  // stays small for whoever integrates the widget.
  function failed(err, retry) {
    if (err instanceof AuthLost) {
      var reload = { label: "Reload", run: function () { location.reload(); } };
      if (err.why) {
        console.warn("helpcenter widget: could not renew the sign-in: " + err.why);
        return message("Could not renew your sign-in", "Reload the page to sign in again.", reload);
      }
      return message("Please reload to continue", "Your session has ended.", reload);
    }
    if (err && err.status === 404) return message("Not found", "This article isn't available.", { label: "Back to articles", run: home });
    if (err && err.status === 429) return message("Too many requests", "Please wait a moment, then try again.", { label: "Try again", run: retry });
    if (err && err.status === 401) {
      show([el("div", { "class": "msg" }, [el("strong", { text: "Help is unavailable right now" }),
        el("span", { text: "We couldn't confirm who you are. " }), el("code", { text: err.code })])]);
      status.textContent = "Help is unavailable right now";
      return;
    }
    message("Can't reach the help center", "Check your connection and try again.", { label: "Try again", run: retry });
  }

  // originAllowed asks origin.js whether this page's origin may use the
  // widget: a page that is not allowed cannot read any API answer, so a
  // failed call alone cannot tell it from a network error. It resolves to
  // true, false, or null when even the script does not load.
  var originChecked = null;
  function originAllowed() {
    if (!originChecked) {
      originChecked = new Promise(function (resolve) {
        var done = false;
        window.__hcOriginAllowed = function (ok) { done = true; resolve(!!ok); };
        var s = document.createElement("script");
        var u = new URL("origin.js", API);
        u.searchParams.set("app_id", opts.app_id);
        u.searchParams.set("origin", location.origin);
        s.src = u.href;
        s.async = true;
        s.onerror = function () { if (!done) resolve(null); };
        s.onload = function () { if (!done) resolve(null); };
        document.head.appendChild(s);
      });
    }
    return originChecked;
  }

  async function load(path, params, render) {
    var seq = ++renderSeq;
    body.setAttribute("aria-busy", "true");
    try {
      var data = await call(path, params);
      if (seq === renderSeq) render(data);
    } catch (err) {
      // A TypeError is a call the browser did not let through: a network
      // error, or an origin the help center does not allow.
      if (err instanceof TypeError && (await originAllowed()) === false) {
        console.warn("helpcenter widget: this page's origin " + location.origin + " is not among the allowed widget origins; add it in the console under Settings → Widget");
        if (seq === renderSeq) {
          message("This page can't show the help center", "Its address, " + location.origin +
            ", is not on the help center's list of allowed widget origins. An admin adds it in Settings → Widget.");
        }
        return;
      }
      if (seq === renderSeq) failed(err, function () { load(path, params, render); });
    } finally {
      if (seq === renderSeq) body.removeAttribute("aria-busy");
    }
  }

  function articleButton(slug, titleText, sub) {
    return el("li", {}, [el("button", { type: "button", "class": "item", "data-slug": slug, on: { click: function () { openArticle(slug); } } },
      [el("span", { "class": "t", text: titleText }), sub])]);
  }

  function home() {
    back.hidden = true;
    backTo = home;
    load("articles", category ? { category: category } : {}, function (data) {
      title.textContent = data.help_center && data.help_center.name ? data.help_center.name : "Help";
      var chips = null;
      if (data.categories.length) {
        chips = el("div", { "class": "chips", role: "group", "aria-label": "Categories" },
          [{ slug: "", name: "All" }].concat(data.categories).map(function (c) {
            return el("button", { type: "button", "class": "chip", "aria-pressed": String(c.slug === category),
              text: c.name, on: { click: function () { category = c.slug; home(); } } });
          }));
      }
      if (!data.articles.length) {
        show([chips, el("div", { "class": "msg" }, [el("strong", { text: "No articles yet" }), el("span", { text: "Check back soon." })])]);
        status.textContent = "No articles";
        return;
      }
      show([chips, el("p", { "class": "label", text: category ? "Articles in this category" : "Articles" }),
        el("ul", {}, data.articles.map(function (a) {
          return articleButton(a.slug, a.title, a.category && !category ? el("span", { "class": "s", text: a.category.name }) : null);
        }))]);
      status.textContent = data.articles.length + (data.articles.length === 1 ? " article" : " articles");
      refocus();
    });
  }

  function search(q) {
    back.hidden = true;
    backTo = function () { search(q); };
    load("search", { q: q }, function (data) {
      if (!data.results.length) {
        show([el("div", { "class": "msg" }, [el("strong", { text: "No results" }), el("span", { text: "Try other words, or browse the articles." })])]);
        status.textContent = "No results for " + q;
        return;
      }
      show([el("p", { "class": "label", text: "Results" }), el("ul", {}, data.results.map(function (r) {
        var snip = el("span", { "class": "s" }, r.snippet.map(function (f) { return f.hit ? el("mark", { text: f.text }) : f.text; }));
        return articleButton(r.slug, r.title, snip);
      }))]);
      status.textContent = data.results.length + (data.results.length === 1 ? " result" : " results");
      refocus();
    });
  }

  function refocus() {
    if (!backFocus) return;
    var b = body.querySelector('[data-slug="' + CSS_escape(backFocus) + '"]');
    backFocus = "";
    if (b) b.focus();
  }

  function CSS_escape(s) { return window.CSS && window.CSS.escape ? window.CSS.escape(s) : s.replace(/["\\]/g, "\\$&"); }

  function openArticle(slug) {
    var from = backTo;
    back.hidden = false;
    back.onclick = function () { backFocus = slug; (from || home)(); back.hidden = true; };
    load("articles/" + encodeURIComponent(slug), {}, function (a) {
      var content = el("div", { "class": "content" });
      // The HTML is the server's sanitised rendering of the article's
      // Markdown (no script, no event attribute, no javascript: URL).
      content.innerHTML = a.html;
      fixLinks(content, a.url);
      show([el("article", {}, [el("h1", { text: a.title, tabindex: "-1" }),
        el("p", { "class": "meta", text: (a.category ? a.category.name + " · " : "") + "Updated " + new Date(a.updated_at).toLocaleDateString() }), content]),
        a.url ? el("p", { "class": "open" }, [el("a", { href: a.url, target: "_blank", rel: "noopener noreferrer", text: "Open in the help center ↗" })]) : null]);
      status.textContent = a.title;
      body.querySelector("h1").focus();
    });
  }

  // fixLinks keeps links between articles inside the widget and sends every
  // other link to a new tab; relative addresses belong to the help center,
  // not to the page the widget is on.
  function fixLinks(content, base) {
    content.querySelectorAll("a[href]").forEach(function (a) {
      var href = a.getAttribute("href");
      var m = /^\/articles\/([^/?#]+)/.exec(href);
      if (m) {
        a.addEventListener("click", function (ev) { ev.preventDefault(); openArticle(decodeURIComponent(m[1])); });
        return;
      }
      if (base) a.href = new URL(href, base).href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
    });
    if (base) content.querySelectorAll("img[src]").forEach(function (img) { img.src = new URL(img.getAttribute("src"), base).href; });
  }

  /* ---------- open, close, keyboard ---------- */

  var started = false;

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    input.focus();
    if (!started) {
      started = true;
      home();
    }
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", function () { if (panel.hidden) open(); else close(); });
  closeBtn.addEventListener("click", close);

  var typing = 0;
  input.addEventListener("input", function () {
    clearTimeout(typing);
    typing = setTimeout(run, 250);
  });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { clearTimeout(typing); run(); }
  });
  function run() {
    var q = input.value.trim();
    if (q) search(q); else home();
  }

  // A modal dialog keeps focus inside: Tab cycles through the panel, and
  // Escape closes it and returns focus to the Help button.
  panel.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") {
      ev.preventDefault();
      close();
      return;
    }
    if (ev.key !== "Tab") return;
    var items = Array.prototype.filter.call(panel.querySelectorAll("button,a[href],input,[tabindex]"), function (n) {
      return n.tabIndex >= 0 && n.getClientRects().length > 0;
    });
    if (!items.length) return;
    var first = items[0], last = items[items.length - 1], active = root.activeElement;
    if (ev.shiftKey && (active === first || !panel.contains(active))) {
      ev.preventDefault();
      last.focus();
    } else if (!ev.shiftKey && (active === last || !panel.contains(active))) {
      ev.preventDefault();
      first.focus();
    }
  });

  function attach() { document.body.appendChild(host); }
  if (document.body) attach();
  else document.addEventListener("DOMContentLoaded", attach);
})();
