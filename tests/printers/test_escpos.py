"""ESC/POS bytes, read back by the parser: what the printer would do."""

import logging
import subprocess
import sys

import barcode as python_barcode
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from printers import escpos_out
from printers.document import Document, Label
from printers.layout import Line, layout, render_text
from tests.fakeprinter import parse_escpos, text_lines
from tests.printers import sample


def _types(events):
    return [e["type"] for e in events]


@pytest.mark.parametrize("width,profile", [(32, "POS-5890"), (48, "TM-T20II")])
def test_printed_lines_are_the_preview(width, profile):
    doc = sample.receipt()
    data = escpos_out.document_bytes(doc, width=width, profile=profile)
    printed = [line for line in text_lines(data)]
    preview = render_text(doc, width).splitlines()
    # Every preview line is printed in order; the QR is a graphic (the barcode prints
    # its code as the preview's text line under the bars).
    graphic = {i for i, line in enumerate(preview) if line.strip() == "[QR]"}
    expected = [line for i, line in enumerate(preview) if i not in graphic]
    assert [line for line in printed if line] == [line for line in expected if line]
    assert max(len(line) for line in printed) <= width


def test_init_then_code_page_explicitly():
    events = parse_escpos(escpos_out.document_bytes(sample.receipt(), width=48))
    assert _types(events)[:2] == ["init", "codepage"]
    assert events[1]["number"] == 0  # CP437


def test_code_page_resent_after_init_on_every_job():
    # escpos believes the code page is still selected after INIT; ours resends it
    first = parse_escpos(escpos_out.document_bytes(sample.receipt(), width=48, code_page="CP858"))
    second = parse_escpos(escpos_out.document_bytes(sample.receipt(), width=48, code_page="CP858"))
    for events in (first, second):
        assert events[0]["type"] == "init"
        assert events[1] == {"type": "codepage", "number": 19}


def test_pos5890_selects_the_standard_cp437_number():
    events = parse_escpos(escpos_out.document_bytes(sample.receipt(), width=32, profile="POS-5890"))
    assert events[1] == {"type": "codepage", "number": 0}


def test_unknown_code_page_for_profile_refused():
    with pytest.raises(ValueError):
        escpos_out.document_bytes(sample.receipt(), width=48, code_page="NOPE")


def test_total_printed_bold_and_double_height_then_normal():
    events = parse_escpos(escpos_out.document_bytes(sample.receipt(), width=48))
    texts = [e for e in events if e["type"] == "text" and e["text"]]
    total = next(e for e in texts if e["text"].startswith("TOTAL"))
    assert total["bold"] and total["double_height"] and not total["double_width"]
    after = texts[texts.index(total) + 1]
    assert not after["bold"] and not after["double_height"]


def test_80mm_cuts_58mm_feeds_instead():
    tm = parse_escpos(escpos_out.document_bytes(sample.receipt(), width=48, profile="TM-T20II"))
    pos = parse_escpos(escpos_out.document_bytes(sample.receipt(), width=32, profile="POS-5890"))
    assert tm[-1]["type"] == "cut"
    assert "cut" not in _types(pos)
    no_cut = parse_escpos(
        escpos_out.document_bytes(sample.receipt(), width=48, profile="TM-T20II", cut=False)
    )
    assert "cut" not in _types(no_cut)


def test_qr_native_when_profile_supports_it_else_image():
    native = parse_escpos(escpos_out.document_bytes(sample.receipt(), width=48, profile="TM-T20II"))
    qr = [e for e in native if e["type"] == "qr"]
    assert len(qr) == 1 and qr[0]["data"] == sample.receipt().qr_payload
    image = parse_escpos(escpos_out.document_bytes(sample.receipt(), width=32, profile="POS-5890"))
    assert "qr" not in _types(image)
    images = [e for e in image if e["type"] == "image"]
    assert images and all(e["width"] <= 384 for e in images)


