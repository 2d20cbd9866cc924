// Money on the cashier screen, counted as the server counts it (pos/services.py:
// _priced_lines, _times_quantity, _div_half_up, _thousandths): amounts in whole rupiah,
// quantities in whole thousandths (1,255 kg is 1255), halves rounded up (away from
// zero). No float ever holds money here: every amount is an integer number of rupiah,
// and a product of two (a price times thousandths) is computed exactly.

// A quantity ("1.255", "3", a JSON number 1.25, a typed "1,25") in whole thousandths,
// rounded half up at the third place as mart.db.quantity does; NaN if not a quantity.
export function thousandths(value) {
  const m = /^\s*(\d*)(?:[.,](\d*))?\s*$/.exec(String(value ?? ""));
  if (!m || (m[1] === "" && !m[2])) return NaN;
  const frac = m[2] || "";
  let t = Number(m[1] || "0") * 1000 + Number((frac + "000").slice(0, 3));
  if (frac.length > 3 && frac[3] >= "5") t += 1;
  return t;
}

// A quantity as typed ("1,5", "2"): the decimal string the sale sends, or null.
export function parseQty(text) {
  const t = String(text || "").trim().replace(",", ".");
  return /^\d+(\.\d{1,3})?$/.test(t) ? t : null;
}

// Thousandths as the quantity the sale sends: 1255 -> "1.255", 3000 -> "3".
export function quantityText(t) {
  const rest = t % 1000;
  const whole = (t - rest) / 1000;
  const frac = String(rest).padStart(3, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : String(whole);
}

// round_half_up(numerator / denominator) in integers (denominator > 0).
export function divHalfUp(numerator, denominator) {
  if (!Number.isSafeInteger(numerator)) return bigDivHalfUp(BigInt(numerator), BigInt(denominator));
  const a = Math.abs(numerator);
  const rest = a % denominator;
  let whole = (a - rest) / denominator;
  if (2 * rest >= denominator) whole += 1;
  return numerator >= 0 ? whole : -whole;
}

// round_half_up(a x b / denominator), exact also past 2^53 (through BigInt).
export function mulDivHalfUp(a, b, denominator) {
  const product = a * b;
  if (Number.isSafeInteger(product)) return divHalfUp(product, denominator);
  return bigDivHalfUp(BigInt(a) * BigInt(b), BigInt(denominator));
}

function bigDivHalfUp(n, d) {
  const a = n < 0n ? -n : n;
  let whole = a / d;
  if (2n * (a % d) >= d) whole += 1n;
  return Number(n < 0n ? -whole : whole);
}

// A price times a quantity in thousandths: _times_quantity.
export function timesQuantity(price, qtyThousandths) {
  return mulDivHalfUp(price, qtyThousandths, 1000);
}

// A number as typed on this screen: dots group thousands, a comma starts the decimals
// ("12.500", "12,5", "-3"). Exact: {units, scale} with the value units / scale; null if
// it is no number.
export function parseDecimal(text) {
  const t = String(text ?? "").trim().replace(/\./g, "");
  const m = /^([-+]?)(\d*)(?:,(\d*))?$/.exec(t);
  if (!m || (!m[2] && !m[3])) return null;
  const frac = (m[3] || "").slice(0, 9); // past the ninth place nothing changes a rupiah
  const units = Number((m[2] || "0") + frac);
  if (!Number.isSafeInteger(units)) return null;
  return { units: m[1] === "-" ? -units : units, scale: 10 ** frac.length };
}

// Rupiah as typed ("50.000", "12.500,5"): whole rupiah, halves up; NaN if no number.
export function parseRupiah(text) {
  const d = parseDecimal(text);
  return d ? divHalfUp(d.units, d.scale) : NaN;
}

// ``percent`` (as typed: "10", "12,5") of ``base`` rupiah, in whole rupiah, halves up;
// NaN if no number.
export function percentOf(base, percent) {
  const d = parseDecimal(percent);
  return d ? mulDivHalfUp(base, d.units, 100 * d.scale) : NaN;
}

// Is ``part`` more than ``limit`` percent of ``whole``? (Fraction(part, whole) > limit / 100)
export function abovePercent(part, whole, limit) {
  return part * 100 > limit * whole;
}

// What is due in cash when ``noncash`` of ``total`` is paid otherwise: round_cash to
// the branch's unit (e.g. Rp 100), halves up.
export function cashDue(total, noncash, unit) {
  const cash = total - noncash;
  if (!unit || cash <= 0) return cash;
  return divHalfUp(cash, unit) * unit;
}

// ``amount`` rounded up to a whole ``note`` (for the quick cash buttons); amount >= 0.
export function upToNote(amount, note) {
  const rest = amount % note;
  return rest ? amount - rest + note : amount;
}
