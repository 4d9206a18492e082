"""Where the payload keys come from, and their rotation.

`PAYLOAD_KEYS` (JSON `{"key-id": "<base64 of 32 bytes>", …}`, oldest first) wins; otherwise the
key file `PAYLOAD_KEY_FILE` (the same JSON). In development a missing file is created with one
fresh key, so `make run` needs no setup; in production a missing key is an error.

    chengnuo keys rotate [FILE]   # add a new key, used from the next start on
"""

from __future__ import annotations

import base64
import json
import os
from datetime import datetime, timezone
from pathlib import Path

from config import Settings
from security.codec import Keyring


def keyring(settings: Settings) -> Keyring:
    raw = settings.payload_keys or _read_file(Path(settings.payload_key_file), create=settings.dev_tokens_enabled)
    return Keyring({kid: base64.b64decode(key) for kid, key in raw.items()})


def _read_file(path: Path, create: bool) -> dict[str, str]:
    if not path.exists():
        if not create:
            raise RuntimeError(f"no payload keys: set PAYLOAD_KEYS or create {path} (chengnuo keys rotate {path})")
        write_secret(
            path, json.dumps(_with_new_key({}), indent=2), replace=False
        )  # the worker and the API may race: one file wins
    return json.loads(path.read_text(encoding="utf-8"))


def rotate(path: Path) -> str:
    """Append a new key (the newest encrypts from the next start on; the old ones still decrypt)."""
    keys = _with_new_key(json.loads(path.read_text(encoding="utf-8")) if path.exists() else {})
    write_secret(path, json.dumps(keys, indent=2), replace=True)
    return next(reversed(keys))


def _with_new_key(keys: dict[str, str]) -> dict[str, str]:
    """A new key with an id never used in the file (a number, then the day: k3-20261127)."""
    kid = f"k{len(keys) + 1}-{datetime.now(timezone.utc):%Y%m%d}"
    assert kid not in keys, kid
    return keys | {kid: base64.b64encode(os.urandom(32)).decode()}


def write_secret(path: Path, text: str, replace: bool) -> None:
    """Written whole, readable by the owner only; without `replace`, an existing file stays."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(0o600)
    try:
        if replace:
            tmp.replace(path)
        else:
            os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
