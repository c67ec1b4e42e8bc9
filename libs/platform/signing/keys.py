"""The deployment signing key pair, kept as files outside every database.

One ECDSA P-256 key signs exports (PAdES), bundle manifests (JWS, ES256) and checkpoints. It
lives in a directory (`REDRESS_SIGNING_DIR`, `var/signing` by default) that every service of
the deployment reads; none of them reads another's tables, and the key is not in any of
them, so whoever administers a database cannot re-sign what they alter.

- `key.pem`: the private key (PKCS #8, mode 0600), made on first use as other secrets are.
- `certificate.pem`: a self-signed X.509 certificate for it, which PAdES signatures carry.
- `retired/<kid>.pem`: certificates of replaced keys, still published so that what they
  signed keeps verifying.

The key id (`kid`) is the RFC 7638 JWK thumbprint of the public key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DEFAULT_DIRECTORY = "var/signing"
KEY_FILE = "key.pem"
CERTIFICATE_FILE = "certificate.pem"
RETIRED = "retired"
#: A self-signed certificate names the key, it does not vouch for it; ten years outlives
#: the record-keeping periods (DISP 1.9.1R: at least three or five years) it must cover.
CERTIFICATE_YEARS = 10


class NoSigningKey(LookupError):
    """`show` was asked for a key that was never created."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_jwk(public_key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    numbers = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": _b64url(numbers.x.to_bytes(32, "big")),
        "y": _b64url(numbers.y.to_bytes(32, "big")),
    }


def thumbprint(jwk: dict[str, str]) -> str:
    """RFC 7638: SHA-256 over the required members, sorted, without whitespace."""
    required = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
    return _b64url(hashlib.sha256(json.dumps(required, separators=(",", ":")).encode()).digest())


@dataclass(frozen=True)
class SigningKey:
    private_key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self.private_key.public_key()

    @property
    def jwk(self) -> dict[str, str]:
        jwk = public_jwk(self.public_key)
        return {**jwk, "kid": thumbprint(jwk), "alg": "ES256", "use": "sig"}

    @property
    def kid(self) -> str:
        return self.jwk["kid"]

    @property
    def private_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


def published_key(certificate: x509.Certificate) -> dict[str, object]:
    """What `/.well-known/redress-signing-keys` says about one certificate: its JWK (with
    `kid`), its PEM (`x5c`, RFC 7517 §4.7) and its validity."""
    public = certificate.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    jwk = public_jwk(public)
    der = certificate.public_bytes(serialization.Encoding.DER)
    return {
        **jwk,
        "kid": thumbprint(jwk),
        "alg": "ES256",
        "use": "sig",
        "x5c": [base64.b64encode(der).decode("ascii")],
        "not_before": certificate.not_valid_before_utc.isoformat().replace("+00:00", "Z"),
        "not_after": certificate.not_valid_after_utc.isoformat().replace("+00:00", "Z"),
    }


def _new_key(common_name: str, now: datetime) -> SigningKey:
    private_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Redress deployment"),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * CERTIFICATE_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(private_key, hashes.SHA256())
    )
    return SigningKey(private_key, certificate)


class SigningKeyStore:
    """The signing key's directory."""

    def __init__(self, directory: str | os.PathLike[str] | None = None) -> None:
        self.directory = Path(
            directory or os.environ.get("REDRESS_SIGNING_DIR") or DEFAULT_DIRECTORY
        )

    @property
    def exists(self) -> bool:
        return (self.directory / KEY_FILE).exists()

    def load(self) -> SigningKey:
        try:
            key_pem = (self.directory / KEY_FILE).read_bytes()
            certificate_pem = (self.directory / CERTIFICATE_FILE).read_bytes()
        except FileNotFoundError:
            raise NoSigningKey(
                f"no signing key in {self.directory} (create one: redress keys signing create)"
            ) from None
        private_key = serialization.load_pem_private_key(key_pem, password=None)
        assert isinstance(private_key, ec.EllipticCurvePrivateKey)
        return SigningKey(private_key, x509.load_pem_x509_certificate(certificate_pem))

    def load_or_create(self) -> SigningKey:
        """The key, made on first use. Processes starting together agree on one key: the
        private key is linked into place (which fails if one is there already) before its
        certificate, and a process that finds a key whose certificate is not there yet
        waits for it."""
        if not self.exists:
            self._install(_new_key("Redress signing key", datetime.now(UTC)), replace=False)
        for _ in range(500):
            try:
                key = self.load()
            except NoSigningKey:
                key = None
            if key is not None and key.certificate.public_key() == key.public_key:
                return key
            time.sleep(0.01)
        raise NoSigningKey(f"the signing key in {self.directory} has no matching certificate")

    def rotate(self) -> SigningKey:
        """A new key; the old certificate is kept under `retired/` and stays published."""
        if self.exists:
            old = self.load()
            retired = self.directory / RETIRED
            retired.mkdir(parents=True, exist_ok=True)
            (retired / f"{old.kid}.pem").write_bytes(old.certificate_pem)
        key = _new_key("Redress signing key", datetime.now(UTC))
        self._install(key, replace=True)
        return key

    def published(self) -> list[dict[str, object]]:
        """Every certificate a signature may name: the current one first, then retired."""
        certificates = []
        if self.exists:
            certificates.append(self.load().certificate)
        retired = self.directory / RETIRED
        if retired.is_dir():
            for path in sorted(retired.glob("*.pem")):
                certificates.append(x509.load_pem_x509_certificate(path.read_bytes()))
        return [published_key(certificate) for certificate in certificates]

    def _install(self, key: SigningKey, *, replace: bool) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        staging = self.directory / f".new-{os.getpid()}-{os.urandom(4).hex()}"
        staging.mkdir(mode=0o700)
        try:
            key_path = staging / KEY_FILE
            descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as file:
                file.write(key.private_pem)
            (staging / CERTIFICATE_FILE).write_bytes(key.certificate_pem)
            if replace:
                # The certificate first: a reader that finds the new key finds its certificate.
                os.replace(staging / CERTIFICATE_FILE, self.directory / CERTIFICATE_FILE)
                os.replace(key_path, self.directory / KEY_FILE)
                return
            try:
                os.link(key_path, self.directory / KEY_FILE)
            except FileExistsError:
                return  # another process won; its certificate follows
            os.replace(staging / CERTIFICATE_FILE, self.directory / CERTIFICATE_FILE)
        finally:
            for leftover in staging.iterdir():
                leftover.unlink()
            staging.rmdir()
