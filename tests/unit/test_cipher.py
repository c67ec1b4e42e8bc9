"""Secrets at rest: what the cipher seals opens only with its key and for its purpose, names
the key that sealed it so keys can rotate, and the keys come from REDRESS_CIPHER_KEY or from
a key file made on first use (mode 0600) and rotated in place."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from libs.platform.runtime.cipher import (
    SEALED_PREFIX,
    CannotUnseal,
    Cipher,
    CipherKeyError,
    KeyFile,
    cipher_from_env,
    key_id,
    new_key,
    parse_keys,
    sealed_key_id,
)

SECRET = "whsec_" + "A" * 43 + "="
PURPOSE = "redress:test-secret"


def keys(*texts: str) -> list[bytes]:
    return parse_keys(",".join(texts), "test")


def test_a_sealed_secret_holds_nothing_of_it_in_clear_and_opens_to_it() -> None:
    cipher = Cipher(keys(new_key()))
    sealed = cipher.seal(SECRET, purpose=PURPOSE)

    assert sealed.startswith(SEALED_PREFIX)
    assert "whsec_" not in sealed and "AAAA" not in sealed
    assert sealed_key_id(sealed) == cipher.current_key_id
    assert cipher.open(sealed, purpose=PURPOSE) == SECRET
    # A fresh nonce each time: sealing the same secret twice gives two forms.
    assert cipher.seal(SECRET, purpose=PURPOSE) != sealed


def test_an_altered_sealed_value_or_another_purpose_does_not_open() -> None:
    cipher = Cipher(keys(new_key()))
    sealed = cipher.seal(SECRET, purpose=PURPOSE)
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]

    with pytest.raises(CannotUnseal, match="altered"):
        cipher.open(flipped, purpose=PURPOSE)
    with pytest.raises(CannotUnseal, match="not a redress:other"):
        cipher.open(sealed, purpose="redress:other")
    with pytest.raises(CannotUnseal, match="not sealed"):
        cipher.open(SECRET, purpose=PURPOSE)


def test_the_first_key_seals_and_every_key_listed_opens() -> None:
    old, new = new_key(), new_key()
    before = Cipher(keys(old))
    sealed_before = before.seal(SECRET, purpose=PURPOSE)
    after = Cipher(keys(new, old))

    assert after.open(sealed_before, purpose=PURPOSE) == SECRET
    assert after.needs_resealing(sealed_before)
    resealed = after.seal(SECRET, purpose=PURPOSE)
    assert sealed_key_id(resealed) == key_id(keys(new)[0]) != sealed_key_id(sealed_before)
    assert not after.needs_resealing(resealed)
    assert after.needs_resealing(SECRET)  # a secret in clear is sealed at the next chance


def test_a_value_sealed_with_a_key_no_longer_listed_names_that_key() -> None:
    gone = Cipher(keys(new_key()))
    sealed = gone.seal(SECRET, purpose=PURPOSE)
    cipher = Cipher(keys(new_key()))

    with pytest.raises(CannotUnseal, match=f"sealed with key {gone.current_key_id}, which is"):
        cipher.open(sealed, purpose=PURPOSE)


@pytest.mark.parametrize(
    ("configured", "fault"),
    [
        ("short", "key 1 is not 32 bytes"),
        (f"{new_key()},{new_key()[:-4]}", "key 2 is not 32 bytes"),
        (" , ", "no key"),
    ],
)
def test_a_configured_key_that_cannot_be_used_is_named(configured: str, fault: str) -> None:
    with pytest.raises(CipherKeyError, match=f"REDRESS_CIPHER_KEY: {fault}"):
        cipher_from_env(configured, None)


def test_without_a_configured_key_one_is_made_on_first_use_and_kept(tmp_path: Path) -> None:
    path = tmp_path / "cipher" / "keys"
    first = cipher_from_env(None, path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.source == str(path)
    assert cipher_from_env(None, path).key_ids == first.key_ids  # the same key next time
    assert cipher_from_env("", path).key_ids == first.key_ids


def test_rotating_the_key_file_keeps_the_old_key_to_open_what_it_sealed(tmp_path: Path) -> None:
    file = KeyFile(tmp_path / "keys")
    running = cipher_from_env(None, file.path)
    sealed_before = running.seal(SECRET, purpose=PURPOSE)

    file.rotate()
    rotated = cipher_from_env(None, file.path)
    sealed_after = rotated.seal(SECRET, purpose=PURPOSE)

    assert rotated.key_ids[1:] == running.key_ids
    assert rotated.open(sealed_before, purpose=PURPOSE) == SECRET
    # A process still running with the old keys reads the file again when it meets the new
    # key id, so it keeps working while another process rotates.
    assert running.open(sealed_after, purpose=PURPOSE) == SECRET
    assert running.current_key_id == rotated.current_key_id
