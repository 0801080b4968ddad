/* Work without a signal (app/views/offline.py): registers the service worker,
   and on a today page puts every form it sends into a queue on the phone
   (IndexedDB) first. With a signal the record is sent at once and the page
   opens again as after a normal form; without one it waits, shown under
   "waiting to send", and goes out in order when the network returns, when
   any page of the user opens, and every 30 seconds while records wait (a
   phone may say "online" while the server cannot be reached). Each record
   carries its form's one-time token, so however often it is sent the server
   records it once.
   A today page kept since an earlier day moves its forms' dates to the
   phone's day, and says so; a page the worker answered from the phone says
   the time its figures are from.
   Signing out warns when unsent records exist; records of one user are never
   sent in another user's session, and are deleted when another user signs in.
   Texts come from the script tag (data-i18n), so the file stays cacheable. */
(function () {
  "use strict";
  var script = document.currentScript;
  var t = JSON.parse(script.getAttribute("data-i18n") || "{}");
  var user = script.getAttribute("data-user") || "";
  var sessionUrl = script.getAttribute("data-session");
  if (!("indexedDB" in window) || !window.fetch) return;

  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(script.getAttribute("data-worker"), {scope: "/"}).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      if (navigator.serviceWorker.controller || !registration.active) return;
      // The first visit ran before the worker existed. Its files go into the
      // worker's cache from here, through this page's HTTP cache (no second
      // download); the page itself the worker fetches, to learn whose it is.
      var shell = "masklog-shell-" + script.getAttribute("data-release");
      var files = performance.getEntriesByType("resource").map(function (entry) { return entry.name; })
        .filter(function (href) { return href.indexOf(location.origin + "/static/") === 0 ||
                                         href.indexOf(location.origin + "/fonts/") === 0; });
      caches.open(shell).then(function (cache) {
        return Promise.all(files.map(function (href) {
          return cache.match(href).then(function (kept) {
            return kept || fetch(href, {credentials: "same-origin"}).then(function (response) {
              if (response.ok) return cache.put(href, response);
            });
          });
        }));
      }).catch(function () {});
      // A signed-out page (the sign-in page) holds nothing to keep: not fetched again.
      if (user) registration.active.postMessage({type: "remember", urls: [location.href]});
    }).catch(function () {});
  }

  /* ---------------------------------------------------------------- the store */
  function openStore() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open("masklog", 1);
      request.onupgradeneeded = function () { request.result.createObjectStore("queue", {keyPath: "id"}); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function withQueue(mode, work) {
    return openStore().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("queue", mode), store = tx.objectStore("queue"), result;
        Promise.resolve(work(store)).then(function (value) { result = value; });
        tx.oncomplete = function () { db.close(); resolve(result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }
  function allItems() {
    return withQueue("readonly", function (store) {
      return new Promise(function (resolve) {
        var request = store.getAll();
        request.onsuccess = function () {
          resolve(request.result.sort(function (a, b) { return a.created - b.created; }));
        };
      });
    });
  }
  function saveItem(item) { return withQueue("readwrite", function (store) { store.put(item); }); }
  function deleteItems(ids) {
    return withQueue("readwrite", function (store) { ids.forEach(function (id) { store.delete(id); }); });
  }
  function unsent(items) { return items.filter(function (item) { return item.state === "waiting" || item.state === "sending"; }); }

  /* ---------------------------------------------------------------- signing out, another user */
  function forgetEverything(items) {
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({type: "forget"});
    }
    return deleteItems(items.map(function (item) { return item.id; }));
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[href]");
    if (!link || !/\/logout\/?$/.test(link.pathname)) return;
    event.preventDefault();
    allItems().then(function (items) {
      var waiting = unsent(items);
      if (waiting.length && !window.confirm(t.signOutWarning.replace("{n}", waiting.length))) return null;
      return forgetEverything(items).then(function () { location.href = link.href; });
    }).catch(function () { location.href = link.href; });
  });

  allItems().then(function (items) {
    var others = items.filter(function (item) { return item.user !== user; });
    if (!others.length) return;
    if (!user) {  // the sign-in page: say what signing in as someone else will delete
      var waiting = unsent(others);
      var form = document.querySelector("form[name=login], #loginform, form");
      if (waiting.length && form) {
        var box = document.createElement("p");
        box.className = "alert alert-warning";
        box.id = "queue-other-user";
        box.textContent = t.otherUserWarning.replace("{n}", waiting.length).split("{name}").join(waiting[0].userName);
        form.parentNode.insertBefore(box, form);
      }
      return;
    }
    return forgetEverything(others);  // another user signed in, warned on the sign-in page
  }).catch(function () {});

  /* ---------------------------------------------------------------- every page of the user */
  if (!user) return;
  var RETRY_MS = 30000;
  var panel = document.getElementById("offline-queue");  // only on a today page
  var banner = document.getElementById("offline-banner");
  var fromPhone = !!banner && banner.getAttribute("data-from") === "phone";  // the worker's kept copy

  function randomToken() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function renewToken(form) {
    // A page kept on the phone carries the tokens it was served with: every
    // record needs its own, or the server would take the second for the first.
    var field = form.querySelector("input[name=form_token]");
    if (!field) return;
    var line = field.value.indexOf("-") >= 0 ? field.value.slice(field.value.indexOf("-")) : "";
    field.value = randomToken() + line;
  }
  function number(text) {
    var digits = String(text || "").replace(/[\u0e50-\u0e59]/g, function (d) { return d.charCodeAt(0) - 0x0e50; })
      .replace(/[,\s]/g, "");
    return /^\d+$/.test(digits) ? parseInt(digits, 10) : 0;
  }
  function summary(form, fields) {
    var pieces = 0;
    fields.forEach(function (pair) {
      if (/^(pieces-|share-)\d+$|^(quantity_sent|received|quantity)$/.test(pair[0])) pieces += number(pair[1]);
    });
    var label = form.getAttribute("data-queue-label") || "";
    return pieces ? label + " · " + pieces.toLocaleString("th-TH") + " " + t.pieces : label;
  }

  /* ---------------------------------------------------------------- dates */
  function phoneDay() {
    // The day in Thailand by the phone's clock, as the server counts days (app/thai.py).
    var now = new Date(), parts = {};
    try {
      new Intl.DateTimeFormat("en-US", {timeZone: "Asia/Bangkok", year: "numeric", month: "2-digit", day: "2-digit"})
        .formatToParts(now).forEach(function (part) { parts[part.type] = part.value; });
      return parts.year + "-" + parts.month + "-" + parts.day;
    } catch (error) {
      return now.getFullYear() + "-" + ("0" + (now.getMonth() + 1)).slice(-2) + "-" + ("0" + now.getDate()).slice(-2);
    }
  }
  function typedDate(iso) {  // as the forms show it: d/m/yyyy in B.E. (thai_date_input)
    var parts = iso.split("-");
    return parseInt(parts[2], 10) + "/" + parseInt(parts[1], 10) + "/" + (parseInt(parts[0], 10) + 543);
  }
  function shownDate(iso) {  // "8 พ.ค. 2563", as the pages show dates
    var parts = iso.split("-");
    return parseInt(parts[2], 10) + " " + t.months[parseInt(parts[1], 10) - 1] + " " + (parseInt(parts[0], 10) + 543);
  }
  function moveDates() {
    /* The page was synced on an earlier day (kept on the phone, or left open
       overnight): the dates still on that day become the phone's today, or
       every record would be dated the day the page was fetched. */
    var synced = banner && banner.getAttribute("data-day"), day = phoneDay();
    if (!synced || day <= synced) return;
    var from = typedDate(synced), to = typedDate(day), moved = 0;
    document.querySelectorAll("form[data-queue-label] input[name=date]").forEach(function (field) {
      if (field.value.trim() !== from) return;  // typed by the officer: theirs
      field.value = field.defaultValue = to;  // and so after the form is cleared
      moved += 1;
    });
    if (!moved) return;
    var note = banner.querySelector(".masklog-dates-moved");
    note.textContent = t.datesMoved.replace("{synced}", banner.getAttribute("data-synced")).replace("{date}", shownDate(day));
    note.hidden = false;
    banner.setAttribute("data-day", day);
  }

  /* ---------------------------------------------------------------- what the page shows */
  function render(items) {
    if (!panel) return;
    var mine = items.filter(function (item) { return item.user === user; });
    panel.hidden = !mine.length;
    var list = panel.querySelector("ul");
    list.innerHTML = "";
    mine.forEach(function (item) {
      var row = document.createElement("li");
      row.className = "masklog-queue-item masklog-queue-" + item.state;
      row.id = "queued-" + item.id;
      var what = document.createElement("strong");
      what.textContent = item.summary;
      var when = document.createElement("small");
      when.textContent = " · " + new Date(item.created).toLocaleTimeString("th-TH", {hour: "2-digit", minute: "2-digit"}) + " " + t.oclock;
      var state = document.createElement("p");
      state.className = "masklog-queue-state";
      state.textContent = item.state === "sent" ? t.sent + (item.document ? " · " + t.documentNo + " " + item.document : "")
        : item.state === "refused" ? t.refused + " " + item.message
        : item.needsSignIn ? t.signInToSend : t.waiting;
      row.appendChild(what);
      row.appendChild(when);
      row.appendChild(state);
      if (item.state === "sent" || item.state === "refused") {
        var dismiss = document.createElement("button");
        dismiss.type = "button";
        dismiss.className = "btn btn-default masklog-queue-dismiss";
        dismiss.textContent = t.dismiss;
        dismiss.addEventListener("click", function () { deleteItems([item.id]).then(refresh); });
        row.appendChild(dismiss);
      }
      list.appendChild(row);
    });
  }
  function refresh() { return allItems().then(render); }

  function showSignal() {
    if (!banner) return;
    var offline = !navigator.onLine;
    banner.querySelector(".masklog-no-signal").hidden = !offline;
    banner.querySelector(".masklog-unreachable").hidden = offline || !fromPhone;
    banner.hidden = offline || fromPhone ? false : banner.querySelector(".masklog-dates-moved").hidden;
  }

  function toast(done) {
    /* Another page than the today page sent the queue: a short note of it. */
    var old = document.getElementById("queue-toast");
    if (old) old.parentNode.removeChild(old);
    var box = document.createElement("div");
    box.id = "queue-toast";
    box.className = "alert masklog-queue-toast " + (done.refused ? "alert-warning" : "alert-success");
    box.setAttribute("role", "status");
    var text = [];
    if (done.sent) text.push(t.queueSent.replace("{n}", done.sent));
    if (done.refused) text.push(t.queueRefused.replace("{n}", done.refused));
    box.appendChild(document.createTextNode(text.join(" ") + " "));
    var link = document.createElement("a");
    link.href = script.getAttribute("data-today");
    link.textContent = t.queueSee;
    box.appendChild(link);
    var close = document.createElement("button");
    close.type = "button";
    close.className = "close";
    close.setAttribute("aria-label", t.dismiss);
    close.textContent = "×";
    close.addEventListener("click", function () { box.parentNode.removeChild(box); });
    box.insertBefore(close, box.firstChild);
    document.body.appendChild(box);
  }

  /* ---------------------------------------------------------------- sending */
  function post(item, mode, csrf) {
    var body = new URLSearchParams();
    item.fields.forEach(function (pair) { if (pair[0] !== "csrf_token") body.append(pair[0], pair[1]); });
    body.append("csrf_token", csrf);
    return fetch(item.url, {method: "POST", body: body, credentials: "same-origin", redirect: "manual",
                            headers: {"X-MaskLog-Queue": mode, "Accept": "application/json"}});
  }

  /* The server's answer. The form's own JSON ({ok}) is final: sent, or refused
     with its Thai reason. Signed out (a redirect to the sign-in page), an
     expired CSRF token ({retry}: sent again with a fresh one), a failing or
     busy server (5xx, 408, 429) or no answer at all: the record waits, and the
     ones behind it with it, so the order holds. Any other refusal (a page or
     unit that is gone, a right withdrawn, a request the server cannot read) is
     final too, with the server's reason: it would never pass, and must not
     hold up the records behind it. */
  function outcome(response) {
    if (response.type === "opaqueredirect") return {wait: true, signIn: true};
    var status = response.status;
    var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
    return (json ? response.json() : Promise.resolve({})).catch(function () { return {}; }).then(function (answer) {
      if (typeof answer.ok === "boolean") return {answer: answer};
      if (answer.retry || status >= 500 || status === 408 || status === 429) return {wait: true};
      return {answer: {ok: false, message: answer.message || t.notAccepted.replace("{status}", status)}};
    });
  }

  function settle(item, result) {
    item.needsSignIn = !!result.signIn;
    if (result.wait) { item.state = "waiting"; return saveItem(item); }
    item.state = result.answer.ok ? "sent" : "refused";
    item.message = result.answer.message || "";
    item.document = result.answer.document || "";
    return saveItem(item);
  }

  var flushing = null;
  function flush() {
    /* Sends what waits, oldest first, in this user's session; stops at the
       first record that must wait, so the order holds. */
    if (flushing) return flushing;
    var done = {sent: 0, refused: 0};
    flushing = allItems().then(function (items) {
      var waiting = unsent(items).filter(function (item) { return item.user === user; });
      if (!waiting.length || !navigator.onLine) return;
      return fetch(sessionUrl, {credentials: "same-origin", cache: "no-store",
                             headers: {"X-MaskLog-Background": "1"}}).then(function (response) {
        if (!response.ok) throw new Error(response.status);  // the server is failing: later
        return response.json();
      }).then(function (session) {
        if (String(session.user || "") !== user) {
          waiting.forEach(function (item) { item.needsSignIn = true; });
          return Promise.all(waiting.map(saveItem));
        }
        return waiting.reduce(function (chain, item) {
          return chain.then(function (stop) {
            if (stop) return true;
            item.state = "sending";
            return saveItem(item).then(function () { return post(item, "later", session.csrf_token); })
              .then(outcome).then(function (result) {
                if (!result.wait) done[result.answer.ok ? "sent" : "refused"] += 1;
                return settle(item, result).then(function () { return !!result.wait; });
              }, function () { item.state = "waiting"; return saveItem(item).then(function () { return true; }); });
          });
        }, Promise.resolve(false));
      });
    }).catch(function () {}).then(function () {
      flushing = null;
      var changed = done.sent + done.refused > 0;
      // Figures on the today page changed: open it again (the queue stays listed until dismissed).
      if (changed && panel) location.reload();
      else {
        refresh();
        if (changed) toast(done);
      }
      return changed;
    });
    return flushing;
  }

  /* ---------------------------------------------------------------- the today page's forms */
  function queue(form, event) {
    event.preventDefault();
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      var input = form.elements[name];
      if (typeof value === "string" && !(input && input.type === "password")) fields.push([name, value]);
    });
    var token = (fields.filter(function (pair) { return pair[0] === "form_token"; })[0] || [])[1];
    var item = {id: token || randomToken(), user: user, userName: panel.getAttribute("data-user-name") || "",
                unit: panel.getAttribute("data-unit"), url: form.action, fields: fields, summary: summary(form, fields),
                created: Date.now(), state: "waiting"};
    var button = form.querySelector("[type=submit]");
    if (button) button.disabled = true;
    saveItem(item).then(function () {
      renewToken(form);
      if (!navigator.onLine) return {wait: true};
      item.state = "sending";
      return saveItem(item).then(function () {
        var csrf = (fields.filter(function (pair) { return pair[0] === "csrf_token"; })[0] || [])[1] || "";
        return post(item, "now", csrf).then(outcome, function () { return {wait: true}; });
      });
    }).then(function (result) {
      if (!result.wait && result.answer.next) {
        // The form's answer, as the form was submitted: the page opens as after a normal form.
        return deleteItems([item.id]).then(function () { location.assign(result.answer.next); });
      }
      // Waiting (no signal, an expired page, a failing server), or refused
      // before the form was read: listed on the page.
      return settle(item, result).then(function () {
        form.reset();
        if (button) button.disabled = false;
        refresh();
        if (result.wait && navigator.onLine) flush();
      });
    }).catch(function () { form.submit(); });  // no storage on this phone: the plain form
  }

  if (panel) {
    document.querySelectorAll("form[data-queue-label]").forEach(function (form) {
      renewToken(form);
      form.addEventListener("submit", function (event) { queue(form, event); });
    });
  }
  function check() { moveDates(); showSignal(); return flush(); }
  window.addEventListener("online", check);
  window.addEventListener("offline", showSignal);
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "visible") check(); });
  window.setInterval(check, RETRY_MS);  // a signal the phone does not notice, a server back up
  moveDates();
  showSignal();
  refresh().then(flush);
})();
