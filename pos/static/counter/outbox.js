// The outbox: sales kept in localStorage while the server was away, sent again with
// the same id when it answers (the server answers a repeated id with the first sale),
// so nothing is lost and nothing is doubled. Never a PIN in it.
import { $, T, ctx, errorText, fmt, message } from "./page.js";
import { markOffline, onOnlineChange } from "./net.js";
import { rememberLast } from "./state.js";

const KEY_OUTBOX = "pos.outbox." + ctx.user;

export function outbox() {
  try { return JSON.parse(localStorage.getItem(KEY_OUTBOX)) || []; } catch (e) { return []; }
}
export function setOutbox(items) {
  // Never a PIN in storage (also for sales kept by an older version of this screen).
  items = items.map(({ member_pin, approval_pin, member_pin_approval, ...kept }) => kept); // eslint-disable-line no-unused-vars
  localStorage.setItem(KEY_OUTBOX, JSON.stringify(items));
  $("#outbox-count").textContent = items.length ? fmt(T.waiting, { n: items.length }) : "";
  if (items.length) $("#banner-offline").classList.remove("hidden");
}
// Keep a sale the server did not take; it goes again with the same id.
export function keepSale(body) {
  const box = outbox();
  const kept = Object.assign({}, body);
  delete kept.approval_pin; // a PIN never goes into storage
  delete kept.member_pin;
  delete kept.member_pin_approval;
  if (!box.some((b) => b.id === body.id)) box.push(kept);
  setOutbox(box);
}

let flushing = false;
export async function flushOutbox() {
  if (flushing) return;
  flushing = true;
  try {
    let box = outbox();
    while (box.length) {
      const body = box[0];
      let r;
      try {
        r = await window.mart.api("POST", "/sales", body);
      } catch (e) {
        markOffline();
        $("#banner-offline").classList.remove("hidden");
        return;
      }
      if (r.status >= 500 || r.status === 0) return;
      if ([400, 401, 419, 429].includes(r.status)) {
        // Not a verdict on the sale (a page kept from before, a login gone): it stays
        // kept; a fresh page (with a fresh token) sends it.
        const last = Number(sessionStorage.getItem("pos.reloaded") || 0);
        if (r.status === 400 && Date.now() - last > 60000) {
          sessionStorage.setItem("pos.reloaded", String(Date.now()));
          location.reload();
        }
        return;
      }
      box = outbox().filter((b) => b.id !== body.id);
      setOutbox(box);
      if (r.ok && window.posOffline) {
        rememberLast(r.data.id);
        message(fmt(window.posOffline.strings.sent_drawer, { number: r.data.number }));
      } else if (r.ok) { rememberLast(r.data.id); message(fmt(T.sent_later, { number: r.data.number })); }
      else message(errorText(r), "error");
    }
    $("#banner-offline").classList.add("hidden");
  } finally {
    flushing = false;
  }
}

onOnlineChange((value) => {
  $("#banner-offline").classList.toggle("hidden", value && !outbox().length);
  if (value) flushOutbox();
});
setInterval(() => { if (outbox().length) flushOutbox(); }, 5000);
