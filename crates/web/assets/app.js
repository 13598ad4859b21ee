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

  // Name suggestions for pickers: fill <datalist id=listId> from url?q= while the user types
  // (companies in the contact and deal forms, contacts in the deal form).
  function suggest(listId, url) {
    var list = doc.getElementById(listId);
    if (!list || !window.fetch) return;
    var timer = null;
    var pending = null;
    var lastQuery = "";
    var onInput = function (e) {
      var q = e.target.value.trim();
      clearTimeout(timer);
      if (Array.from(q).length < 2 || q === lastQuery) return;
      timer = setTimeout(function () {
        lastQuery = q;
        if (pending) pending.abort();
        pending = window.AbortController ? new AbortController() : null;
        fetch(url + "?q=" + encodeURIComponent(q), {
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
    var inputs = doc.querySelectorAll('input[list="' + listId + '"]');
    for (var i = 0; i < inputs.length; i++) inputs[i].addEventListener("input", onInput);
  }
  suggest("company-suggestions", "/companies/suggest");
  suggest("contact-suggestions", "/contacts/suggest");
})();

/* ==========================================================================
   Deals (board, line items).
   Progressive enhancement only: every action also works through plain links and forms.
   ========================================================================== */

// Stage colours. The templates put a validated "--stage: #rrggbb" in a style attribute, which the
// Content-Security-Policy (style-src 'self') does not apply; setting the same custom property
// through the CSSOM is allowed, so copy it over. Without JS the stage colour falls back to grey.
(function () {
  "use strict";
  var els = document.querySelectorAll("[style]");
  for (var i = 0; i < els.length; i++) {
    var m = /--stage:\s*(#[0-9a-fA-F]{6})\b/.exec(els[i].getAttribute("style") || "");
    if (m) els[i].style.setProperty("--stage", m[1]);
  }
})();

// Deals board: drag and drop, keyboard moves, "load more".
(function () {
  "use strict";
  var doc = document;
  var board = doc.querySelector(".board");
  if (!board || !window.fetch) return;
  var statusEl = doc.getElementById("board-status");
  var errorBox = doc.querySelector(".board-error");
  var errorText = errorBox ? errorBox.querySelector(".board-error-text") : null;
  var dialog = doc.getElementById("lost-dialog");
  var rtl = (doc.documentElement.getAttribute("dir") || "").toLowerCase() === "rtl";
  var announceTimer = null;

  // Texts come translated from data-msg-* attributes, with {title} and {stage} placeholders.
  function msg(name, vars) {
    var text = board.getAttribute("data-msg-" + name) || "";
    if (vars) {
      Object.keys(vars).forEach(function (k) {
        text = text.split("{" + k + "}").join(vars[k]);
      });
    }
    return text;
  }

  function announce(text) {
    if (!statusEl) return;
    clearTimeout(announceTimer);
    statusEl.textContent = "";
    // Set after a pause so the same message twice in a row is announced twice.
    announceTimer = setTimeout(function () { statusEl.textContent = text; }, 60);
  }

  function showError(text) {
    if (errorBox && errorText) {
      errorText.textContent = text;
      errorBox.hidden = false;
    }
    announce(text);
  }

  function hideError() {
    if (errorBox) errorBox.hidden = true;
  }

  function csrfToken() {
    var el = doc.querySelector('input[name="csrf_token"]');
    return el ? el.value : "";
  }

  function columns() { return Array.prototype.slice.call(board.querySelectorAll(".board-column")); }
  function columnOf(el) { return el && el.closest ? el.closest(".board-column") : null; }
  function listOf(col) { return col.querySelector(".board-cards"); }
  function stageName(col) { return col ? col.getAttribute("data-stage-name") || "" : ""; }
  function cardOf(el) { return el && el.closest ? el.closest(".board-card") : null; }
  function cardTitle(card) {
    var a = card.querySelector(".board-card-title");
    return a ? a.textContent.trim() : "";
  }
  function cardLink(card) {
    var a = card.querySelector(".board-card-title");
    return a ? a.href : "/deals/" + card.getAttribute("data-deal-id");
  }
  function isBusy(card) { return card.getAttribute("aria-busy") === "true"; }

  function adjustCount(col, delta) {
    var el = col.querySelector("[data-count]");
    if (!el) return;
    var n = Math.max(0, (parseInt(el.getAttribute("data-count"), 10) || 0) + delta);
    el.setAttribute("data-count", String(n));
    el.textContent = String(n);
  }

  // The money totals are formatted on the server; after a move they are out of date until reload.
  function markStale(col) {
    var totals = col.querySelector(".board-totals");
    if (!totals) return;
    totals.classList.add("is-stale");
    totals.title = msg("stale");
  }

  function putBack(card, list, next) {
    if (next && next.parentNode === list) {
      list.insertBefore(card, next);
    } else {
      list.insertBefore(card, list.querySelector(".board-more-item"));
    }
  }

  // Moves the card at once, then asks the server; puts it back if the server says no.
  function move(card, target, lostReason, done) {
    var from = columnOf(card);
    var fromList = card.parentNode;
    var next = card.nextSibling;
    var hadFocus = doc.activeElement === card;
    var targetList = listOf(target);
    var stageId = target.getAttribute("data-stage-id");
    hideError();
    targetList.insertBefore(card, targetList.firstChild);
    if (hadFocus) card.focus();
    adjustCount(from, -1);
    adjustCount(target, 1);
    card.setAttribute("aria-busy", "true");
    card.classList.add("is-saving");
    announce(msg("saving"));

    var body = "csrf_token=" + encodeURIComponent(csrfToken()) +
      "&stage_id=" + encodeURIComponent(stageId) +
      "&version=" + encodeURIComponent(card.getAttribute("data-version") || "");
    if (lostReason) body += "&lost_reason_id=" + encodeURIComponent(lostReason);

    function finish() {
      card.removeAttribute("aria-busy");
      card.classList.remove("is-saving");
    }

    function fail(text) {
      var focused = doc.activeElement === card;
      putBack(card, fromList, next);
      if (focused) card.focus();
      adjustCount(from, 1);
      adjustCount(target, -1);
      finish();
      showError(text || msg("failed"));
      if (done) done(false);
    }

    fetch("/deals/" + encodeURIComponent(card.getAttribute("data-deal-id")) + "/move", {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded"
      },
      body: body
    })
      .then(function (r) {
        return r.json().then(
          function (data) { return { ok: r.ok && !r.redirected, data: data }; },
          function () { return { ok: false, data: null }; }
        );
      })
      .then(function (res) {
        var data = res.data;
        if (res.ok && data && data.version !== undefined && data.version !== null) {
          card.setAttribute("data-version", String(data.version));
          card.setAttribute("data-stage-id", String(data.stage_id !== undefined ? data.stage_id : stageId));
          finish();
          markStale(from);
          markStale(target);
          announce(msg("dropped", { title: cardTitle(card), stage: stageName(target) }));
          if (done) done(true);
        } else {
          fail(data && data.error && typeof data.error.message === "string" ? data.error.message : "");
        }
      })
      .catch(function () { fail(""); });
  }

  // Asks for the lost reason in <dialog id="lost-dialog">; cb(null) when cancelled.
  function askLostReason(cb) {
    var select = dialog.querySelector('select[name="lost_reason_id"]');
    if (select) select.value = "";
    dialog.returnValue = "";
    var onClose = function () {
      dialog.removeEventListener("close", onClose);
      if (dialog.returnValue === "ok") cb(select ? select.value : "");
      else cb(null);
    };
    dialog.addEventListener("close", onClose);
    dialog.showModal();
  }

  // done(moved, cancelled)
  function requestMove(card, target, done) {
    if (!target || target === columnOf(card) || isBusy(card)) {
      done(false, true);
      return;
    }
    if (target.getAttribute("data-stage-kind") === "lost") {
      if (!dialog || typeof dialog.showModal !== "function") {
        // No <dialog> support: the deal's page has the stage form with the lost reason.
        window.location.href = cardLink(card);
        return;
      }
      askLostReason(function (reason) {
        if (reason === null) done(false, true);
        else move(card, target, reason, function (ok) { done(ok, false); });
      });
      return;
    }
    move(card, target, "", function (ok) { done(ok, false); });
  }

  function announceCancelled(card) {
    announce(msg("cancelled", { title: cardTitle(card), stage: stageName(columnOf(card)) }));
  }

  // Keyboard: Space picks up, arrows choose the column, Space/Enter drops, Escape cancels.
  var grabbed = null;
  var targetIdx = -1;

  function highlight(col) {
    columns().forEach(function (c) { c.classList.toggle("is-target", c === col); });
  }

  function release() {
    if (grabbed) {
      grabbed.setAttribute("aria-grabbed", "false");
      grabbed.classList.remove("is-grabbed");
    }
    grabbed = null;
    targetIdx = -1;
    highlight(null);
  }

  function pickUp(card) {
    if (isBusy(card)) return;
    hideError();
    release();
    grabbed = card;
    card.setAttribute("aria-grabbed", "true");
    card.classList.add("is-grabbed");
    var col = columnOf(card);
    targetIdx = columns().indexOf(col);
    highlight(col);
    announce(msg("picked", { title: cardTitle(card), stage: stageName(col) }));
  }

  function chooseTarget(step) {
    var cols = columns();
    var idx = Math.max(0, Math.min(cols.length - 1, targetIdx + step));
    targetIdx = idx;
    var col = cols[idx];
    highlight(col);
    if (col.scrollIntoView) col.scrollIntoView({ block: "nearest", inline: "nearest" });
    announce(msg("over", { stage: stageName(col) }));
  }

  function cancelGrab() {
    var card = grabbed;
    release();
    if (card) announceCancelled(card);
  }

  function drop() {
    var card = grabbed;
    var target = columns()[targetIdx];
    release();
    requestMove(card, target, function (moved, cancelled) {
      if (cancelled) announceCancelled(card);
      if (card.isConnected) card.focus();
    });
  }

  board.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    var key = e.key;
    var isSpace = key === " " || key === "Spacebar";
    var el = e.target;
    var onCard = el && el.classList && el.classList.contains("board-card");
    if (grabbed && (!onCard || el !== grabbed)) {
      // Focus went elsewhere while a card was held: the move is off.
      cancelGrab();
      if (key === "Escape") e.preventDefault();
      return;
    }
    if (!onCard) return;
    if (!grabbed) {
      if (isSpace) {
        e.preventDefault();
        pickUp(el);
      } else if (key === "Enter") {
        e.preventDefault();
        window.location.href = cardLink(el);
      } else if (key === "ArrowDown" || key === "ArrowUp") {
        // Up and down walk through the cards of a column.
        var sib = key === "ArrowDown" ? el.nextElementSibling : el.previousElementSibling;
        while (sib && !sib.classList.contains("board-card")) {
          if (sib.classList.contains("board-more-item")) { sib = sib.querySelector("a"); break; }
          sib = key === "ArrowDown" ? sib.nextElementSibling : sib.previousElementSibling;
        }
        if (sib) {
          e.preventDefault();
          sib.focus();
        }
      }
      return;
    }
    if (key === "ArrowLeft" || key === "ArrowRight") {
      e.preventDefault();
      var step = key === "ArrowRight" ? 1 : -1;
      chooseTarget(rtl ? -step : step);
    } else if (isSpace || key === "Enter") {
      e.preventDefault();
      drop();
    } else if (key === "Escape") {
      e.preventDefault();
      cancelGrab();
    } else if (key === "Tab") {
      cancelGrab();
    }
  });

  // With this script a card is one tab stop: Enter on it opens the deal, so its title link leaves
  // the tab order; and the keyboard instructions now apply, so the card points to them.
  var help = doc.getElementById("board-help");
  function prepare(card) {
    if (help) card.setAttribute("aria-describedby", "board-help");
    var a = card.querySelector(".board-card-title");
    if (a) a.setAttribute("tabindex", "-1");
  }
  Array.prototype.forEach.call(board.querySelectorAll(".board-card"), prepare);

  board.addEventListener("focusout", function (e) {
    // Leaving the held card (by mouse or otherwise) cancels a keyboard move.
    if (grabbed && e.target === grabbed && e.relatedTarget && e.relatedTarget !== grabbed) cancelGrab();
  });

  // Drag and drop with the mouse (HTML5 DnD).
  var dragged = null;

  function clearDrag() {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    columns().forEach(function (c) { c.classList.remove("is-over"); });
  }

  board.addEventListener("dragstart", function (e) {
    var card = cardOf(e.target);
    if (!card || isBusy(card)) {
      if (card) e.preventDefault();
      return;
    }
    release();
    hideError();
    dragged = card;
    card.classList.add("is-dragging");
    if (e.dataTransfer) {
      e.dataTransfer.effectAllowed = "move";
      try { e.dataTransfer.setData("text/plain", card.getAttribute("data-deal-id")); } catch (err) { /* old browsers */ }
    }
  });

  board.addEventListener("dragover", function (e) {
    if (!dragged) return;
    var col = columnOf(e.target);
    columns().forEach(function (c) { c.classList.toggle("is-over", c === col && c !== columnOf(dragged)); });
    if (!col || col === columnOf(dragged)) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = "move";
  });

  board.addEventListener("dragleave", function (e) {
    if (dragged && !(e.relatedTarget && board.contains(e.relatedTarget))) {
      columns().forEach(function (c) { c.classList.remove("is-over"); });
    }
  });

  board.addEventListener("drop", function (e) {
    if (!dragged) return;
    var col = columnOf(e.target);
    var card = dragged;
    clearDrag();
    if (!col) return;
    e.preventDefault();
    requestMove(card, col, function (moved, cancelled) {
      if (cancelled && col !== columnOf(card)) announceCancelled(card);
    });
  });

  board.addEventListener("dragend", clearDrag);

  // "Load more": fetch the next cards of a column and put them in place of the link.
  board.addEventListener("click", function (e) {
    var link = e.target && e.target.closest ? e.target.closest("a.board-more[data-more-url]") : null;
    if (!link || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    if (link.getAttribute("aria-busy") === "true") return;
    link.setAttribute("aria-busy", "true");
    var item = link.closest(".board-more-item");
    var list = item.parentNode;
    var hadFocus = doc.activeElement === link;
    fetch(link.getAttribute("data-more-url"), {
      credentials: "same-origin",
      headers: { Accept: "text/html" }
    })
      .then(function (r) {
        if (!r.ok || r.redirected) throw new Error("HTTP " + r.status);
        return r.text();
      })
      .then(function (html) {
        var tpl = doc.createElement("template");
        tpl.innerHTML = html;
        var first = null;
        Array.prototype.slice.call(tpl.content.childNodes).forEach(function (n) {
          if (n.nodeType !== 1 || n.tagName !== "LI") return;
          var id = n.getAttribute("data-deal-id");
          // A card moved here meanwhile may come again: keep the one on the board.
          if (id && /^\d+$/.test(id) && board.querySelector('.board-card[data-deal-id="' + id + '"]')) return;
          list.insertBefore(n, item);
          if (n.classList.contains("board-card")) {
            prepare(n);
            if (!first) first = n;
          }
        });
        list.removeChild(item);
        if (hadFocus) {
          var next = first || list.querySelector(".board-more") || list.lastElementChild;
          if (next) next.focus();
        }
        announce(msg("loaded"));
      })
      .catch(function () {
        // Fall back to the list view of this stage.
        window.location.href = link.href;
      });
  });
})();

// Deal line items: "add row", and product suggestions that fill product_id and the price.
(function () {
  "use strict";
  var doc = document;
  var table = doc.querySelector("table[data-lines]");
  if (!table || !table.tBodies.length) return;
  var tbody = table.tBodies[0];
  var each = function (nodes, fn) { Array.prototype.forEach.call(nodes, fn); };

  // Remember what each row had when the page loaded, so typing the old name back restores it.
  each(tbody.querySelectorAll("tr[data-line]"), function (row) {
    var name = row.querySelector("[data-line-name]");
    var pid = row.querySelector("[data-line-product]");
    if (name && pid) {
      pid.setAttribute("data-orig-id", pid.value);
      name.setAttribute("data-orig-name", name.value);
    }
  });

  var addBtn = doc.querySelector("[data-add-line]");
  if (addBtn) {
    addBtn.hidden = false;
    addBtn.addEventListener("click", function () {
      var rows = tbody.querySelectorAll("tr[data-line]");
      var last = rows[rows.length - 1];
      if (!last) return;
      var i = rows.length;
      var row = last.cloneNode(true);
      each(row.querySelectorAll(".field-error"), function (p) { p.parentNode.removeChild(p); });
      each(row.querySelectorAll(".has-error"), function (c) { c.classList.remove("has-error"); });
      each(row.querySelectorAll("[id]"), function (el) {
        el.id = el.id.replace(/^line-\d+-/, "line-" + i + "-");
      });
      each(row.querySelectorAll("input"), function (inp) {
        inp.value = "";
        inp.removeAttribute("aria-invalid");
        inp.removeAttribute("aria-describedby");
        inp.removeAttribute("data-orig-id");
        inp.removeAttribute("data-orig-name");
        var by = inp.getAttribute("aria-labelledby");
        if (by) inp.setAttribute("aria-labelledby", by.replace(/line-\d+-no/, "line-" + i + "-no"));
      });
      var no = row.querySelector("[data-line-no]");
      if (no) no.textContent = String(i + 1);
      var total = row.querySelector("[data-line-total]");
      if (total) total.textContent = "";
      tbody.appendChild(row);
      var name = row.querySelector("[data-line-name]");
      if (name) name.focus();
    });
  }

  var list = doc.getElementById("product-suggestions");
  if (!list || !window.fetch) return;
  var known = Object.create(null);
  var timer = null;
  var pending = null;
  var lastQuery = "";

  // A name equal to a suggestion picks that product; any other name unlinks the product.
  function sync(input) {
    var row = input.closest("tr");
    var pid = row && row.querySelector("[data-line-product]");
    if (!pid) return;
    var name = input.value.trim();
    var item = known[name];
    if (item) {
      pid.value = String(item.id);
      var price = row.querySelector("[data-line-price]");
      if (price && !price.value.trim() && item.price_text) price.value = item.price_text;
    } else if (input.hasAttribute("data-orig-name") && name === input.getAttribute("data-orig-name").trim()) {
      pid.value = pid.getAttribute("data-orig-id") || "";
    } else {
      pid.value = "";
    }
  }

  function onInput(e) {
    var input = e.target;
    if (!input || !input.matches || !input.matches("[data-line-name]")) return;
    sync(input);
    var q = input.value.trim();
    clearTimeout(timer);
    if (q.length < 1 || q === lastQuery) return;
    timer = setTimeout(function () {
      lastQuery = q;
      if (pending) pending.abort();
      pending = window.AbortController ? new AbortController() : null;
      fetch("/products/suggest?q=" + encodeURIComponent(q), {
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
            known[item.name.trim()] = item;
            var opt = doc.createElement("option");
            opt.value = item.name;
            var hint = [item.price_text, item.currency].filter(Boolean).join(" ");
            if (item.unit) hint += (hint ? " / " : "") + item.unit;
            if (hint) opt.label = hint;
            list.appendChild(opt);
          });
          // The name may already match now that the suggestions are here.
          if (doc.activeElement === input) sync(input);
        })
        .catch(function (err) { if (!err || err.name !== "AbortError") lastQuery = ""; });
    }, 150);
  }

  table.addEventListener("input", onInput);
  table.addEventListener("change", function (e) {
    if (e.target && e.target.matches && e.target.matches("[data-line-name]")) sync(e.target);
  });
})();

