// The cashier screen offline (pos/README.md, "Offline"): registers the service worker
// that keeps the app shell, and keeps the whole catalogue in IndexedDB so a code never
// scanned on this screen still sells while the server is away. counter.js asks
// window.posOffline.lookup(code) when the server does not answer.
(function () {
  "use strict";
  const holder = document.getElementById("pos-offline");
  if (!holder) return;
  const T = JSON.parse(holder.dataset.i18n);
  const fmt = (s, args) => s.replace(/%\((\w+)\)s/g, (_, k) => (args && k in args ? args[k] : ""));
  const DB_NAME = "okoce-pos";
  const STORE = "products";
  const META = "meta";
  const PAGE = 5000;
  const RESYNC_MS = 3 * 60 * 1000;
  // A change committed while a page was read may carry an earlier updated_at: each
  // refresh starts a little before where the last one ended.
  const OVERLAP_MS = 2 * 60 * 1000;

  function req(r) {
    return new Promise((resolve, reject) => {
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  }
  function finished(tx) {
    return new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
  }
  let dbPromise = null;
  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const r = indexedDB.open(DB_NAME, 1);
        r.onupgradeneeded = () => {
          const db = r.result;
          const products = db.createObjectStore(STORE, { keyPath: "id" });
          products.createIndex("codes", "codes", { multiEntry: true });
          db.createObjectStore(META);
        };
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => { dbPromise = null; reject(r.error); };
      });
    }
    return dbPromise;
  }

  // --- the catalogue ---------------------------------------------------------------
  async function meta(key) {
    const db = await openDb();
    return req(db.transaction(META).objectStore(META).get(key));
  }
  async function keepPage(rows, cursor) {
    const db = await openDb();
    const tx = db.transaction([STORE, META], "readwrite");
    const store = tx.objectStore(STORE);
    for (const [id, sku, name, unit, price, memberPrice, active, codes] of rows) {
      const all = codes.slice();
      if (sku) { all.push(sku); if (sku.toUpperCase() !== sku) all.push(sku.toUpperCase()); }
      store.put({ id, sku, name, unit, price, member_price: memberPrice, active, barcodes: codes, codes: all });
    }
    tx.objectStore(META).put(cursor, "cursor");
    return finished(tx);
  }
  async function count() {
    const db = await openDb();
    return req(db.transaction(STORE).objectStore(STORE).count());
  }
  function showCount(n, loading) {
    const el = document.getElementById("catalogue-status");
    if (el) el.textContent = fmt(loading ? T.catalogue_loading : T.catalogue, { n: n.toLocaleString("id-ID") });
  }
  let syncing = null;
  function sync() {
    if (!syncing) syncing = syncOnce().finally(() => { syncing = null; });
    return syncing;
  }
  async function syncOnce() {
    const cursor = await meta("cursor");
    let since = null;
    let after = 0;
    if (cursor && cursor.since) {
      since = cursor.complete ? new Date(Date.parse(cursor.since) - OVERLAP_MS).toISOString() : cursor.since;
      after = cursor.complete ? 0 : cursor.after;
    }
    let loaded = await count();
    for (;;) {
      let url = `/api/v1/pos/catalogue?limit=${PAGE}`;
      if (since) url += `&since=${encodeURIComponent(since)}&after=${after}`;
      const r = await fetch(url, { credentials: "same-origin" });
      if (!r.ok) throw new Error(`catalogue ${r.status}`);
      const data = await r.json();
      const next = { since: data.next.since || since, after: data.next.after || 0, complete: data.complete };
      await keepPage(data.items, next);
      if (!cursor) { loaded += data.items.length; showCount(loaded, !data.complete); }
      if (data.complete || !data.items.length) break;
      since = next.since;
      after = next.after;
    }
    showCount(await count(), false);
  }

  async function lookup(code) {
    const db = await openDb();
    const index = db.transaction(STORE).objectStore(STORE).index("codes");
    let p = await req(index.get(code));
    if (!p && /^\d{12}$/.test(code)) p = await req(index.get("0" + code)); // UPC-A as EAN-13
    if (!p) p = await req(index.get(code.toUpperCase()));
    if (!p || !p.active) return null;
    return {
      code: p.barcodes.includes(code) ? code : null,
      quantity: null,
      price: null,
      product: { id: p.id, name: p.name, unit: p.unit, price: p.price, member_price: p.member_price },
    };
  }

  window.posOffline = { lookup, sync, count, strings: T };

  // --- the app shell ---------------------------------------------------------------
  async function keepShell(urls) {
    if (!("serviceWorker" in navigator)) return;
    const ready = await navigator.serviceWorker.ready;
    if (ready.active) ready.active.postMessage({ type: "keep", urls });
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/pos/sw.js", { scope: "/pos/" }).then(() => keepShell(
      [location.pathname].concat(
        performance.getEntriesByType("resource").map((e) => e.name)
          .filter((u) => u.startsWith(location.origin + "/static/") || u.startsWith(location.origin + "/pos/static/"))
      )
    )).catch(() => { /* no worker (e.g. not https nor localhost): online only */ });
    // The kept page carries the open shift: keep it again when a shift opens or closes.
    const call = window.mart.api.bind(window.mart);
    window.mart.api = async function (method, path, body) {
      const r = await call(method, path, body);
      if (method !== "GET" && r.ok && /^\/shifts(\/\d+\/close)?$/.test(path)) {
        keepShell(["/pos/"]).catch(() => {});
      }
      return r;
    };
  }

  const run = () => sync().catch(() => { /* the server is away: next time */ });
  count().then((n) => showCount(n, false)).catch(() => {});
  run();
  setInterval(run, RESYNC_MS);
})();
