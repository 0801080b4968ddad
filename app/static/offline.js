/* Work without a signal (app/views/offline.py): registers the service worker,
   and on a today page puts every form it sends into a queue on the phone
   (IndexedDB) first. With a signal the record is sent at once and the page
   opens again as after a normal form; without one it waits, shown under
   "waiting to send", and goes out in order when the network returns or the
   next page opens. Each record carries its form's one-time token, so however
   often it is sent the server records it once.
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
      registration.active.postMessage({type: "remember", urls: [location.href]});
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

  /* ---------------------------------------------------------------- the today page */
  var panel = document.getElementById("offline-queue");
  if (!panel || !user) return;
  var unitId = panel.getAttribute("data-unit");
  var banner = document.getElementById("offline-banner");

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

  function render(items) {
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
    if (banner) banner.hidden = navigator.onLine;
  }

  function post(item, mode, csrf) {
    var body = new URLSearchParams();
    item.fields.forEach(function (pair) { if (pair[0] !== "csrf_token") body.append(pair[0], pair[1]); });
    body.append("csrf_token", csrf);
    return fetch(item.url, {method: "POST", body: body, credentials: "same-origin", redirect: "manual",
                            headers: {"X-MaskLog-Queue": mode, "Accept": "application/json"}});
  }

  /* The server's answer: JSON (sent, or refused with its Thai reason), or
     something else — signed out (a redirect), an expired token or a failing
     server: the record waits; a page that is gone (404): refused. */
  function outcome(response) {
    var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
    if (json) return response.json().then(function (answer) { return {answer: answer}; });
    if (response.type === "opaqueredirect") return {wait: true, signIn: true};
    if (response.status === 400 || response.status >= 500) return {wait: true};
    return {answer: {ok: false, message: t.notAccepted.replace("{status}", response.status)}};
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
    flushing = allItems().then(function (items) {
      var waiting = unsent(items).filter(function (item) { return item.user === user; });
      if (!waiting.length || !navigator.onLine) return false;
      return fetch(sessionUrl, {credentials: "same-origin", cache: "no-store",
                             headers: {"X-MaskLog-Background": "1"}}).then(function (response) {
        return response.json();
      }).then(function (session) {
        if (String(session.user || "") !== user) {
          waiting.forEach(function (item) { item.needsSignIn = true; });
          return Promise.all(waiting.map(saveItem)).then(function () { return false; });
        }
        var changed = false;
        return waiting.reduce(function (chain, item) {
          return chain.then(function (stop) {
            if (stop) return true;
            item.state = "sending";
            return saveItem(item).then(function () { return post(item, "later", session.csrf_token); })
              .then(outcome).then(function (result) {
                if (!result.wait) changed = true;
                return settle(item, result).then(function () { return !!result.wait; });
              }, function () { item.state = "waiting"; return saveItem(item).then(function () { return true; }); });
          });
        }, Promise.resolve(false)).then(function () { return changed; });
      });
    }).catch(function () { return false; }).then(function (changed) {
      flushing = null;
      // Figures on the page changed: open it again (the queue stays listed until dismissed).
      if (changed) location.reload(); else refresh();
      return changed;
    });
    return flushing;
  }

  function queue(form, event) {
    event.preventDefault();
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      var input = form.elements[name];
      if (typeof value === "string" && !(input && input.type === "password")) fields.push([name, value]);
    });
    var token = (fields.filter(function (pair) { return pair[0] === "form_token"; })[0] || [])[1];
    var item = {id: token || randomToken(), user: user, userName: panel.getAttribute("data-user-name") || "",
                unit: unitId, url: form.action, fields: fields, summary: summary(form, fields),
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
      if (!result.wait) {
        // Sent as the form was submitted: the page opens as after a normal form.
        return deleteItems([item.id]).then(function () { location.assign(result.answer.next || location.href); });
      }
      item.state = "waiting";
      return saveItem(item).then(function () {
        form.reset();
        if (button) button.disabled = false;
        refresh();
        if (navigator.onLine) flush();
      });
    }).catch(function () { form.submit(); });  // no storage on this phone: the plain form
  }

  document.querySelectorAll("form[data-queue-label]").forEach(function (form) {
    renewToken(form);
    form.addEventListener("submit", function (event) { queue(form, event); });
  });
  window.addEventListener("online", function () { showSignal(); flush(); });
  window.addEventListener("offline", showSignal);
  showSignal();
  refresh().then(flush);
})();
