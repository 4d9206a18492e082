"""Free texts of a case (reasons, findings, statements, evidence) stay out of Temporal.

The API keeps the text in the `casetext` table and hands the workflow its reference
`⟦t:<sha256>⟧`; timelines and Update inputs in history carry only that. Reading a case back (the
read model, an Update's answer), `disclose` puts the texts and the applicant's ID number back in
place of their references.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from typing import Any

from sqlmodel import Session, select

from db.models import CaseText
from db.writes import insert_ignore
from security.pseudonyms import PREFIX, resolve

REF = re.compile(r"⟦t:([0-9a-f]{64})⟧")
PSEUDONYM = re.compile(re.escape(PREFIX) + r"[0-9a-f]{32}")


def keep(session: Session, application_id: str, field: str, text: str, actor_id: str) -> str:
    """Store the text (once per case and content) and return its reference."""
    sha = hashlib.sha256(text.encode()).hexdigest()
    row = {
        "application_id": application_id,
        "sha256": sha,
        "field": field,
        "text": text,
        "actor_id": actor_id,
        "at": datetime.now(timezone.utc),
    }
    insert_ignore(session, CaseText, [row])
    return f"⟦t:{sha}⟧"


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def _replace(value: Any, sub: Any) -> Any:
    if isinstance(value, str):
        return sub(value)
    if isinstance(value, dict):
        return {k: _replace(v, sub) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, sub) for v in value]
    return value


def disclose(session: Session, application_id: str, value: Any) -> Any:
    """`value` (strings, dicts, lists) with every text reference replaced by its text and every
    applicant pseudonym by the ID number it stands for. One query for each kind of reference."""
    strings = _strings(value)
    shas = {m for s in strings for m in REF.findall(s)}
    names = {m for s in strings for m in PSEUDONYM.findall(s)}
    if not shas and not names:
        return value
    texts = (
        dict(
            session.exec(
                select(CaseText.sha256, CaseText.text).where(CaseText.application_id == application_id, CaseText.sha256.in_(shas))  # type: ignore[attr-defined]
            ).all()
        )
        if shas
        else {}
    )
    ids = {p: identity.id_number for p in names if (identity := resolve(session, p))}

    def sub(s: str) -> str:
        s = REF.sub(lambda m: texts.get(m.group(1), m.group(0)), s)
        return PSEUDONYM.sub(lambda m: ids.get(m.group(0), m.group(0)), s)

    return _replace(value, sub)