/* ==========================================================================
   Notifications, calendar.
   Progressive enhancement only: the bell is a link, calendar entries are links.
   ========================================================================== */

// The bell: the server pushes the unread count ("unread" events on data-stream); the badge, the
// page title and the link's spoken label follow, and a new notification is announced and shown
// as a toast for a few seconds. EventSource reconnects by itself.
(function () {
  "use strict";
  var doc = document;
  var bell = doc.querySelector(".bell[data-stream]");
  if (!bell || !window.EventSource) return;
  var badge = bell.querySelector("[data-bell-count]");
  var label = bell.querySelector("[data-bell-label]");
  var statusEl = doc.getElementById("bell-status");
  var toast = doc.querySelector("[data-toast]");
  var toastLink = toast ? toast.querySelector(".toast-link") : null;
  var baseTitle = doc.title.replace(/^\(\d+\) /, "");
  var count = badge ? parseInt(badge.textContent, 10) || 0 : 0;
  var plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules(doc.documentElement.lang || "en") : null;
  var toastTimer = null;
  var announceTimer = null;

  // "N unread" in the page's language: the layout renders the text once per plural category
  // (data-label-one, -few, -many, -other, each with its own number) and the number is swapped.
  function unreadText(n) {
    var cat = plural ? plural.select(n) : (n === 1 ? "one" : "other");
    var text = bell.getAttribute("data-label-" + cat) || bell.getAttribute("data-label-other") || "";
    return text.replace(/\d+/, String(n));
  }

  function show(n) {
    count = n;
    if (badge) {
      badge.textContent = String(n);
      badge.hidden = n <= 0;
    }
    if (label) label.textContent = n > 0 ? " (" + unreadText(n) + ")" : "";
    doc.title = (n > 0 ? "(" + n + ") " : "") + baseTitle;
  }

  function announce(text) {
    if (!statusEl) return;
    clearTimeout(announceTimer);
    statusEl.textContent = "";
    announceTimer = setTimeout(function () { statusEl.textContent = text; }, 60);
  }

  // Only links within this site: a notification's link is a path such as "/tasks/5".
  function safeLink(link) {
    return typeof link === "string" && link.charAt(0) === "/" && link.charAt(1) !== "/" && link.charAt(1) !== "\\" ? link : "/notifications";
  }

  function hideToast() {
    clearTimeout(toastTimer);
    if (toast) toast.hidden = true;
  }

  // Stays while the pointer or the keyboard is on it, so it can still be read and followed.
  function hideToastLater(ms) {
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () {
      if (toast.matches(":hover") || toast.contains(doc.activeElement)) hideToastLater(2000);
      else hideToast();
    }, ms);
  }

  function showToast(latest) {
    if (!toast || !toastLink) return;
    toastLink.textContent = latest.text;
    toastLink.href = safeLink(latest.link);
    toast.hidden = false;
    hideToastLater(8000);
  }

  if (toast) {
    toast.addEventListener("click", function (e) {
      if (e.target && e.target.closest && e.target.closest("[data-toast-close]")) hideToast();
    });
    toast.addEventListener("keydown", function (e) {
      if (e.key === "Escape") hideToast();
    });
  }

  if (count > 0) show(count);

  var source = new EventSource(bell.getAttribute("data-stream"));
  source.addEventListener("unread", function (e) {
    var data;
    try { data = JSON.parse(e.data); } catch (err) { return; }
    if (!data || typeof data.unread !== "number") return;
    var n = Math.max(0, Math.floor(data.unread));
    var before = count;
    show(n);
    var latest = data.latest;
    if (n > before && latest && typeof latest.text === "string" && latest.text) {
      announce(latest.text);
      showToast(latest);
    }
  });
  // Leaving the page closes the stream at once rather than when the browser gets to it.
  window.addEventListener("pagehide", function () { source.close(); });
})();

