"""Payload encryption: ciphertext in Temporal, plaintext for the key holders, rotation."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload

from config import Settings
from security.codec import ENCODING, KEY_ID, EncryptionCodec, Keyring
from security.keys import keyring, rotate

SECRET = "张三 410411199001010015 13912345678"


def payload(text: str) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(text).encode())


async def test_encrypted_with_the_newest_key_and_read_back() -> None:
    codec = EncryptionCodec(Keyring({"old": os.urandom(32), "new": os.urandom(32)}))
    [sealed] = await codec.encode([payload(SECRET)])
    assert sealed.metadata["encoding"] == ENCODING and sealed.metadata[KEY_ID] == b"new"
    assert SECRET.encode() not in sealed.data and json.dumps(SECRET).encode() not in sealed.data
    assert await codec.decode([sealed]) == [payload(SECRET)]
    [again] = await codec.encode([payload(SECRET)])
    assert again.data != sealed.data  # a fresh nonce each time


async def test_rotation_keeps_old_payloads_readable(tmp_path: Path) -> None:
    file = tmp_path / "keys.json"
    settings = Settings(payload_key_file=str(file), chengnuo_env="development")
    before = keyring(settings)  # made on first use in development
    [old] = await EncryptionCodec(before).encode([payload(SECRET)])
    rotate(file)
    after = keyring(settings)
    assert after.current != before.current and before.current in after.keys
    codec = EncryptionCodec(after)
    [new] = await codec.encode([payload(SECRET)])
    assert new.metadata[KEY_ID].decode() == after.current
    assert await codec.decode([old, new]) == [payload(SECRET), payload(SECRET)]
    assert file.stat().st_mode & 0o077 == 0  # readable by its owner only


async def test_plain_payloads_pass_and_unknown_keys_fail() -> None:
    codec = EncryptionCodec(Keyring({"k": os.urandom(32)}))
    assert await codec.decode([payload("written before encryption")]) == [payload("written before encryption")]
    [foreign] = await EncryptionCodec(Keyring({"other": os.urandom(32)})).encode([payload(SECRET)])
    with pytest.raises(ValueError, match="other"):
        await codec.decode([foreign])


def test_production_never_makes_a_key(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="PAYLOAD_KEYS"):
        keyring(Settings(payload_key_file=str(tmp_path / "none.json"), chengnuo_env="production"))
    assert not (tmp_path / "none.json").exists()


async def test_altered_payload_is_refused() -> None:
    codec = EncryptionCodec(Keyring({"k": os.urandom(32)}))
    [sealed] = await codec.encode([payload(SECRET)])
    altered = Payload(metadata=sealed.metadata, data=sealed.data[:-1] + bytes([sealed.data[-1] ^ 1]))
    with pytest.raises(ValueError, match="altered"):
        await codec.decode([altered])
