"""Privacy mode: keyed pseudonyms whose key is not in the workspace, and masked contact details."""

import stat

import pytest

from llmrec.errors import ConfigError
from llmrec.ui.privacy import KEY_ENV, Privacy, key_path, mask_pii, pseudonym, pseudonym_key


@pytest.fixture(autouse=True)
def own_config_home(tmp_path, monkeypatch):
    """Never read or create the real ~/.config/llmrec/pseudonym.key."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv(KEY_ENV, raising=False)
    return tmp_path / "config"


def test_pseudonyms_are_stable_keyed_64_bit_and_distinct():
    key = b"k" * 32
    shown = pseudonym("U001", key)
    assert shown == pseudonym("U001", key) != pseudonym("U002", key)
    assert shown != pseudonym("U001", b"other" * 8)
    assert shown.startswith("user-") and len(shown) == len("user-") + 16
    assert int(shown[5:], 16) >= 0 and "U001" not in shown


def test_the_key_is_created_once_per_machine_with_mode_0600(own_config_home):
    first = pseudonym_key()
    path = own_config_home / "llmrec" / "pseudonym.key"
    assert key_path() == path and path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 64  # 32 random bytes, hex
    assert pseudonym_key() == first  # read back, not created again


def test_the_key_is_not_derivable_from_the_workspace(own_config_home, tmp_path, monkeypatch, small_workspace):
    """Two machines (two key files) give the same workspace different pseudonyms; the manifest and
    every other workspace file stay free of the key."""
    one = pseudonym_key()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "other-machine"))
    two = pseudonym_key()
    assert one != two
    users = ["U00001", "U00002", "U00003"]
    assert Privacy(True, one, users).users(users) != Privacy(True, two, users).users(users)
    for path in small_workspace.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert one not in data and two not in data, path
    manifest = (small_workspace / "manifest.json").read_text()
    assert "pseudonym" not in manifest


def test_key_from_the_environment_wins(monkeypatch, own_config_home):
    monkeypatch.setenv(KEY_ENV, "secret")
    assert pseudonym_key() == b"secret"
    assert not (own_config_home / "llmrec" / "pseudonym.key").exists()


def test_an_unwritable_config_folder_is_a_config_error(own_config_home):
    own_config_home.write_text("a file where the folder should be")
    with pytest.raises(ConfigError, match=KEY_ENV):
        pseudonym_key()


@pytest.mark.parametrize(("text", "masked"), [
    ("Mail jörg.müller@exämple.de now", "Mail [email] now"),
    ("jane.doe+shop@example.co.uk.", "[email]."),
    ("Write to ОЛЯ@пример.рф", "Write to [email]"),
    ("call 555-123-4567 x89 please", "call [phone] please"),
    ("call 555-123-4567x89", "call [phone]"),
    ("office (555) 123-4567 ext. 12", "office [phone]"),
    ("desk 555.123.4567 extension 4021", "desk [phone]"),
    ("Berlin +49 (0)30 1234567", "Berlin [phone]"),
    ("London +44 20 7946 0958", "London [phone]"),
    ("US +1-555-123-4567.", "US [phone]."),
    ("mobile 0170-1234567", "mobile [phone]"),
    ("Tel. 030 1234567", "Tel. [phone]"),
])
def test_mask_pii_hides_contact_details(text, masked):
    assert mask_pii(text) == masked


@pytest.mark.parametrize("text", [
    "Delivered 2023-05-01, returned 05/01/2023 or 01.05.2023",
    "Price $1,299.99 (was 1.499,00 €), 2 for $19.99",
    "Model WH-1000XM4, SM-G991B, RTX 3080, KX-TG7871S, iPhone 13",
    "ISBN 978-3-16-148410-0 and UPC 012345678905",
    "Bought 2 in 2023, size 10.5, 4 stars, 120 x 60 x 75 cm",
    "Models from 2019 2020 2021 all work; 3.5 4.0 4.5 stars",
    "Order #12345, 1080p at 60 fps, 5000 mAh",
])
def test_mask_pii_keeps_dates_prices_and_model_numbers(text):
    assert mask_pii(text) == text


def test_privacy_resolves_pseudonyms_back_to_ids():
    private = Privacy(True, b"k" * 32, ["a", "b"])
    assert private.resolve(private.user("b")) == "b"
    assert private.resolve("user-0000000000000000") is None
    public = Privacy(False, b"")
    assert public.user("a") == "a" and public.text("x@y.com") == "x@y.com"
