"""Backups of the application database (ID numbers, texts, the credit archive), encrypted, and
their restore: `pg_dump` in its custom format through `gpg --symmetric` (AES-256) with a
passphrase kept apart from the backups, and back through `gpg --decrypt` into `pg_restore`.

Nothing in clear touches the disk: the dump streams into gpg, and gpg into pg_restore. Temporal's
own database is backed up the same way (docs/OPERATIONS.md). `make test` drills the whole round
on the machine's PostgreSQL (tests/test_restore_drill.py).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupFailed(Exception):
    pass


def libpq_url(database_url: str) -> str:
    """The URL as pg_dump and pg_restore read it (no SQLAlchemy driver name)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _gpg(passphrase_file: Path, *args: str) -> list[str]:
    return ["gpg", "--batch", "--yes", "--quiet", "--pinentry-mode", "loopback", "--passphrase-file", str(passphrase_file), *args]


def _wait(*procs: subprocess.Popen[bytes]) -> None:
    failed = []
    for p in procs:
        code, err = p.wait(), p.stderr.read().decode(errors="replace").strip() if p.stderr else ""
        if code:
            failed.append(f"{p.args[0] if isinstance(p.args, list) else p.args!r}: exit {code}: {err}")
    if failed:
        raise BackupFailed("; ".join(failed))


def backup(database_url: str, out: Path, passphrase_file: Path) -> int:
    """Dump the database into `out`, encrypted; the file's size."""
    dump = subprocess.Popen(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--dbname", libpq_url(database_url)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    encrypt = subprocess.Popen(
        _gpg(passphrase_file, "--symmetric", "--cipher-algo", "AES256", "--output", str(out)),
        stdin=dump.stdout, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert dump.stdout is not None
    dump.stdout.close()  # gpg holds the pipe; pg_dump sees it close if gpg dies
    _wait(dump, encrypt)
    return out.stat().st_size


def restore(database_url: str, backup_file: Path, passphrase_file: Path) -> None:
    """Restore an encrypted backup into the (empty or existing) database: its tables replaced."""
    decrypt = subprocess.Popen(
        _gpg(passphrase_file, "--decrypt", str(backup_file)), stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    load = subprocess.Popen(
        ["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname",
         libpq_url(database_url)],
        stdin=decrypt.stdout, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert decrypt.stdout is not None
    decrypt.stdout.close()
    _wait(decrypt, load)
