"""The starter catalogue's data (issue 15 item 10) and the services' time limits: each entry says
where its basis was checked, the fixed entries stay fixed, and a database that holds the first
version of the catalogue learns the fixes and the retirements when it starts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, MetaData, Table, insert
from sqlmodel import Session, select
from temporalio.exceptions import ApplicationError

from activities.catalogue import SERVICES_FILE, CatalogueActivities, service_time_limit
from db.migrate import CATALOGUE_FILE, alembic_config, load_catalogue, upgrade
from db.models import Matter
from db.session import make_engine, session_factory
from workflows.types import LoadMattersInput

POLICE = "平顶山市公安局湛河分局"
TAX = "国家税务总局平顶山市湛河区税务局"


def catalogue() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    return entries


def services() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads(SERVICES_FILE.read_text(encoding="utf-8"))
    return data


def by_code() -> dict[str, dict[str, Any]]:
    return {e["code"]: e for e in catalogue()}


def active() -> list[dict[str, Any]]:
    return [e for e in catalogue() if not e.get("retired")]


def test_every_entry_says_where_its_basis_was_checked() -> None:
    entries = catalogue()
    assert len({e["code"] for e in entries}) == len(entries)
    for e in entries:
        assert isinstance(e.get("basis_source"), str) and e["basis_source"].strip(), e["code"]
        assert isinstance(e.get("basis_verified"), bool), e["code"]
        Matter(**e)  # every field is one the model knows
    assert any(e["basis_verified"] for e in entries)
    assert not all(e["basis_verified"] for e in entries)  # the unverified ones are marked so


def test_retired_entries_are_kept_with_a_reason() -> None:
    entries = by_code()
    for code in ("ZHQ-SF-001", "ZHQ-SF-002"):
        assert entries[code]["retired"] is True and entries[code]["retired_reason"], code
        assert entries[code]["version"] >= 2, code
    for e in catalogue():
        if e.get("retired"):
            assert e.get("retired_reason"), e["code"]
            assert e.get("version", 1) >= 2, e["code"]  # so stored copies learn they are gone


def test_no_active_entry_serves_the_provincial_lawyer_licence() -> None:
    for e in active():
        assert "律师执业核准" not in e["services"], e["code"]
        assert e["name"] != "完全民事行为能力证明", e["code"]


def test_the_fixed_entries() -> None:
    entries = by_code()
    teacher = entries["ZHQ-JY-001"]
    assert teacher["verification_stage"] == "during" and not teacher["verification_exempt"]
    assert 0 < teacher["verification_days"] <= 15 and teacher["verification_deadline_days"] > 0
    assert teacher["version"] >= 2

    hardship, exempt = entries["ZHQ-SF-003"], entries["ZHQ-SF-004"]
    assert exempt["issuing_unit"] != hardship["issuing_unit"]
    assert "民政" in exempt["issuing_unit"] and "民政" in exempt["verification_standard"]
    assert exempt["version"] >= 2

    for e in catalogue():
        text = json.dumps(e, ensure_ascii=False)
        assert "湛河区公安分局" not in text, e["code"]
        assert "湛河区税务局" not in text.replace(TAX, ""), e["code"]
        if e["code"].startswith("ZHQ-GA-"):
            assert e["department"] == POLICE, e["code"]
        if e["code"].startswith("ZHQ-SW-"):
            assert e["department"] == TAX, e["code"]


def test_active_entries_come_first_in_the_file() -> None:
    """Readers that take the first matching entry (the end-to-end tests) get one in force."""
    flags = [bool(e.get("retired")) for e in catalogue()]
    assert flags == sorted(flags)


def test_every_service_has_a_positive_time_limit() -> None:
    table = services()
    named = {s for e in catalogue() for s in e["services"]}
    assert named <= set(table), named - set(table)
    for name, entry in table.items():
        assert entry["department"], name
        assert isinstance(entry["time_limit_working_days"], int) and entry["time_limit_working_days"] > 0, name
        assert entry["basis"], name
        assert isinstance(entry["basis_verified"], bool), name
    for e in active():
        for s in e["services"]:
            limit = service_time_limit(s)
            assert limit is not None and limit[0] > 0 and limit[1], s
    assert service_time_limit("没有这个服务") is None
    assert service_time_limit("企业设立登记") == (3, table["企业设立登记"]["basis"])


def version_one(entry: dict[str, Any]) -> dict[str, Any]:
    """How the first version of the catalogue stored an entry: before the fixes."""
    old = {k: v for k, v in entry.items() if k not in ("basis_source", "basis_verified", "retired", "retired_reason")}
    old["version"] = 1
    for key, value in old.items():
        if isinstance(value, str):
            old[key] = value.replace(POLICE, "湛河区公安分局").replace(TAX, "湛河区税务局")
    if entry["code"] == "ZHQ-JY-001":
        old.update(verification_stage="after", verification_days=30, verification_deadline_days=10)
    if entry["code"] == "ZHQ-SF-004":
        old.update(issuing_unit="乡镇人民政府、街道办事处", verification_exempt=True, verification_stage="after")
    return old


def old_database(tmp_path: Path) -> Engine:
    """A database migrated before revision 0003 and loaded with the version-1 catalogue, then
    brought to the newest revision (as a deployment does on its next start)."""
    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
    matter = Table("matter", MetaData(), autoload_with=engine)
    rows = [version_one(e) for e in catalogue()]
    rows.append(version_one({**by_code()["ZHQ-RS-001"], "code": "ZHQ-LOCAL-001"}))  # a row the file does not name
    with engine.begin() as connection:
        connection.execute(insert(matter), rows)
    upgrade(engine)
    return engine


def test_load_catalogue_updates_an_old_database(tmp_path: Path) -> None:
    engine = old_database(tmp_path)
    with Session(engine) as s:  # the new columns read as "unchecked, in force" before the load
        before = {m.code: m for m in s.exec(select(Matter))}
    assert not any(m.retired or m.basis_verified or m.basis_source for m in before.values())

    load_catalogue(engine)
    load_catalogue(engine)  # a second start changes nothing more
    file = by_code()
    with Session(engine) as s:
        rows = {m.code: m for m in s.exec(select(Matter))}
    assert set(file) <= set(rows)

    assert rows["ZHQ-SF-001"].retired and rows["ZHQ-SF-001"].retired_reason
    assert rows["ZHQ-SF-002"].retired and rows["ZHQ-SF-002"].version == file["ZHQ-SF-002"]["version"]
    assert rows["ZHQ-JY-001"].verification_stage == "during" and rows["ZHQ-JY-001"].version >= 2
    assert rows["ZHQ-SF-004"].issuing_unit == file["ZHQ-SF-004"]["issuing_unit"] != rows["ZHQ-SF-003"].issuing_unit
    assert rows["ZHQ-GA-004"].department == POLICE
    assert rows["ZHQ-SW-001"].department == TAX
    for code, entry in file.items():
        if entry.get("version", 1) > 1:  # changed entries now read exactly as the file says
            stored = rows[code].model_dump()
            assert {k: stored[k] for k in entry} == entry, code
        else:  # unchanged ones were left alone
            assert rows[code].version == 1 and rows[code].basis_source == "", code
    assert rows["ZHQ-LOCAL-001"].version == 1 and not rows["ZHQ-LOCAL-001"].retired


def test_load_catalogue_does_not_go_back_to_an_older_version(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/newer.db")
    upgrade(engine)
    load_catalogue(engine)
    with Session(engine) as s:
        row = s.get(Matter, "ZHQ-JY-001")
        assert row is not None
        row.version, row.verification_days = 99, 7  # an edit made after the file's version
        s.add(row)
        s.commit()
    load_catalogue(engine)
    with Session(engine) as s:
        row = s.get(Matter, "ZHQ-JY-001")
        assert row is not None and row.version == 99 and row.verification_days == 7


def test_a_retired_matter_is_refused_like_an_unknown_one(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/fresh.db")
    upgrade(engine)
    load_catalogue(engine)
    activities = CatalogueActivities(session_factory(engine))
    with pytest.raises(ApplicationError) as refused:
        activities.load_matters(LoadMattersInput(["ZHQ-SF-003", "ZHQ-SF-002"]))
    assert refused.value.type == "UnknownMatter" and refused.value.non_retryable
    assert "retired" in str(refused.value) and "ZHQ-SF-002" in str(refused.value)
    entries = activities.load_matters(LoadMattersInput(["ZHQ-JY-001", "ZHQ-SF-004"]))
    assert [e.code for e in entries] == ["ZHQ-JY-001", "ZHQ-SF-004"]
    assert entries[0].verification_stage == "during" and entries[0].version >= 2
