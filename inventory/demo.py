"""Demo data for inventory: about 150 products of an Indonesian minimarket, 10
suppliers (half of them member-entrepreneurs on konsinyasi), opening goods receipts.

Puts into ``context``: ``products`` (ids), ``suppliers`` (name -> id),
``supplier_members`` (supplier id -> member_no, for the members seeder),
``supplier_member_names`` (member_no -> the owner's name), and appends the
supplier login ``umkm1`` to ``logins``.
"""

import random
from datetime import timedelta

from inventory import barcodes as bc
from inventory import services
from mart.cli import create_user
from mart.db import utcnow

SUPPLIERS = [
    # name, terms, commission, member_no, owner, phone, permit
    (
        "PT Indomarco Distribusi Jakarta",
        "purchase",
        0,
        None,
        None,
        "021-5551201",
        "NIB 8120001234567",
    ),
    ("CV Sumber Pangan Jaya", "purchase", 0, None, None, "021-4890122", "NIB 9120007654321"),
    ("UD Berkah Sembako", "purchase", 0, None, None, "0812-8800-1100", "IUMK 510/12/2024"),
    ("PT Sinar Minuman Nusantara", "purchase", 0, None, None, "021-2930488", "NIB 8120009988776"),
    ("CV Mitra Niaga Sejahtera", "purchase", 0, None, None, "021-7701233", "NIB 9120001122334"),
    (
        "Keripik Bu Sari",
        "consignment",
        15,
        "M000001",
        "Sari Wulandari",
        "0813-1111-2201",
        "IUMK 503/044/2023",
    ),
    (
        "Sambal Mbak Rini",
        "consignment",
        10,
        "M000002",
        "Rini Astuti",
        "0813-1111-2202",
        "NIB 0220001234501",
    ),
    (
        "Kopi Bubuk Pak Darmo",
        "consignment",
        0,
        "M000003",
        "Sudarmo",
        "0813-1111-2203",
        "IUMK 503/051/2023",
    ),
    (
        "Kue Kering Ibu Ani",
        "consignment",
        15,
        "M000004",
        "Ani Rahayu",
        "0813-1111-2204",
        "NIB 0220001234504",
    ),
    (
        "Batik & Masker Mas Joko",
        "consignment",
        20,
        "M000005",
        "Joko Prasetyo",
        "0813-1111-2205",
        "IUMK 503/077/2024",
    ),
]

