"""Applicants as the workflows know them: a pseudonym, the keyed hash of their ID number.

An ID number or credit code never enters Temporal: the API turns it into `ap-<hmac>` with the
pseudonym key (`PSEUDONYM_KEY`, base64 of 32 bytes, or the file `PSEUDONYM_KEY_FILE`, made in
development), and keeps who it stands for in the `applicantidentity` table, which activities and
the API read to show and to grade the real applicant. The key never rotates: a new key would
give every applicant a new pseudonym and split their cases.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from datetime import datetime, timezone
from pathlib import Path

from sqlmodel import Session

from config import Settings
from db.models import ApplicantIdentity
from db.writes import insert_ignore
from security.keys import write_secret
from workflows.types import Applicant

PREFIX = "ap-"


class Pseudonyms:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def of(self, id_number: str) -> str:
        """The applicant's pseudonym: the same number always gives the same one."""
        digest = hmac.new(self._key, id_number.strip().upper().encode(), hashlib.sha256).hexdigest()
        return PREFIX + digest[:32]

    def register(self, session: Session, id_number: str, name: str, kind: str) -> str:
        """Keep who the pseudonym stands for (the first name given stays); returns the pseudonym."""
        pseudonym = self.of(id_number)
        if session.get(ApplicantIdentity, pseudonym) is not None:
            return pseudonym  # known: nothing to write (the usual case)
        session.commit()  # end the read before writing (SQLite: a read snapshot cannot be upgraded)
        row = {
            "pseudonym": pseudonym,
            "id_number": id_number,
            "name": name,
            "kind": kind,
            "created_at": datetime.now(timezone.utc),
        }
        insert_ignore(session, ApplicantIdentity, [row])
        session.commit()
        return pseudonym


def is_pseudonym(applicant_id: str) -> bool:
    return applicant_id.startswith(PREFIX)


def resolve(session: Session, applicant_id: str) -> ApplicantIdentity | None:
    """Who a pseudonym stands for; None for an id that is not one (cases opened before pseudonyms
    carry the ID number itself) or one never registered."""
    return session.get(ApplicantIdentity, applicant_id) if is_pseudonym(applicant_id) else None


def real_id(session: Session, applicant_id: str) -> str:
    """The ID number behind a pseudonym, or the id itself where it is already one."""
    identity = resolve(session, applicant_id)
    return identity.id_number if identity else applicant_id


def person(session: Session, applicant: Applicant) -> Applicant:
    """The applicant as a letter names them: the identity behind a pseudonym."""
    identity = resolve(session, applicant.id)
    return Applicant(identity.id_number, identity.name, identity.kind) if identity else applicant


def pseudonyms(settings: Settings) -> Pseudonyms:
    if settings.pseudonym_key:
        return Pseudonyms(base64.b64decode(settings.pseudonym_key))
    path = Path(settings.pseudonym_key_file)
    if not path.exists():
        if not settings.dev_tokens_enabled:
            raise RuntimeError(f"no pseudonym key: set PSEUDONYM_KEY or create {path}")
        write_secret(path, base64.b64encode(os.urandom(32)).decode(), replace=False)  # racing processes: one file wins
    return Pseudonyms(base64.b64decode(path.read_text(encoding="utf-8").strip()))
