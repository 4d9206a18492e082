"""After a life on what `make run` starts, Temporal's own files hold no personal data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.stack import PERSON, Stack, pick

pytestmark = pytest.mark.e2e

NAME = "隐私测试人王五"
PHONE = "13912345678"


def encodings(text: str) -> list[bytes]:
    """The ways a text may sit in a file: UTF-8, UTF-16, JSON's \\u escapes (either case)."""
    escaped = "".join(c if ord(c) < 128 else f"\\u{ord(c):04x}" for c in text)
    return [text.encode(), text.encode("utf-16-le"), escaped.encode(), escaped.upper().replace("\\U", "\\u").encode()]


def test_temporal_files_hold_no_name_id_or_phone(catalogue: list, tmp_path: Path) -> None:
    after = pick(catalogue, "after")
    url = "/applications/privacy-1"
    with Stack(tmp_path / "data") as stack:
        opened = stack.call(
            "POST",
            "/applications",
            "caseworker",
            {
                "application_id": "privacy-1",
                "applicant": {"id": PERSON, "name": NAME, "kind": "person"},
                "service": "隐私测试事项",
                "matters": [after],
            },
        )
        assert opened.status_code == 201, opened.text
        for role, action, body in [
            ("applicant", "commit", {"matter": after}),
            ("caseworker", "decision", {"approve": True, "reason": "符合条件"}),
            ("public", "complaints", {"text": f"举报人电话{PHONE}，申请人{NAME}的承诺不实", "contact": PHONE}),
            ("verifier", "verification", {"matter": after, "truthful": False, "findings": f"{NAME}（{PERSON}）承诺不实"}),
        ]:
            r = stack.call("POST", f"{url}/{action}", role, body)
            assert r.status_code == 200, (action, r.text)
        refused = stack.call("POST", f"{url}/decision", "caseworker", {"approve": True, "reason": NAME})
        assert refused.status_code == 409
        timeline = stack.call("GET", f"{url}/timeline", "auditor").json()
        assert NAME in " ".join(e["summary"] for e in timeline)  # the read model keeps what people read
        code, out = stack.stop()
        assert code == 0, out
    files = sorted((tmp_path / "data").glob("temporal.db*"))
    assert any(b"application-privacy-1" in f.read_bytes() for f in files)  # the scan reads what Temporal wrote
    found = [
        (f.name, secret) for f in files for secret in (NAME, PERSON, PHONE) if any(e in f.read_bytes() for e in encodings(secret))
    ]
    assert not found, found
