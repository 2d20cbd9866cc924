// The cashier screen offline (pos/README.md, "Offline"): registers the service worker
// that keeps the app shell, and keeps the whole catalogue in IndexedDB so a code never
// scanned on this screen still sells while the server is away. counter/scan.js asks
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
  async function keepPage(rows, cursor, scaleRules) {
    const db = await openDb();
    const tx = db.transaction([STORE, META], "readwrite");
    if (scaleRules) tx.objectStore(META).put(scaleRules, "scale_rules");
    const store = tx.objectStore(STORE);
    for (const [id, sku, name, unit, price, memberPrice, active, codes, packs, tiers] of rows) {
      const all = codes.slice();
      if (sku) { all.push(sku); if (sku.toUpperCase() !== sku) all.push(sku.toUpperCase()); }
      for (const pack of packs || []) if (pack.barcode) all.push(pack.barcode); // issue 15
      store.put({ id, sku, name, unit, price, member_price: memberPrice, active, barcodes: codes, codes: all,
        packs: packs || [], tiers: tiers || [] });
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
      await keepPage(data.items, next, data.scale_rules);
      if (!cursor) { loaded += data.items.length; showCount(loaded, !data.complete); }
      if (data.complete || !data.items.length) break;
      since = next.since;
      after = next.after;
    }
    showCount(await count(), false);
  }

  // Scale labels as inventory/barcodes.py reads them: "PP IIIII VVVVV C", a prefix of
  // the branch's rules (from the catalogue: MART_SCALE_RULES), the item code, grams
  // (weight) or rupiah (price), and a GS1 check digit.
  function checkDigit(body) {
    let total = 0;
    for (let i = 0; i < body.length; i++) total += Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
    return (10 - (total % 10)) % 10;
  }
  function scaleLabel(code, rules) {
    if (!/^\d{13}$/.test(code) || checkDigit(code.slice(0, 12)) !== Number(code[12])) return null;
    const rule = (rules || []).find((r) => code.startsWith(r.prefix));
    if (!rule) return null;
    const item = code.slice(2, 7);
    const body = rule.prefix + item + "00000";
    return { kind: rule.kind, item, value: parseInt(code.slice(7, 12), 10), registered: body + checkDigit(body) };
  }

  // The order of inventory.services.lookup_code: a registered barcode (UPC-A in either
  // spelling), then a scale label (its registered zero-value label, or a sku equal to
  // its item code), then a sku.
  async function lookup(code) {
    const db = await openDb();
    const tx = db.transaction([STORE, META]);
    const index = tx.objectStore(STORE).index("codes");
    const rules = req(tx.objectStore(META).get("scale_rules"));
    const byBarcode = async (c) => (await req(index.getAll(c))).find((p) => p.barcodes.includes(c)) || null;
    const bySku = async (c) => (await req(index.getAll(c))).find((p) => p.sku === c || (p.sku && p.sku.toUpperCase() === c)) || null;
    let sent = code; // the code the sale carries (the server reads it again)
    let quantity = null;
    let price = null;
    let p = await byBarcode(code);
    let pack = null; // a pack's barcode, after the products' own (issue 15)
    if (!p) {
      p = (await req(index.getAll(code))).find((q) => (q.packs || []).some((k) => k.barcode === code)) || null;
      if (p) pack = p.packs.find((k) => k.barcode === code);
    }
    if (!p && /^\d{12}$/.test(code)) { p = await byBarcode("0" + code); sent = null; } // UPC-A as EAN-13
    if (!p && /^0\d{12}$/.test(code)) { p = await byBarcode(code.slice(1)); sent = null; }
    if (!p) {
      const label = scaleLabel(code, await rules);
      if (label) {
        p = (await byBarcode(label.registered)) || (await bySku(label.item));
        if (p) {
          sent = code;
          if (label.kind === "weight") quantity = (label.value / 1000).toFixed(3);
          else price = label.value;
        }
      }
    }
    if (!p) { p = (await bySku(code)) || (await bySku(code.toUpperCase())); sent = null; }
    if (!p || !p.active) return null;
    return {
      code: sent,
      quantity,
      price,
      pack,
      product: { id: p.id, name: p.name, unit: p.unit, price: p.price, member_price: p.member_price, tiers: p.tiers || [] },
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
