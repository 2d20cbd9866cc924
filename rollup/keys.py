"""Branch keys: HMAC signing (branch) and their storage at the hub.

Why encrypted and not hashed: to check an HMAC-SHA256 signature the hub must compute
the HMAC itself, which needs the key itself; a hash of the key cannot verify anything.
So the hub stores each key encrypted with Fernet (AES-128-CBC + HMAC-SHA256, from the
``cryptography`` package: authenticated, versioned, hard to misuse), under a key
derived from the app's SECRET_KEY with HKDF. A copy of the database alone (a backup, a
replica) does not reveal any branch key; SECRET_KEY is kept outside the database.

Rotation: ``flask rollup rotate-key CODE`` makes a new branch key (the old one stops
working at once; the branch's queued reports wait, nothing is lost, until its
MART_BRANCH_KEY is updated). SECRET_KEY itself can be rotated by listing the previous
one(s) in ``MART_OLD_SECRET_KEYS`` (comma separated): keys still decrypt, and
``flask rollup reencrypt-keys`` rewrites them under the new one.
"""

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

SIGNATURE_PREFIX = "sha256="


def new_branch_key() -> str:
    """A fresh random key (256 bits, URL-safe text): what the branch puts in MART_BRANCH_KEY."""
    return secrets.token_urlsafe(32)


def sign(body: bytes, key: str) -> str:
    """The X-Mart-Signature header value for ``body``."""
    return SIGNATURE_PREFIX + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, key: str, header: str | None) -> bool:
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    return hmac.compare_digest(sign(body, key), header.strip())


def _fernet_for(secret: str) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"okoce-mart-rollup", info=b"branch-keys"
    ).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _cipher() -> MultiFernet:
    secrets_ = [current_app.config["SECRET_KEY"]]
    old = current_app.config.get("MART_OLD_SECRET_KEYS") or ""
    secrets_ += [s.strip() for s in old.split(",") if s.strip()]
    return MultiFernet([_fernet_for(s) for s in secrets_])


def encrypt_key(key: str) -> str:
    return _cipher().encrypt(key.encode()).decode()


def decrypt_key(token: str) -> str | None:
    """The branch key, or None when it cannot be decrypted (SECRET_KEY changed)."""
    try:
        return _cipher().decrypt(token.encode()).decode()
    except InvalidToken:
        return None


def reencrypt(token: str) -> str:
    return _cipher().rotate(token.encode()).decode()
