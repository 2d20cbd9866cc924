"""Sample documents for the printers tests (and golden files)."""

from decimal import Decimal

from printers.document import Document, Item, Total


def receipt(items=None, copy=False) -> Document:
    if items is None:
        items = [
            Item(
                "Keripik Singkong Balado Pedas Manis Produksi UMKM Ibu Siti Kemasan Jumbo",
                Decimal("1"),
                25000,
                25000,
            ),
            Item("Beras Pandan Wangi 5 kg", Decimal("2"), 78000, 156000),
            Item("Minyak Goreng 2 L", Decimal("3"), 36000, 100000, note="Diskon anggota -8.000"),
            Item("Telur Ayam Negeri", Decimal("1.250"), 30000, 37500, unit="kg"),
            Item("Kulkas Dua Pintu (pesanan)", Decimal("1"), 1250000, 1250000),
            Item("Café Crème Brûlée Sachet", Decimal("12"), 1500, 18000),
        ]
    return Document(
        header_lines=["OK OCE Mart Demo", "Jl. Contoh No. 1, Jakarta", "NPWP 01.234.567.8-901.000"],
        title="STRUK PENJUALAN",
        info=[
            ("No", "JKT01-000123"),
            ("Tanggal", "29-11-2026 15:10"),
            ("Kasir", "Sari Dewi"),
            ("Anggota", "A-000042 Budi Santoso Wibowo Hadiningrat"),
        ],
        items=items,
        totals=[
            Total("Subtotal", 1594500),
            Total("Diskon", -8000),
            Total("TOTAL", 1586500, emphasis=True),
            Total("Tunai", 1600000),
            Total("Kembali", 13500),
        ],
        notes=["Belanja anggota tercatat untuk SHU tahun 2026."],
        footer_lines=["Terima kasih. Belanja di koperasi, untung bersama."],
        qr_payload=(
            "00020101021126570011ID.DANA.WWW011893600915000000000102150000000000000000303UMI"
            "51440014ID.CO.QRIS.WWW0215ID10200000000000303UMI5204541153033605802ID"
            "5916OK OCE MART DEMO6007JAKARTA6304ABCD"
        ),
        barcode="JKT01-000123",
        copy=copy,
    )


def many_items(n=40) -> Document:
    return receipt(
        items=[
            Item(
                f"Barang nomor {i} dari pemasok UMKM",
                Decimal(i % 3 + 1),
                1500 * i,
                1500 * i * (i % 3 + 1),
            )
            for i in range(1, n + 1)
        ]
    )
