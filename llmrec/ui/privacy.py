"""Privacy mode: keyed pseudonyms for user ids and masked contact details in review text.

The pseudonym key never lives in a workspace: whoever holds a workspace (its ids, its manifest)
must not be able to confirm a guessed id by recomputing its pseudonym. It is
$LLMREC_PSEUDONYM_KEY when set, else a random secret created once per machine in the user's
config folder ($XDG_CONFIG_HOME/llmrec/pseudonym.key, mode 0600).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from llmrec.errors import ConfigError

KEY_ENV = "LLMREC_PSEUDONYM_KEY"
KEY_FILE = Path("llmrec") / "pseudonym.key"

# Unicode local part and domain (jörg.müller@exämple.de), a letter-only top-level domain
_EMAIL = re.compile(r"(?<![\w.+%-])[\w.+%-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}(?![\w-])")
_EXTENSION = r"(?:\s*(?:x|ext\.?|extension)\s*\d{1,6})?"
# Phone shapes, each followed by an optional extension:
#   international  +49 (0)30 1234567 · +44 20 7946 0958 · +1-555-123-4567
#   North American (555) 123-4567 · 555.123.4567 · 1 555 123 4567
#   European trunk 030 1234567 · 0170-1234567 · 089/123456 (a separator is required)
_PHONE = re.compile(rf"""
    (?<![\w.+/-])
    (?:
        \+\d{{1,3}}(?:[\s.-]?(?:\(\d{{1,4}}\)|\d{{1,5}})){{2,6}}
      | (?:1[\s.-])?(?:\(\d{{3}}\)\s?|\d{{3}}[\s.-])\d{{3}}[\s.-]\d{{4}}
      | 0\d{{2,4}}[\s/-]\d{{3,8}}
    )
    {_EXTENSION}
    (?![\w-])
    """, re.VERBOSE | re.IGNORECASE)
_DIGITS = re.compile(r"\d")


def key_path() -> Path:
    """Where this machine's pseudonym key is kept (outside any workspace)."""
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / KEY_FILE


def pseudonym_key() -> bytes:
    """$LLMREC_PSEUDONYM_KEY when set, else this machine's secret, created on first use."""
    secret = os.environ.get(KEY_ENV)
    if secret:
        return secret.encode()
    path = key_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            key = path.read_bytes().strip()
        else:
            key = secrets.token_hex(32).encode()
            with os.fdopen(handle, "wb") as out:
                out.write(key + b"\n")
    except OSError as error:
        raise ConfigError(f"cannot create or read the pseudonym key {path}: {error.strerror or error}; "
                          f"set ${KEY_ENV} instead") from error
    if len(key) < 32:
        raise ConfigError(f"pseudonym key {path}: expected at least 32 characters, found {len(key)}; "
                          "delete the file to create a new one")
    return key


def pseudonym(user_id: str, key: bytes) -> str:
    """A stable, keyed pseudonym such as 'user-3f9a1c2b0d4e5f60' (HMAC-SHA256, 64 bits shown)."""
    digest = hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()
    return f"user-{digest[:16]}"


def mask_pii(text: str) -> str:
    """Replace e-mail addresses and phone numbers with placeholders; dates, prices and model
    numbers stay as they are."""
    if not text:
        return text
    text = _EMAIL.sub("[email]", text)
    return _PHONE.sub(_phone, text)


def _phone(match: re.Match) -> str:
    found = match.group()
    return "[phone]" if 7 <= len(_DIGITS.findall(found)) <= 20 else found


class Privacy:
    """How user ids and review text are shown; identity when privacy mode is off."""

    def __init__(self, enabled: bool, key: bytes, user_ids: list[str] | None = None) -> None:
        self.enabled = enabled
        self._key = key
        self._reverse: dict[str, str] | None = None
        self._user_ids = user_ids or []

    def user(self, user_id: str) -> str:
        return pseudonym(user_id, self._key) if self.enabled else str(user_id)

    def users(self, user_ids) -> list[str]:
        return [self.user(u) for u in user_ids]

    def text(self, text: str) -> str:
        return mask_pii(text) if self.enabled else text

    def resolve(self, shown: str) -> str | None:
        """The real id behind a shown id (a pseudonym in privacy mode), None when unknown."""
        if not self.enabled:
            return shown
        if self._reverse is None:
            self._reverse = {self.user(u): u for u in self._user_ids}
        return self._reverse.get(shown)