def test_barcode_code128():
    events = parse_escpos(escpos_out.document_bytes(sample.receipt(), width=48, profile="TM-T20II"))
    barcodes = [e for e in events if e["type"] == "barcode"]
    assert barcodes == [{"type": "barcode", "system": 73, "data": "{BJKT01-000123"}]
    texts = [e["text"] for e in events if e["type"] == "text"]
    assert texts[texts.index("                  JKT01-000123") - 1] != "JKT01-000123"
    small = parse_escpos(escpos_out.document_bytes(sample.receipt(), width=32, profile="POS-5890"))
    assert "barcode" not in _types(small)  # no hardware barcode on that profile: an image
    assert "          JKT01-000123" in [e["text"] for e in small if e["type"] == "text"]


@pytest.mark.parametrize("pin,pulse", [(2, 100), (5, 200)])
def test_drawer_kick(pin, pulse):
    events = parse_escpos(escpos_out.drawer_bytes(profile="TM-T20II", pin=pin, pulse_ms=pulse))
    assert events[0]["type"] == "init"
    assert events[1] == {"type": "drawer", "pin": pin, "on_ms": pulse, "off_ms": 2 * pulse}
    assert "text" not in _types(events)


def test_accents_never_sent_as_garbage():
    data = escpos_out.document_bytes(sample.receipt(), width=48)
    assert "Cafe Creme Brulee Sachet" in text_lines(data)
    assert all(b < 0x80 for b in data[: data.index(b"\x1d(k")])  # text part is ASCII


def test_importing_escpos_keeps_the_app_logging():
    code = (
        "import logging\n"
        "root = logging.getLogger()\n"
        "handler = logging.StreamHandler()\n"
        "root.addHandler(handler); root.setLevel(logging.ERROR)\n"
        "from printers.escpos_out import escpos_modules, document_bytes\n"
        "escpos_modules()\n"
        "assert root.handlers == [handler], root.handlers\n"
        "assert root.level == logging.ERROR\n"
        "import os; print(os.environ['ESCPOS_CAPABILITIES_PICKLE_DIR'])\n"
    )
    bare = (
        "import logging\n"
        "from printers.escpos_out import escpos_modules\n"
        "escpos_modules()\n"
        "assert logging.getLogger().handlers == [], logging.getLogger().handlers\n"
    )
    for source in (code, bare):
        result = subprocess.run(
            [sys.executable, "-c", source], capture_output=True, text=True, cwd="."
        )
        assert result.returncode == 0, result.stderr
    assert logging.getLogger("mart").handlers is not None


@pytest.mark.parametrize("width,profile", [(32, "POS-5890"), (48, "TM-T20II")])
def test_one_code_page_selection_only_even_with_qr_and_barcode(width, profile):
    for _ in range(2):  # the second time the QR image comes from the cache
        events = parse_escpos(
            escpos_out.document_bytes(sample.receipt(), width=width, profile=profile)
        )
        assert [e for e in events if e["type"] == "codepage"] == [{"type": "codepage", "number": 0}]
        assert "truncated" not in _types(events) and "unknown" not in _types(events)


def test_software_barcode_raster_carries_the_code128_bars():
    data = escpos_out.document_bytes(sample.receipt(), width=32, profile="POS-5890")
    start = data.index(b"\x1dv0\x00")
    x_bytes = data[start + 4] + 256 * data[start + 5]
    height = data[start + 6] + 256 * data[start + 7]
    assert (x_bytes * 8, height) == (384, 64)
    rows = data[start + 8 : start + 8 + x_bytes * height]
    first = rows[:x_bytes]
    assert all(rows[i : i + x_bytes] == first for i in range(0, len(rows), x_bytes))
    bits = "".join(f"{byte:08b}" for byte in first).strip("0")
    modules = "".join(bits[i] for i in range(0, len(bits), 2))  # 2 dots a module
    assert modules == python_barcode.get_barcode_class("code128")("JKT01-000123").build()[0]
    # centred: the quiet zones either side differ by at most one dot
    row = "".join(f"{byte:08b}" for byte in first)
    assert abs((len(row) - len(row.rstrip("0"))) - (len(row) - len(row.lstrip("0")))) <= 1