# name, category, price, tax, unit; cost is about 80-88 % of the price.
BRANDED = [
    ("Indomie Goreng 85g", "Mi Instan", 3500),
    ("Indomie Soto Mie 70g", "Mi Instan", 3200),
    ("Indomie Ayam Bawang 69g", "Mi Instan", 3200),
    ("Mie Sedaap Goreng 90g", "Mi Instan", 3400),
    ("Mie Sedaap Kari Spesial 72g", "Mi Instan", 3300),
    ("Sarimi Isi 2 Ayam Kecap 115g", "Mi Instan", 4000),
    ("Pop Mie Ayam Bawang 75g", "Mi Instan", 5500),
    ("Supermi Sayap Ayam 70g", "Mi Instan", 3000),
    ("Aqua Air Mineral 600ml", "Minuman", 4000),
    ("Aqua Air Mineral 1500ml", "Minuman", 7000),
    ("Le Minerale 600ml", "Minuman", 3800),
    ("Teh Botol Sosro 450ml", "Minuman", 5500),
    ("Teh Pucuk Harum 350ml", "Minuman", 4000),
    ("Fruit Tea Apel 500ml", "Minuman", 6000),
    ("Coca-Cola 390ml", "Minuman", 6500),
    ("Sprite 390ml", "Minuman", 6500),
    ("Pocari Sweat 500ml", "Minuman", 8000),
    ("Ultra Milk Coklat 250ml", "Minuman", 6500),
    ("Frisian Flag Susu Kental Manis 370g", "Susu", 13500),
    ("Dancow Fortigro Instant 400g", "Susu", 52000),
    ("Bear Brand 189ml", "Susu", 10500),
    ("Kopi Kapal Api Special 165g", "Kopi & Teh", 14500),
    ("Good Day Cappuccino 5x25g", "Kopi & Teh", 12000),
    ("Nescafe Classic 100g", "Kopi & Teh", 32000),
    ("Torabika Creamy Latte 10x25g", "Kopi & Teh", 16500),
    ("Sariwangi Teh Celup 25s", "Kopi & Teh", 7500),
    ("Teh Tong Tji Melati 25s", "Kopi & Teh", 8000),
    ("Gulaku Gula Tebu 1kg", "Sembako", 18500),
    ("Minyak Goreng Bimoli 2L", "Sembako", 38500),
    ("Minyak Goreng Sania 1L", "Sembako", 19500),
    ("Tepung Terigu Segitiga Biru 1kg", "Sembako", 14000),
    ("Kecap Manis Bango 520ml", "Bumbu", 24500),
    ("Kecap Manis ABC 275ml", "Bumbu", 11500),
    ("Saus Sambal ABC 335ml", "Bumbu", 12500),
    ("Royco Kaldu Ayam 230g", "Bumbu", 11000),
    ("Masako Rasa Sapi 250g", "Bumbu", 11500),
    ("Sasa MSG 250g", "Bumbu", 10500),
    ("Bumbu Racik Indofood Nasi Goreng", "Bumbu", 2500),
    ("Chitato Sapi Panggang 68g", "Makanan Ringan", 11000),
    ("Qtela Singkong Balado 185g", "Makanan Ringan", 15500),
    ("Taro Net Seaweed 65g", "Makanan Ringan", 7500),
    ("Oreo Vanilla 133g", "Biskuit", 9500),
    ("Roma Kelapa 300g", "Biskuit", 11000),
    ("Biskuat Coklat 134g", "Biskuit", 6500),
    ("Khong Guan Assorted 650g", "Biskuit", 62000),
    ("Tango Wafer Coklat 176g", "Biskuit", 10500),
    ("SilverQueen Almond 58g", "Makanan Ringan", 15500),
    ("Beng-Beng 4x20g", "Makanan Ringan", 9500),
    ("Kacang Garuda Kulit 250g", "Makanan Ringan", 16500),
    ("Sari Roti Tawar Kupas", "Roti", 17500),
    ("Sari Roti Sobek Coklat", "Roti", 15000),
    ("Sedaap Kecap Manis 550ml", "Bumbu", 19000),
    ("Rinso Anti Noda 770g", "Kebersihan", 24000),
    ("So Klin Liquid 800ml", "Kebersihan", 17500),
    ("Sunlight Jeruk Nipis 755ml", "Kebersihan", 18500),
    ("Mama Lemon 780ml", "Kebersihan", 15500),
    ("Wipol Karbol Cemara 780ml", "Kebersihan", 19000),
    ("Baygon Aerosol 600ml", "Kebersihan", 42000),
    ("Lifebuoy Sabun Batang 110g", "Perawatan Diri", 4500),
    ("Lux Sabun Cair 450ml", "Perawatan Diri", 26000),
    ("Pepsodent Pasta Gigi 190g", "Perawatan Diri", 14500),
    ("Sensodyne Fresh Mint 100g", "Perawatan Diri", 38000),
    ("Formula Sikat Gigi Medium", "Perawatan Diri", 6500),
    ("Clear Shampoo Menthol 160ml", "Perawatan Diri", 27500),
    ("Sunsilk Hitam Berkilau 170ml", "Perawatan Diri", 25000),
    ("Pantene Anti Ketombe 135ml", "Perawatan Diri", 26500),
    ("Rexona Men Roll On 45ml", "Perawatan Diri", 21000),
    ("Wardah Lightening Day Cream 30g", "Perawatan Diri", 34500),
    ("Marina Hand Body Lotion 185ml", "Perawatan Diri", 15000),
    ("Charm Pembalut Extra Maxi 8s", "Perawatan Diri", 9500),
    ("MamyPoko Pants L 20s", "Bayi", 72000),
    ("Sweety Silver Pants M 24s", "Bayi", 68000),
    ("Zwitsal Baby Powder 100g", "Bayi", 11000),
    ("Tissue Paseo 250 Sheets", "Kebersihan", 13500),
    ("Tissue Nice 180 Sheets", "Kebersihan", 9500),
    ("Baterai ABC Alkaline AA 2s", "Rumah Tangga", 12500),
    ("Korek Api Tokai", "Rumah Tangga", 3500),
    ("Obat Nyamuk Hit Elektrik", "Rumah Tangga", 28500),
    ("Tolak Angin Cair 5s", "Kesehatan", 20000),
    ("Promag Tablet 12s", "Kesehatan", 9500),
    ("Paramex Tablet 4s", "Kesehatan", 3500),
    ("Antangin JRG 5s", "Kesehatan", 18500),
    ("Hansaplast Plester 10s", "Kesehatan", 6000),
    ("Kratingdaeng 150ml", "Minuman", 6000),
    ("Extra Joss 6s", "Minuman", 8500),
    ("Yakult 5x65ml", "Minuman", 11500),
    ("Cimory Yogurt Drink 250ml", "Minuman", 9500),
    ("Nutrisari Jeruk 10s", "Minuman", 13000),
    ("Marjan Sirup Cocopandan 460ml", "Minuman", 21500),
    ("ABC Sardines Tomat 155g", "Makanan Kaleng", 11500),
    ("Pronas Kornet Sapi 198g", "Makanan Kaleng", 24500),
    ("So Good Sosis Ayam 375g", "Beku", 32000),
    ("Fiesta Chicken Nugget 500g", "Beku", 52000),
    ("Walls Paddle Pop Coklat", "Beku", 5000),
]

