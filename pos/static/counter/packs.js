// Packs and quantity prices (issue 15) on the cashier screen, priced as the server
// prices them (pos/services/pricing.py), so a line costs here what the sale records:
// - a pack line (scanned by the pack's barcode) counts whole packs: the pack's price
//   (its member price for a member, when it has one) times the packs; no tier applies;
// - any other line (not a price label) takes the lowest quantity price (harga grosir)
//   its quantity reaches (members-only tiers for a member) when below the (member)
//   price, times the quantity, rounded half up once.
import { thousandths, timesQuantity } from "./pricing.js";

// The lowest tier price ``qty`` (thousandths) reaches, or null.
export function bestTier(tiers, qty, member) {
  let best = null;
  for (const t of tiers || []) {
    if (t.members_only && !member) continue;
    if (qty >= thousandths(t.min_quantity) && (best === null || t.price < best)) best = t.price;
  }
  return best;
}

// {unit, gross, amount, tier} of a pack line or a line a tier prices; null otherwise
// (state.js's own rule prices it).
export function packOrTierAmount(line, member) {
  const discount = line.discount || 0;
  if (line.pack) {
    const price = member && line.pack.member_price != null ? line.pack.member_price : line.pack.price;
    const gross = price * Math.round(thousandths(line.quantity) / 1000);
    return { unit: price, gross, amount: gross - discount, tier: false };
  }
  if (!line.tiers || !line.tiers.length || line.fixed_price != null) return null;
  const base = member && line.member_price != null ? line.member_price : line.price;
  const qty = thousandths(line.quantity);
  const tier = bestTier(line.tiers, qty, member);
  if (tier === null || tier >= base) return null;
  const gross = timesQuantity(tier, qty);
  return { unit: tier, gross, amount: gross - discount, tier: true };
}

// What a scan adds to its new line: the pack (its name in the line's name, "1 DUS (40)"
// reads as quantity 1 of "Mie · DUS (40)") and the product's tiers.
export function scanLine(line, scan) {
  const p = scan.product;
  if (p.tiers && p.tiers.length) line.tiers = p.tiers;
  if (scan.pack) {
    line.pack = scan.pack;
    line.name = `${p.name} · ${scan.pack.name} (${scan.pack.factor})`;
    line.member_price = scan.pack.member_price;
    line.price = scan.pack.price;
    delete line.tiers;
  }
  return line;
}