def _escpos_line_by_line(lines, *, width, profile, code_page="CP437", cut=True) -> bytes:
    """The job made on one escpos ``Dummy``, a call a line: ``lines_to_bytes`` until
    4 Dec, kept here as the reference of the bytes it now joins from cached pieces."""
    dummy = escpos_out._start(profile, code_page)
    bold = double = False
    for line in lines:
        if line.kind in ("qr", "barcode") and (bold or double):
            dummy.set(normal_textsize=True, bold=False)
            bold = double = False
        if line.kind == "qr" and line.data:
            escpos_out._qr(dummy, line.data, width, profile)
            continue
        if line.kind == "barcode" and line.data:
            if dummy.profile.supports("barcodeB"):
                escpos_out._escpos_barcode(dummy, "{B" + line.data)
            else:
                raster = escpos_out._code128_raster(
                    line.data, escpos_out._paper_dots(dummy.profile, width)
                )
                dummy._raw(raster)
            dummy.set(align="left")
            dummy._raw(line.text.encode("ascii", "replace") + b"\n")
            continue
        if line.double_height != double:
            dummy.set(double_height=True) if line.double_height else dummy.set(normal_textsize=True)
            double = line.double_height
            bold = False
        if line.bold != bold:
            dummy.set(bold=line.bold)
            bold = line.bold
        dummy._raw(line.text.encode("ascii", "replace") + b"\n")
    if double:
        dummy.set(normal_textsize=True)
    if bold:
        dummy.set(bold=False)
    if cut and escpos_out.can_cut(profile):
        dummy.cut()
    else:
        dummy.ln(escpos_out.FEED_WITHOUT_CUT)
    return dummy.output


_PRINTERS = [
    (32, "POS-5890", "CP437"),  # no cutter, no hardware barcode: a feed, a raster image
    (48, "TM-T20II", "CP437"),
    (48, "TM-T20II", "CP858"),
    (48, "default", "CP437"),
]


@pytest.mark.parametrize("width,profile,code_page", _PRINTERS)
@pytest.mark.parametrize("cut", [True, False])
def test_the_jobs_bytes_are_escposs_own(width, profile, code_page, cut):
    """Receipts, copies, labels: byte for byte what escpos makes on its own printer."""
    labels = Document(
        labels=[
            Label("Keripik Balado", 12500, barcode="8995265089391", member_price=12000),
            Label("Kopi", 3000, barcode="X" * 60),  # too long for 58 mm paper: text only
        ]
    )
    for document in (sample.receipt(), sample.receipt(copy=True), labels):
        lines = layout(document, width)
        expected = _escpos_line_by_line(
            lines, width=width, profile=profile, code_page=code_page, cut=cut
        )
        made = escpos_out.lines_to_bytes(
            lines, width=width, profile=profile, code_page=code_page, cut=cut
        )
        assert made == expected
    # a code escpos refuses is refused as before (the job fails with escpos's reason)
    too_long = layout(Document(labels=[Label("Kopi", 3000, barcode="X" * 300)]), width)
    outcomes = []
    for make in (_escpos_line_by_line, escpos_out.lines_to_bytes):
        try:
            outcomes.append(
                make(too_long, width=width, profile=profile, code_page=code_page, cut=cut)
            )
        except Exception as exc:  # the same refusal, whatever its class
            outcomes.append(type(exc))
    assert outcomes[0] == outcomes[1]


_LINE = st.builds(
    Line,
    text=st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=48),
    bold=st.booleans(),
    double_height=st.booleans(),
    kind=st.sampled_from(["text", "text", "barcode", "qr"]),
    data=st.one_of(
        st.none(), st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60)
    ),
)


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(_LINE, max_size=12), printer=st.sampled_from(_PRINTERS), cut=st.booleans())
def test_any_lines_bytes_are_escposs_own(lines, printer, cut):
    width, profile, code_page = printer
    made = escpos_out.lines_to_bytes(
        lines, width=width, profile=profile, code_page=code_page, cut=cut
    )
    assert made == _escpos_line_by_line(
        lines, width=width, profile=profile, code_page=code_page, cut=cut
    )