# name, category, price, supplier index (into SUPPLIERS), tax
UMKM = [
    ("Keripik Singkong Balado 200g", "UMKM Makanan", 12000, 5),
    ("Keripik Singkong Original 200g", "UMKM Makanan", 11000, 5),
    ("Keripik Pisang Manis 150g", "UMKM Makanan", 13000, 5),
    ("Keripik Tempe Sagu 150g", "UMKM Makanan", 12500, 5),
    ("Rempeyek Kacang 150g", "UMKM Makanan", 14000, 5),
    ("Kerupuk Kulit Sapi 100g", "UMKM Makanan", 18000, 5),
    ("Basreng Pedas Daun Jeruk 100g", "UMKM Makanan", 10000, 5),
    ("Makaroni Ngehe Level 5 100g", "UMKM Makanan", 8000, 5),
    ("Sambal Bawang Botol 150ml", "UMKM Sambal", 22000, 6),
    ("Sambal Cumi Asin 150ml", "UMKM Sambal", 35000, 6),
    ("Sambal Ijo Teri Medan 150ml", "UMKM Sambal", 32000, 6),
    ("Sambal Roa Manado 150ml", "UMKM Sambal", 38000, 6),
    ("Sambal Terasi Matang 150ml", "UMKM Sambal", 20000, 6),
    ("Bawang Goreng Brebes 100g", "UMKM Sambal", 17000, 6),
    ("Abon Sapi Pedas 100g", "UMKM Sambal", 30000, 6),
    ("Kopi Bubuk Robusta Lampung 200g", "UMKM Kopi", 28000, 7),
    ("Kopi Bubuk Arabika Gayo 200g", "UMKM Kopi", 45000, 7),
    ("Kopi Bubuk Toraja 200g", "UMKM Kopi", 48000, 7),
    ("Kopi Jahe Merah Sachet 10s", "UMKM Kopi", 20000, 7),
    ("Kopi Biji Arabika Kintamani 250g", "UMKM Kopi", 65000, 7),
    ("Teh Rosella Kering 50g", "UMKM Kopi", 18000, 7),
    ("Gula Aren Cair 250ml", "UMKM Kopi", 25000, 7),
    ("Kue Nastar Keju Toples 500g", "UMKM Kue", 85000, 8),
    ("Kue Kastengel Toples 500g", "UMKM Kue", 90000, 8),
    ("Putri Salju Toples 400g", "UMKM Kue", 65000, 8),
    ("Lidah Kucing Toples 300g", "UMKM Kue", 55000, 8),
    ("Kue Semprit Susu 300g", "UMKM Kue", 45000, 8),
    ("Kue Bawang Gurih 250g", "UMKM Kue", 25000, 8),
    ("Bolu Pandan Kukus", "UMKM Kue", 30000, 8),
    ("Dodol Betawi 250g", "UMKM Kue", 27000, 8),
    ("Rengginang Terasi 200g", "UMKM Kue", 16000, 8),
    ("Masker Batik Kain 3 Lapis", "UMKM Kerajinan", 15000, 9),
    ("Masker Batik Motif Mega Mendung", "UMKM Kerajinan", 17500, 9),
    ("Masker Tenun Ikat", "UMKM Kerajinan", 20000, 9),
    ("Tas Belanja Batik Lipat", "UMKM Kerajinan", 35000, 9),
    ("Dompet Batik Kecil", "UMKM Kerajinan", 30000, 9),
    ("Gantungan Kunci Wayang", "UMKM Kerajinan", 12000, 9),
    ("Syal Batik Cap Pekalongan", "UMKM Kerajinan", 75000, 9),
    ("Tempat Tisu Anyaman Pandan", "UMKM Kerajinan", 40000, 9),
]

