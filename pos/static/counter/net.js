// Calls to the API, and whether the server answers (the badge in the top bar). The
// outbox listens (onOnlineChange) to send its kept sales when the server is back.
import { $, T } from "./page.js";

export let online = true;
const listeners = [];

export function onOnlineChange(fn) {
  listeners.push(fn);
}
function setOnline(value) {
  if (value === online) return;
  online = value;
  const badge = $("#net-status");
  badge.textContent = value ? T.online : T.offline;
  badge.className = "badge " + (value ? "ok" : "bad");
  listeners.forEach((fn) => fn(value));
}
// A kept sale could not be sent: the next scan does not wait for the network (the
// badge changes with the next call that fails or answers).
export function markOffline() {
  online = false;
}

export async function api(method, path, body) {
  try {
    const r = await window.mart.api(method, path, body);
    setOnline(r.status > 0 && r.status < 500);
    return r;
  } catch (e) {
    setOnline(false);
    return { ok: false, status: 0, data: null, offline: true };
  }
}
