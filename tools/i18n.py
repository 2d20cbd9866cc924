"""Message catalogues, one per package (Bahasa Indonesia; English is the source text).

    python tools/i18n.py update [PKG...]   extract the text of packages, merge into their .po
    python tools/i18n.py missing [PKG...]  list msgids without an Indonesian translation
    python tools/i18n.py compile   write the .mo files the app reads

Edit ``<package>/translations/id/LC_MESSAGES/messages.po`` to translate.
"""

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["mart", "rollup", "books", "inventory", "members", "printers", "pos"]
METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def po_path(package):
    return ROOT / package / "translations" / "id" / "LC_MESSAGES" / "messages.po"


def extract(package) -> Catalog:
    catalog = Catalog(locale="id")
    base = ROOT / package
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(base), METHODS, keywords=KEYWORDS, strip_comment_tags=True
    ):
        catalog.add(message, None, [(filename, lineno)], context=context)
    return catalog


def load(package) -> Catalog:
    path = po_path(package)
    if not path.exists():
        return Catalog(locale="id")
    with path.open("rb") as fh:
        return read_po(fh, locale="id")


def update(packages=None):
    for package in packages or PACKAGES:
        template = extract(package)
        catalog = load(package)
        catalog.update(template, no_fuzzy_matching=True)
        path = po_path(package)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, omit_header=False, sort_output=True, ignore_obsolete=True)
    missing(packages)


def missing_in(package):
    catalog = load(package)
    wanted = extract(package)
    out = []
    for message in wanted:
        if not message.id:
            continue
        have = catalog.get(message.id, context=message.context)
        if (
            have is None
            or not have.string
            or have.fuzzy
            or (isinstance(have.string, tuple) and not all(have.string))
        ):
            out.append(message.id)
    return out


def missing(packages=None):
    total = 0
    for package in packages or PACKAGES:
        for msgid in missing_in(package):
            total += 1
            print(f"{package}: {msgid!r}")
    print(f"{total} untranslated")
    return total


def compile_all():
    for package in PACKAGES:
        path = po_path(package)
        if not path.exists():
            continue
        catalog = load(package)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        mo = path.with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != buffer.getvalue():
            mo.write_bytes(buffer.getvalue())


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "missing"
    packages = sys.argv[2:] or None
    if command == "update":
        update(packages)
    elif command == "compile":
        compile_all()
    else:
        sys.exit(1 if missing(packages) else 0)


def set_translations(package, pairs: dict):
    """Fill translations from a dict (used by scripts; editing the .po works too)."""
    catalog = load(package)
    for msgid, msgstr in pairs.items():
        message = catalog.get(msgid)
        if message is None:
            catalog.add(msgid, msgstr)
        else:
            message.string = msgstr
            message.flags.discard("fuzzy")
    with po_path(package).open("wb") as fh:
        write_po(fh, catalog, sort_output=True, ignore_obsolete=True)