# weighed fresh goods, tax exempt (scale labels with prefix 21)
WEIGHED = [
    ("Beras Medium Curah", "Sembako", 13500, "00101"),
    ("Telur Ayam Negeri", "Sembako", 29000, "00102"),
    ("Bawang Merah", "Sayur & Buah", 42000, "00103"),
    ("Bawang Putih", "Sayur & Buah", 38000, "00104"),
    ("Cabai Rawit Merah", "Sayur & Buah", 60000, "00105"),
    ("Tomat Merah", "Sayur & Buah", 16000, "00106"),
    ("Kentang Dieng", "Sayur & Buah", 20000, "00107"),
    ("Jeruk Medan", "Sayur & Buah", 32000, "00108"),
    ("Pisang Cavendish", "Sayur & Buah", 28000, "00109"),
    ("Apel Malang", "Sayur & Buah", 35000, "00110"),
    ("Daging Ayam Broiler", "Segar", 38000, "00111"),
    ("Gula Pasir Curah", "Sembako", 17000, "00112"),
]

EXEMPT_CATEGORIES = {"Sembako", "Sayur & Buah", "Segar"}


def _ean(n: int) -> str:
    return bc.with_check_digit(f"899{n:09d}")


# Packs and quantity prices (issue 15): ``name: (packs, tiers)``; pack barcodes under
# 898 so they never meet the products' own (899).
PACKS = {
    "Indomie Goreng 85g": (
        [("DUS", 40, 128_000, 126_000, 112_000), ("PAK", 5, 17_000, None, None)],
        [(10, 3_300, False), (10, 3_250, True)],
    ),
    "Aqua Air Mineral 600ml": (
        [("DUS", 24, 84_000, 82_000, 72_000)],
        [(12, 3_800, False)],
    ),
    "Teh Pucuk Harum 350ml": ([("LUSIN", 12, 45_000, None, None)], []),
    "Kopi Kapal Api Special 165g": ([], [(6, 14_000, False), (12, 13_750, False)]),
}


def _seed_packs(by_name):
    for n, (name, (packs, tiers)) in enumerate(PACKS.items()):
        product = by_name.get(name)
        if product is None:
            continue
        services.update_product(
            product.id,
            {
                "packs": [
                    {
                        "name": pack,
                        "factor": factor,
                        "barcode": bc.with_check_digit(f"898{n * 10 + k:09d}"),
                        "price": price,
                        "member_price": member,
                        "cost": cost,
                    }
                    for k, (pack, factor, price, member, cost) in enumerate(packs)
                ],
                "tiers": [
                    {"min_quantity": qty, "price": price, "members_only": members}
                    for qty, price, members in tiers
                ],
            },
        )


