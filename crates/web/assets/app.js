// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  var doc = document;
  doc.documentElement.classList.add("js");

  function isTyping(el) {
    if (!el) return false;
    if (el.isContentEditable) return true;
    return /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName);
  }

  // Forms with data-confirm ask before submitting (e.g. delete).
  doc.addEventListener("submit", function (e) {
    var form = e.target;
    var msg = form && form.getAttribute && form.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) e.preventDefault();
  });

  // The language select submits itself; its button stays for keyboard and no-JS use.
  doc.addEventListener("change", function (e) {
    var el = e.target;
    if (el && el.matches && el.matches("select[data-autosubmit]") && el.form) {
      if (el.form.requestSubmit) el.form.requestSubmit();
      else el.form.submit();
    }
  });

  // "/" focuses the search box unless the user is typing somewhere.
  doc.addEventListener("keydown", function (e) {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    if (isTyping(doc.activeElement)) return;
    var box = doc.getElementById("site-search");
    if (!box) return;
    e.preventDefault();
    box.focus();
    box.select();
  });

  // Move focus to the error summary so screen readers announce it.
  var summary = doc.querySelector(".error-summary");
  if (summary) summary.focus();

  // Company name suggestions: fill <datalist id="company-suggestions"> from the server.
  var list = doc.getElementById("company-suggestions");
  if (list && window.fetch) {
    var timer = null;
    var pending = null;
    var lastQuery = "";
    var inputs = doc.querySelectorAll('input[list="company-suggestions"]');
    var onInput = function (e) {
      var q = e.target.value.trim();
      clearTimeout(timer);
      if (Array.from(q).length < 2 || q === lastQuery) return;
      timer = setTimeout(function () {
        lastQuery = q;
        if (pending) pending.abort();
        pending = window.AbortController ? new AbortController() : null;
        fetch("/companies/suggest?q=" + encodeURIComponent(q), {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
          signal: pending ? pending.signal : undefined
        })
          .then(function (r) { return r.ok ? r.json() : []; })
          .then(function (items) {
            if (!Array.isArray(items)) return;
            list.textContent = "";
            items.forEach(function (item) {
              if (!item || typeof item.name !== "string") return;
              var opt = doc.createElement("option");
              opt.value = item.name;
              list.appendChild(opt);
            });
          })
          .catch(function (err) { if (!err || err.name !== "AbortError") lastQuery = ""; });
      }, 150);
    };
    for (var i = 0; i < inputs.length; i++) inputs[i].addEventListener("input", onInput);
  }
})();