// Calendar: drag a task or meeting onto another day. The server moves it (POST /calendar/move)
// or says why not; the entry moves on the page only once the server has agreed.
(function () {
  "use strict";
  var doc = document;
  var cal = doc.querySelector(".calendar");
  if (!cal || !window.fetch) return;
  var statusEl = doc.getElementById("cal-status");
  var dragged = null;

  function msg(name, vars) {
    var text = cal.getAttribute("data-msg-" + name) || "";
    if (vars) {
      Object.keys(vars).forEach(function (k) {
        text = text.split("{" + k + "}").join(vars[k]);
      });
    }
    return text;
  }

  function say(text, isError) {
    if (!statusEl) return;
    statusEl.classList.toggle("is-error", !!isError);
    statusEl.textContent = "";
    setTimeout(function () { statusEl.textContent = text; }, 60);
  }

  function csrfToken() {
    var el = doc.querySelector('input[name="csrf_token"]');
    return el ? el.value : "";
  }

  function dayOf(el) { return el && el.closest ? el.closest(".cal-day[data-date]") : null; }
  function entryOf(el) { return el && el.closest ? el.closest(".cal-entry") : null; }
  function days() { return Array.prototype.slice.call(cal.querySelectorAll(".cal-day[data-date]")); }
  function clearOver() { days().forEach(function (d) { d.classList.remove("drop-over"); }); }
  function dayLabel(day) {
    var h = day.querySelector(".cal-date");
    return h ? h.textContent.replace(/\s+/g, " ").trim() : day.getAttribute("data-date");
  }
  function entryTitle(entry) {
    var t = entry.querySelector(".cal-title");
    return t ? t.textContent.trim() : "";
  }

  // Keeps a day's entries in time order: untimed ones ("") first.
  function place(entry, day) {
    var list = day.querySelector(".cal-entries");
    if (!list) return;
    var time = entry.getAttribute("data-time") || "";
    var next = null;
    Array.prototype.some.call(list.children, function (li) {
      if (li !== entry && (li.getAttribute("data-time") || "") > time) {
        next = li;
        return true;
      }
      return false;
    });
    list.insertBefore(entry, next);
    day.classList.remove("is-empty");
  }

  function move(entry, target) {
    var from = dayOf(entry);
    entry.setAttribute("aria-busy", "true");
    entry.classList.add("is-saving");
    say(msg("saving"));
    var body = "csrf_token=" + encodeURIComponent(csrfToken()) +
      "&kind=" + encodeURIComponent(entry.getAttribute("data-kind") || "") +
      "&id=" + encodeURIComponent(entry.getAttribute("data-id") || "") +
      "&date=" + encodeURIComponent(target.getAttribute("data-date") || "");

    function finish() {
      entry.removeAttribute("aria-busy");
      entry.classList.remove("is-saving");
    }

    fetch("/calendar/move", {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Accept": "application/json",
        "Content-Type": "application/x-www-form-urlencoded"
      },
      body: body
    })
      .then(function (r) {
        return r.json().then(
          function (data) { return { ok: r.ok && !r.redirected, data: data }; },
          function () { return { ok: r.ok && !r.redirected, data: null }; }
        );
      })
      .then(function (res) {
        finish();
        if (res.ok) {
          place(entry, target);
          if (from && !from.querySelector(".cal-entry")) from.classList.add("is-empty");
          say(msg("moved", { title: entryTitle(entry), date: dayLabel(target) }));
        } else {
          var data = res.data;
          say(data && data.error && typeof data.error.message === "string" && data.error.message ? data.error.message : msg("failed"), true);
        }
      })
      .catch(function () {
        finish();
        say(msg("failed"), true);
      });
  }

  cal.addEventListener("dragstart", function (e) {
    var entry = entryOf(e.target);
    if (!entry || entry.getAttribute("aria-busy") === "true") {
      if (entry) e.preventDefault();
      return;
    }
    dragged = entry;
    entry.classList.add("is-dragging");
    if (e.dataTransfer) {
      e.dataTransfer.effectAllowed = "move";
      try { e.dataTransfer.setData("text/plain", entryTitle(entry)); } catch (err) { /* old browsers */ }
    }
  });

  cal.addEventListener("dragover", function (e) {
    if (!dragged) return;
    var day = dayOf(e.target);
    var home = dayOf(dragged);
    days().forEach(function (d) { d.classList.toggle("drop-over", d === day && d !== home); });
    if (!day || day === home) return;
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = "move";
  });

  cal.addEventListener("dragleave", function (e) {
    if (dragged && !(e.relatedTarget && cal.contains(e.relatedTarget))) clearOver();
  });

  cal.addEventListener("drop", function (e) {
    if (!dragged) return;
    var entry = dragged;
    var day = dayOf(e.target);
    dragged = null;
    entry.classList.remove("is-dragging");
    clearOver();
    if (!day || day === dayOf(entry)) return;
    e.preventDefault();
    move(entry, day);
  });

  cal.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    dragged = null;
    clearOver();
  });
})();