def seed(context):
    """Fill this domain with demo data (the caller commits)."""
    rng = random.Random(context.get("rng_seed", 2026))
    suppliers = []
    for name, terms, commission, member_no, _owner, phone, permit in SUPPLIERS:
        suppliers.append(
            services.create_supplier(
                {
                    "name": name,
                    "terms": terms,
                    "commission_percent": commission,
                    "member_no": member_no,
                    "phone": phone,
                    "permit_no": permit,
                    "address": "Jakarta",
                    "bank_name": "Bank BRI" if member_no else "Bank BCA",
                    "bank_account_no": f"0{rng.randrange(10**9, 10**10)}",
                    "bank_account_name": _owner or name,
                }
            )
        )
    products = []
    for i, (name, category, price) in enumerate(BRANDED):
        tax = "exempt" if category in EXEMPT_CATEGORIES else "ppn"
        products.append(
            (
                services.create_product(
                    {
                        "sku": f"BR{i + 1:04d}",
                        "name": name,
                        "barcode": _ean(rng.randrange(10**8, 10**9)),
                        "price": price,
                        "member_price": price - max(100, price // 50 // 100 * 100),
                        "tax": tax,
                        "category": category,
                        "supplier_id": suppliers[i % 5].id,
                        "reorder_point": rng.choice([6, 10, 12, 24]),
                        "tracks_expiry": category in ("Roti", "Susu", "Beku", "Minuman"),
                    }
                ),
                suppliers[i % 5],
                int(price * rng.choice([80, 82, 85, 88]) / 100),
            )
        )
    for i, (name, category, price, sidx) in enumerate(UMKM):
        supplier = suppliers[sidx]
        products.append(
            (
                services.create_product(
                    {
                        "sku": f"UM{i + 1:04d}",
                        "name": name,
                        "barcode": bc.with_check_digit(f"20{sidx:02d}{i + 1:08d}"),
                        "price": price,
                        "category": category,
                        "supplier_id": supplier.id,
                        "supplier_price": price * 80 // 100,
                        "reorder_point": 5,
                        "tracks_expiry": "Kerajinan" not in category,
                    }
                ),
                supplier,
                None,
            )
        )
    for name, category, price, item in WEIGHED:
        products.append(
            (
                services.create_product(
                    {
                        "sku": item,
                        "name": name,
                        "unit": "kg",
                        "barcode": bc.with_check_digit(f"21{item}00000"),
                        "price": price,
                        "tax": "exempt",
                        "category": category,
                        "supplier_id": suppliers[2].id,
                        "reorder_point": 5,
                    }
                ),
                suppliers[2],
                price * 85 // 100,
            )
        )
    _seed_packs({p.name: p for p, _s, _c in products})
    # Opening stock: one receipt per supplier, a few lines with expiry dates.
    today = utcnow().date()
    by_supplier = {}
    for product, supplier, cost in products:
        qty = rng.choice([12, 24, 36, 48]) if product.unit == "pcs" else rng.choice([10, 20, 25])
        line = {"product_id": product.id, "quantity": qty}
        if cost is not None:
            line["unit_cost"] = cost
        if product.tracks_expiry:
            line["expiry_date"] = today + timedelta(days=rng.choice([5, 12, 25, 60, 120, 240]))
            line["batch"] = f"B{today:%y%m}{rng.randrange(100, 999)}"
        by_supplier.setdefault(supplier.id, []).append(line)
    for supplier_id, lines in by_supplier.items():
        services.post_goods_receipt(
            {"supplier_id": supplier_id, "reference": "Stok awal", "lines": lines}
        )
    umkm1 = suppliers[5]
    create_user("umkm1", ["supplier"], "demo-umkm1-123", "Sari Wulandari", supplier_id=umkm1.id)
    context.setdefault("logins", []).append(("umkm1", "supplier", "demo-umkm1-123"))
    context["products"] = [p.id for p, _s, _c in products]
    context["suppliers"] = {s.name: s.id for s in suppliers}
    context["supplier_members"] = {s.id: s.member_no for s in suppliers if s.member_no}
    context["supplier_member_names"] = {
        member_no: owner for _n, _t, _c, member_no, owner, _p, _pm in SUPPLIERS if member_no
    }
