"""Secrets at rest, sealed with an authenticated cipher (AES-256-GCM, from `cryptography`).

What a service must keep and use again in clear — a provider's webhook secret, which signs
and verifies webhooks — is stored only sealed: `sealed:v1:<key id>:<base64url of nonce,
ciphertext and tag>`. The key id names the key that sealed it, so keys can be rotated: the
first key seals, every key listed opens, and what an older key sealed is sealed again under
the first (`needs_resealing`). A purpose (the GCM associated data) binds a sealed value to
what it is for: a sealed webhook secret does not open as anything else.

Keys, 32 random bytes each as unpadded base64url, come from
- `REDRESS_CIPHER_KEY`: one key, or several separated by commas, the sealing key first; or
- a key file (`REDRESS_CIPHER_KEY_FILE`, default `var/cipher/keys`): one key per line, the
  first seals. It is made on first use (mode 0600) like the signing key, outside every
  database, so whoever reads a database dump does not also hold the key. `redress keys
  cipher rotate` puts a new key first; a process that meets a key id it does not know reads
  the file again, so services keep working while another process rotates.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_ENV = "REDRESS_CIPHER_KEY"
DEFAULT_KEY_FILE = "var/cipher/keys"
SEALED_PREFIX = "sealed:v1:"
KEY_BYTES = 32
NONCE_BYTES = 12


class CipherKeyError(ValueError):
    """The configured keys cannot be used; the message names the setting and the fault."""


class CannotUnseal(ValueError):
    """A sealed value that no configured key opens (unknown key id, altered, or sealed for
    another purpose)."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_key() -> str:
    """A fresh key in the form `REDRESS_CIPHER_KEY` and the key file hold."""
    return _b64url(secrets.token_bytes(KEY_BYTES))


def key_id(key: bytes) -> str:
    """A short public name of a key (a digest: it says which key, and nothing of it)."""
    return _b64url(hashlib.sha256(b"redress-cipher-key-id\x00" + key).digest()[:9])


def parse_keys(text: str, source: str) -> list[bytes]:
    """Keys separated by commas or new lines; CipherKeyError names `source` if one is bad."""
    keys = []
    for number, item in enumerate(text.replace(",", "\n").split(), start=1):
        try:
            key = _unb64url(item)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != KEY_BYTES:
            raise CipherKeyError(
                f"{source}: key {number} is not {KEY_BYTES} bytes in unpadded base64url "
                "(make one with `redress keys cipher rotate`)"
            )
        keys.append(key)
    if not keys:
        raise CipherKeyError(f"{source}: no key")
    return keys


def is_sealed(value: str) -> bool:
    return value.startswith(SEALED_PREFIX)


def sealed_key_id(value: str) -> str | None:
    """The id of the key that sealed `value`, or None if it is not sealed."""
    if not is_sealed(value):
        return None
    return value.removeprefix(SEALED_PREFIX).partition(":")[0]


@dataclass(frozen=True)
class KeyFile:
    """The key file: read, made on first use, and rotated (new key first, old ones kept)."""

    path: Path

    def read(self) -> list[bytes]:
        return parse_keys(self.path.read_text(), str(self.path))

    def read_or_create(self) -> list[bytes]:
        if not self.path.exists():
            self._write([new_key()], replace=False)
        return self.read()

    def rotate(self) -> list[bytes]:
        """Puts a new key first; the keys before it stay, to open what they sealed."""
        old = [_b64url(key) for key in self.read_or_create()]
        self._write([new_key(), *old], replace=True)
        return self.read()

    def _write(self, keys: Sequence[str], *, replace: bool) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        staging = self.path.with_name(f".{self.path.name}-{os.getpid()}-{os.urandom(4).hex()}")
        descriptor = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write("".join(f"{key}\n" for key in keys))
        try:
            if replace:
                os.replace(staging, self.path)
            else:
                with contextlib.suppress(FileExistsError):  # another process made it first
                    os.link(staging, self.path)
        finally:
            staging.unlink(missing_ok=True)


class Cipher:
    """Seals and opens short secrets. `keys`: the sealing key first, then older ones that
    still open what they sealed. With a `key_file`, an unknown key id re-reads the file."""

    def __init__(self, keys: Sequence[bytes], *, key_file: KeyFile | None = None) -> None:
        if not keys:
            raise CipherKeyError("no cipher key")
        self._lock = threading.Lock()
        self._key_file = key_file
        self._set(keys)

    def _set(self, keys: Sequence[bytes]) -> None:
        self._keys = {key_id(key): AESGCM(key) for key in keys}
        self._ids = [key_id(key) for key in keys]

    @property
    def current_key_id(self) -> str:
        return self._ids[0]

    @property
    def key_ids(self) -> list[str]:
        """Every key that opens, the sealing one first."""
        return list(self._ids)

    @property
    def source(self) -> str:
        return str(self._key_file.path) if self._key_file is not None else KEY_ENV

    def seal(self, plaintext: str, *, purpose: str) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        with self._lock:
            kid, aead = self._ids[0], self._keys[self._ids[0]]
        sealed = aead.encrypt(nonce, plaintext.encode(), purpose.encode())
        return f"{SEALED_PREFIX}{kid}:{_b64url(nonce + sealed)}"

    def open(self, sealed: str, *, purpose: str) -> str:
        kid = sealed_key_id(sealed)
        if kid is None:
            raise CannotUnseal("the value is not sealed")
        aead = self._key(kid)
        try:
            data = _unb64url(sealed.removeprefix(SEALED_PREFIX).partition(":")[2])
            opened = aead.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], purpose.encode())
        except (InvalidTag, binascii.Error, ValueError):
            raise CannotUnseal(
                f"a value sealed with key {kid} does not open: altered, or not a {purpose}"
            ) from None
        return opened.decode()

    def needs_resealing(self, value: str) -> bool:
        """Clear, or sealed with a key that is no longer the sealing key."""
        return sealed_key_id(value) != self.current_key_id

    def _key(self, kid: str) -> AESGCM:
        with self._lock:
            if kid not in self._keys and self._key_file is not None:
                with contextlib.suppress(OSError, CipherKeyError):  # then the keys we have
                    self._set(self._key_file.read())  # rotated by another process meanwhile
            aead = self._keys.get(kid)
        if aead is None:
            raise CannotUnseal(
                f"sealed with key {kid}, which is not among the cipher keys "
                f"({self.source}: {', '.join(self._ids)}); restore the key that sealed it"
            )
        return aead


def cipher_from_env(configured: str | None, key_file: str | Path | None) -> Cipher:
    """`configured` (the value of REDRESS_CIPHER_KEY) if set, else the key file, made on
    first use."""
    if configured:
        return Cipher(parse_keys(configured, KEY_ENV))
    file = KeyFile(Path(key_file or DEFAULT_KEY_FILE))
    return Cipher(file.read_or_create(), key_file=file)
