"""AES-256-GCM payload encryption for Temporal: what Temporal stores and shows is ciphertext.

Every payload (workflow and activity inputs and results, Update arguments and answers, query
results, failure messages and stack traces through the encoded-attributes failure converter)
is encrypted with the newest key of the keyring; the key id travels in the payload's metadata,
so older keys keep older histories readable after a rotation. Payloads that were never
encrypted (histories recorded before) pass through as they are.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes, PayloadCodec

from workflows.payloads import PayloadConverter

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12


@dataclass(frozen=True)
class Keyring:
    """Keys by id, oldest first; the newest encrypts, every one decrypts."""

    keys: dict[str, bytes]

    def __post_init__(self) -> None:
        if not self.keys:
            raise ValueError("a keyring needs at least one key")
        for kid, key in self.keys.items():
            if len(key) != 32:
                raise ValueError(f"key {kid}: AES-256 needs 32 bytes, got {len(key)}")

    @property
    def current(self) -> str:
        return next(reversed(self.keys))


class EncryptionCodec(PayloadCodec):
    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring
        self._ciphers = {kid: AESGCM(key) for kid, key in keyring.keys.items()}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(self.encrypt(payloads))

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return list(self.decrypt(payloads))

    def encrypt(self, payloads: Iterable[Payload]) -> Iterable[Payload]:
        kid = self._keyring.current
        for p in payloads:
            nonce = os.urandom(NONCE_BYTES)
            sealed = self._ciphers[kid].encrypt(nonce, p.SerializeToString(), kid.encode())
            yield Payload(metadata={"encoding": ENCODING, KEY_ID: kid.encode()}, data=nonce + sealed)

    def decrypt(self, payloads: Iterable[Payload]) -> Iterable[Payload]:
        for p in payloads:
            if p.metadata.get("encoding") != ENCODING:
                yield p  # written before encryption was turned on
                continue
            kid = p.metadata.get(KEY_ID, b"").decode(errors="replace")
            cipher = self._ciphers.get(kid)
            if cipher is None:
                raise ValueError(f"payload encrypted with key {kid!r}, which this keyring does not hold")
            try:
                yield Payload.FromString(cipher.decrypt(p.data[:NONCE_BYTES], p.data[NONCE_BYTES:], kid.encode()))
            except (InvalidTag, DecodeError):
                raise ValueError(f"payload does not decrypt with key {kid!r}: altered, or not ours") from None


def data_converter(keyring: Keyring) -> DataConverter:
    """Every client, worker and replayer of these workflows uses one made from the keyring."""
    return DataConverter(
        payload_converter_class=PayloadConverter,
        payload_codec=EncryptionCodec(keyring),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
