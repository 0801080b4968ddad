/* MaskLog's service worker (app/views/offline.py says why hand-written).
   - Static files and fonts: from the phone once fetched (their URLs carry a
     version, so a kept copy is never stale).
   - Pages: always from the network when there is one. A today page the
     server marks (X-MaskLog-Offline: the user's own unit) is kept for that
     user, and shown when the network is gone or the server cannot be
     reached, marked as the phone's copy (the page then says the time of its
     figures); any other page offline gets the "no signal" page.
   - Every page says whose it is (X-MaskLog-User): when the user changes
     (sign-out, another sign-in, an expired session) the kept pages of the
     previous one are deleted before anything is shown.
   - Never a POST, never another site's request, never the queue's answers. */
const VERSION = "{{ version }}";
const SHELL = "masklog-shell-" + VERSION;
const PAGES = "masklog-pages-";
const META = "masklog-meta";
const OFFLINE_URL = "{{ offline_url }}";
const TODAY_HOME = "/today/";

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.add(new Request(OFFLINE_URL, {headers: {"X-MaskLog-Background": "1"}})); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key.indexOf("masklog-shell-") === 0 && key !== SHELL; })
      .map(function (key) { return caches.delete(key); }));
  }));
  /* No clients.claim(): the page of the first visit stays uncontrolled, so
     it can copy its files into the shell cache from its own HTTP cache
     (offline.js) — requests through the worker would download them again. */
});

function isStatic(url) {
  return url.pathname.indexOf("/static/") === 0 || url.pathname.indexOf("/fonts/") === 0;
}

async function currentUser() {
  const kept = await (await caches.open(META)).match("/__masklog_user");
  return kept ? kept.text() : "0";
}

async function setUser(user) {
  if (await currentUser() === user) return;
  const keys = await caches.keys();
  await Promise.all(keys.filter(function (key) { return key.indexOf(PAGES) === 0; })
    .map(function (key) { return caches.delete(key); }));
  await (await caches.open(META)).put("/__masklog_user", new Response(user));
}

async function fromShell(request) {
  const cache = await caches.open(SHELL);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

async function keep(request, response) {
  /* Learns whose the page is, and keeps it if the server says it may. */
  const user = response.headers.get("X-MaskLog-User");
  if (user === null) return;
  await setUser(user);
  if (response.ok && user !== "0" && response.headers.get("X-MaskLog-Offline")) {
    const cache = await caches.open(PAGES + user);
    await cache.put(request.url, response.clone());
    await cache.put(new URL(TODAY_HOME, request.url).href, response.clone());
  }
}

async function fromThePhone(kept) {
  /* The page (offline.js) learns it is the kept copy, not the server's answer. */
  const headers = new Headers(kept.headers);
  ["Content-Length", "Content-Encoding"].forEach(function (name) { headers.delete(name); });
  headers.set("X-MaskLog-Kept", "1");
  const body = (await kept.text()).replace('data-from="server"', 'data-from="phone"');
  return new Response(body, {status: kept.status, statusText: kept.statusText, headers: headers});
}

async function navigate(request) {
  let response;
  try {
    response = await fetch(request);
  } catch (error) {
    const user = await currentUser();
    if (user !== "0") {
      const cache = await caches.open(PAGES + user);
      const kept = await cache.match(request.url) || await cache.match(request.url, {ignoreSearch: true});
      if (kept) return fromThePhone(kept);
    }
    return (await caches.match(OFFLINE_URL)) || Response.error();
  }
  await keep(request, response);
  return response;
}

self.addEventListener("fetch", function (event) {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (isStatic(url)) event.respondWith(fromShell(request));
  else if (request.mode === "navigate") event.respondWith(navigate(request));
});

self.addEventListener("message", function (event) {
  const message = event.data || {};
  if (message.type === "remember") {
    /* The first visit ran before the worker: keep what that page loaded. */
    event.waitUntil(Promise.all((message.urls || []).map(function (href) {
      const request = new Request(href, {credentials: "same-origin", headers: {"X-MaskLog-Background": "1"}});
      if (isStatic(new URL(href))) return fromShell(request).catch(function () {});
      return fetch(request).then(function (response) { return keep(request, response); }).catch(function () {});
    })));
  } else if (message.type === "forget") {
    event.waitUntil(setUser("0"));
  }
});
