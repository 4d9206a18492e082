"""Workflows know applicants by pseudonym and free texts by reference: decrypted, a case's
history still holds no ID number, name or reason; the read model and the answers show them."""

from __future__ import annotations

import json

from google.protobuf.json_format import ParseDict
from sqlmodel import Session, select
from temporalio.api.common.v1 import Payload

from activities.projection import workflow_id
from db.models import ApplicantIdentity, Application, CaseText
from tests.support.factories import AFTER, CONVERTER
from tests.support.harness import Harness
from tests.support.http import COMPANY, Client, auth, body

REASON = "经审查材料齐全，准予许可（理由原文不入工作流历史）"
FINDINGS = "现场核查发现经营场所与承诺不符（核查原文）"
EVIDENCE = "已补正租赁合同，联系电话13912345678"


async def decoded_history(case: Harness, application_id: str) -> str:
    """Every payload of the case's history, decrypted and decoded, as one text."""
    history = await case.env.client.get_workflow_handle(workflow_id(application_id)).fetch_history()
    found: list[Payload] = []

    def walk(node: object) -> None:  # a payload is a dict with metadata (encoding …) and data
        if isinstance(node, dict):
            if "encoding" in node.get("metadata", {}):
                found.append(ParseDict(node, Payload()))
            else:
                for value in node.values():
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(history.to_json_dict())
    assert found
    plain = await CONVERTER.payload_codec.decode(found)  # type: ignore[union-attr]
    return "".join(p.data.decode("utf-8", "replace") for p in plain)


async def test_history_holds_pseudonym_and_references_only(http: Client, case: Harness) -> None:
    opened = await http.post("/applications", json=body("pseudo-1"), headers=auth("caseworker"))
    assert opened.status_code == 201, opened.text
    assert opened.json()["applicant"] == {"id": COMPANY, "name": "湛河测试商贸有限公司", "kind": "company"}
    steps = [
        ("applicant", "commit", {"matter": AFTER}),
        ("caseworker", "decision", {"approve": True, "reason": REASON}),
        ("verifier", "verification", {"matter": AFTER, "truthful": False, "findings": FINDINGS}),
        ("caseworker", "disposition", {"action": "rectify", "reason": "限期补正", "deadline_days": 10}),
        ("applicant", "rectification", {"matter": AFTER, "evidence": EVIDENCE}),
    ]
    for role, action, payload in steps:
        r = await http.post(f"/applications/pseudo-1/{action}", json=payload, headers=auth(role))
        assert r.status_code == 200, (action, r.text)
    answer = r.json()
    assert answer["applicant"]["id"] == COMPANY  # the answer names the applicant, not the pseudonym
    assert answer["decision_reason"] == REASON
    assert next(m for m in answer["matters"] if m["code"] == AFTER)["findings"] == FINDINGS

    # the read model and its timeline read as people wrote them
    timeline = " ".join(e["summary"] for e in (await http.get("/applications/pseudo-1/timeline", headers=auth("auditor"))).json())
    assert REASON in timeline and FINDINGS in timeline and EVIDENCE in timeline and COMPANY in timeline
    assert "⟦t:" not in timeline and "ap-" not in timeline
    with Session(case.engine) as session:
        row = session.get(Application, "pseudo-1")
        assert row is not None and row.applicant_id == COMPANY and row.applicant_ref and row.applicant_ref.startswith("ap-")
        identity = session.get(ApplicantIdentity, row.applicant_ref)
        assert identity is not None and identity.id_number == COMPANY
        assert {t.text for t in session.exec(select(CaseText).where(CaseText.application_id == "pseudo-1"))} >= {
            REASON,
            FINDINGS,
            EVIDENCE,
        }
        pseudonym = row.applicant_ref

    history = await decoded_history(case, "pseudo-1")
    assert pseudonym in history  # the decoding worked: the workflow's applicant is there
    for secret in (COMPANY, "湛河测试商贸有限公司", REASON, FINDINGS, EVIDENCE, "13912345678"):
        assert secret not in history, secret
        assert json.dumps(secret)[1:-1] not in history, secret  # nor as \\u escapes


async def test_applicant_acts_only_on_own_case_by_pseudonym(http: Client) -> None:
    assert (await http.post("/applications", json=body("pseudo-2"), headers=auth("caseworker"))).status_code == 201
    other = {"Authorization": "Bearer dev-applicant:91410411MA000002"}
    refused = await http.post("/applications/pseudo-2/commit", json={"matter": AFTER}, headers=other)
    assert refused.status_code == 403, refused.text
    own = await http.post("/applications/pseudo-2/commit", json={"matter": AFTER}, headers=auth("applicant"))
    assert own.status_code == 200, own.text
