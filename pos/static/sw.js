// The cashier screen's service worker (scope /pos/): keeps the app shell so a reload
// while the server is away still opens the screen. The API is never cached here:
// sales go through the screen's outbox, the catalogue lives in IndexedDB.
//
// - the cashier page (a navigation under /pos/): from the network when it answers
//   (and kept), else the kept copy;
// - scripts, styles, fonts and images under /static/ and /pos/static/: the kept copy at
//   once, refreshed from the network behind it;
// - the page tells the worker which files it loaded (a message), since they were
//   fetched before the worker controlled the page;
// - the cashier screen's ES modules (counter.js and what it imports) are kept when the
//   worker installs and with every such message: a module is imported after the page
//   has sent its list, so the list below names them all (a test checks it does).
"use strict";
const CACHE = "okoce-pos-shell-v1";
const PAGE = "/pos/";
const MODULES = [
  "/pos/static/counter.js",
  "/pos/static/counter/net.js",
  "/pos/static/counter/outbox.js",
  "/pos/static/counter/page.js",
  "/pos/static/counter/payment.js",
  "/pos/static/counter/packs.js",
  "/pos/static/counter/pricing.js",
  "/pos/static/counter/promotions.js",
  "/pos/static/counter/returns.js",
  "/pos/static/counter/sale.js",
  "/pos/static/counter/scan.js",
  "/pos/static/counter/screen.js",
  "/pos/static/counter/shift.js",
  "/pos/static/counter/state.js",
];

self.addEventListener("install", (event) => {
  self.skipWaiting();
  event.waitUntil(keep(MODULES));
});
self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("okoce-pos-shell-") && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function isAsset(url) {
  return url.origin === self.location.origin &&
    (url.pathname.startsWith("/static/") || url.pathname.startsWith("/pos/static/"));
}

async function keep(urls) {
  const cache = await caches.open(CACHE);
  await Promise.all(urls.map(async (u) => {
    try {
      const url = new URL(u, self.location.origin);
      if (url.origin !== self.location.origin) return;
      const response = await fetch(url, { credentials: "same-origin", cache: "no-cache" });
      if (response.ok && !response.redirected) {
        await cache.put(url.pathname === PAGE ? PAGE : url.href, response);
      }
    } catch (e) { /* the server went away meanwhile: kept next time */ }
  }));
}

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "keep" && Array.isArray(data.urls)) event.waitUntil(keep(data.urls.concat(MODULES)));
});

async function page(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    // Only the cashier screen itself is kept (not a login page it redirected to).
    if (response.ok && !response.redirected && new URL(response.url).pathname === PAGE) {
      await cache.put(PAGE, response.clone());
    }
    return response;
  } catch (e) {
    const kept = await cache.match(PAGE);
    if (kept) return kept;
    throw e;
  }
}

async function asset(event) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(event.request, { ignoreSearch: false });
  const fresh = fetch(event.request).then(async (response) => {
    if (response.ok) await cache.put(event.request, response.clone());
    return response;
  }).catch(() => null);
  if (kept) {
    event.waitUntil(fresh);
    return kept;
  }
  const response = await fresh;
  return response || Response.error();
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === PAGE) {
    event.respondWith(page(request));
  } else if (isAsset(url)) {
    event.respondWith(asset(event));
  }
});
