"""The chart of accounts of a consumer cooperative's minimarket (koperasi konsumen).

Codes follow the usual Indonesian cooperative layout: 1 aset, 2 kewajiban, 3 ekuitas,
4 pendapatan, 5 harga pokok and selisih, 6 beban usaha. ``role`` is what events post to;
an admin may add accounts (without a role) and close them.
"""

# code, name (Bahasa Indonesia), type, role
CHART = (
    # Aset
    ("1101", "Kas", "asset", "kas"),
    ("1102", "Bank", "asset", "bank"),
    ("1103", "Piutang QRIS", "asset", "piutang_qris"),
    ("1104", "Piutang Kartu Debit/Kredit", "asset", "piutang_kartu"),
    ("1105", "Piutang Anggota", "asset", "piutang_anggota"),
    ("1201", "Persediaan Barang Dagangan", "asset", "persediaan"),
    ("1301", "Peralatan dan Inventaris Toko", "asset", "peralatan"),
    ("1302", "Akumulasi Penyusutan Peralatan", "asset", "akumulasi_penyusutan"),
    # Kewajiban
    ("2101", "Utang Usaha", "liability", "utang_usaha"),
    ("2102", "Utang Konsinyasi", "liability", "utang_konsinyasi"),
    ("2103", "PPN Keluaran", "liability", "ppn_keluaran"),
    ("2104", "Simpanan Sukarela", "liability", "simpanan_sukarela"),
    ("2105", "Utang SHU Anggota", "liability", "utang_shu"),
    ("2106", "Utang Beban", "liability", "utang_beban"),
    ("2201", "Dana Pengurus", "liability", "dana_pengurus"),
    ("2202", "Dana Karyawan", "liability", "dana_karyawan"),
    ("2203", "Dana Pendidikan", "liability", "dana_pendidikan"),
    ("2204", "Dana Sosial", "liability", "dana_sosial"),
    ("2205", "Dana Lain-lain dari SHU", "liability", "dana_lain"),
    # Ekuitas
    ("3101", "Simpanan Pokok", "equity", "simpanan_pokok"),
    ("3102", "Simpanan Wajib", "equity", "simpanan_wajib"),
    ("3201", "Cadangan", "equity", "cadangan"),
    ("3301", "SHU Tahun Berjalan", "equity", "shu_tahun_berjalan"),
    ("3302", "SHU Dibagikan", "equity", "shu_dibagi"),
    ("3401", "Ekuitas Saldo Awal", "equity", "saldo_awal"),
    # Pendapatan
    ("4101", "Penjualan", "revenue", "penjualan"),
    ("4102", "Retur Penjualan", "revenue", "retur_penjualan"),
    ("4103", "Potongan Penjualan", "revenue", "potongan_penjualan"),
    ("4201", "Pendapatan Komisi Konsinyasi", "revenue", "komisi_konsinyasi"),
    ("4301", "Pendapatan Lain-lain", "revenue", "pendapatan_lain"),
    # Harga pokok dan selisih
    ("5101", "Harga Pokok Penjualan", "expense", "hpp"),
    ("5201", "Selisih dan Penyusutan Persediaan", "expense", "selisih_persediaan"),
    ("5202", "Selisih Kas", "expense", "selisih_kas"),
    # Beban usaha
    ("6101", "Beban Gaji dan Upah", "expense", "beban_gaji"),
    ("6102", "Beban Sewa", "expense", "beban_sewa"),
    ("6103", "Beban Listrik, Air dan Telepon", "expense", "beban_listrik"),
    ("6104", "Beban Penyusutan", "expense", "beban_penyusutan"),
    ("6105", "Beban Administrasi Bank", "expense", "beban_bank"),
    ("6199", "Beban Operasional Lainnya", "expense", "beban_operasional"),
)

ROLES = tuple(row[3] for row in CHART)

# The expense page's kinds: kind -> (expense role, the credit side when not paid in cash).
EXPENSE_KINDS = {
    "wages": "beban_gaji",
    "rent": "beban_sewa",
    "electricity": "beban_listrik",
    "depreciation": "beban_penyusutan",
    "bank_charges": "beban_bank",
    "other": "beban_operasional",
}
