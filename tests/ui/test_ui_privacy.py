"""Privacy mode helpers: stable keyed pseudonyms and masked contact details."""

from llmrec.ui.privacy import Privacy, mask_pii, pseudonym, pseudonym_key


def test_pseudonyms_are_stable_keyed_and_distinct():
    key = pseudonym_key("abc")
    assert pseudonym("U001", key) == pseudonym("U001", key)
    assert pseudonym("U001", key) != pseudonym("U002", key)
    assert pseudonym("U001", key) != pseudonym("U001", pseudonym_key("other"))
    assert pseudonym("U001", key).startswith("user-") and "U001" not in pseudonym("U001", key)


def test_key_from_the_environment_wins(monkeypatch):
    monkeypatch.setenv("LLMREC_PSEUDONYM_KEY", "secret")
    assert pseudonym_key("abc") == pseudonym_key("xyz") == b"secret"


def test_mask_pii_hides_emails_and_phone_numbers_only():
    text = "Mail me at jane.doe+shop@example.co.uk or call +44 20 7946 0958 / (555) 123-4567."
    masked = mask_pii(text)
    assert "example" not in masked and "7946" not in masked and "123-4567" not in masked
    assert masked.count("[email]") == 1 and masked.count("[phone]") == 2
    kept = "Bought 2 in 2023, size 10.5, 4 stars"
    assert mask_pii(kept) == kept


def test_privacy_resolves_pseudonyms_back_to_ids():
    private = Privacy(True, b"k", ["a", "b"])
    assert private.resolve(private.user("b")) == "b"
    assert private.resolve("user-00000000") is None
    public = Privacy(False, b"k")
    assert public.user("a") == "a" and public.text("x@y.com") == "x@y.com"
