"""Privacy mode: stable pseudonyms for user ids and masked contact details in review text."""

from __future__ import annotations

import hashlib
import hmac
import os
import re

KEY_ENV = "LLMREC_PSEUDONYM_KEY"

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# international or local phone numbers: 7+ digits with optional separators and a leading +
_PHONE = re.compile(r"(?<![\w])\+?\(?\d[\d\s().-]{5,}\d(?![\w])")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def pseudonym_key(fingerprint: str) -> bytes:
    """The hashing key: $LLMREC_PSEUDONYM_KEY when set, else derived from the data fingerprint."""
    secret = os.environ.get(KEY_ENV) or f"llmrec-pseudonym:{fingerprint}"
    return secret.encode()


def pseudonym(user_id: str, key: bytes) -> str:
    """A stable, keyed pseudonym such as 'user-3f9a1c2b' (HMAC-SHA256, 32 bits shown)."""
    digest = hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()
    return f"user-{digest[:8]}"


def mask_pii(text: str) -> str:
    """Replace e-mail addresses and phone numbers with placeholders."""
    if not text:
        return text
    text = _EMAIL.sub("[email]", text)
    return _PHONE.sub(_phone, text)


def _phone(match: re.Match) -> str:
    found = match.group()
    if sum(c.isdigit() for c in found) < 7 or _DATE.fullmatch(found.strip()):
        return found
    return "[phone]"


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
