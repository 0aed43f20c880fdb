"""Storage contract of the outcome ports: map versions, evaluation state, roster history,
stints, KPIs and the report queries give the same answers on every adapter.

Runs once per adapter (`store` fixture, tests/store/conftest.py; ARCHITECTURE rule 11).
"""

from __future__ import annotations

import orjson
import pytest

from service.model.outcomes import (
    BEGINNING_MS,
    AttainmentQuery,
    AttainmentRecord,
    EvidenceRecord,
    KpiObservation,
    OutcomeChanges,
    RosterEntry,
    RosterImport,
    UnitRange,
    UnitSpan,
)
from service.store.ports import Store
from service.store.ports.backend import OutcomeStores
from tests.builders import statement, voiding
from tests.store.statement_support import put

pytestmark = pytest.mark.asyncio
DAY = 86_400_000
JAN = 1_767_225_600_000  # 2026-01-01T00:00:00Z
FEB = JAN + 31 * DAY


def _outcomes(store: Store) -> OutcomeStores:
    assert store.outcomes is not None
    return store.outcomes


def _attained(learner: str, outcome: str, at: int, level: int | None = None) -> AttainmentRecord:
    return AttainmentRecord(learner, outcome, at, level, learner.upper(), [{"n": 1}], {"0": "s"})


async def test_map_versions_retire_and_promote(store: Store) -> None:
    ev = _outcomes(store).evaluation
    first = await ev.add_outcome_map("t1", {"name": "one"})
    await ev.promote_outcome_map("t1", first.version)
    other = await ev.add_outcome_map("t1", {"name": "x"}, name="other")
    second = await ev.add_outcome_map("t1", {"name": "two"})
    third = await ev.add_outcome_map("t1", {"name": "three"})  # retires `second`, evaluating
    assert [(v.version, v.name, v.number) for v in (first, other, second, third)] == [
        (1, "default", 1),
        (2, "other", 1),
        (3, "default", 2),
        (4, "default", 3),
    ]
    await ev.apply_outcome_changes(
        "t1", OutcomeChanges(4, cursor=0, evaluated=0, put_attainments=[_attained("a", "o", 5)])
    )
    await ev.promote_outcome_map("t1", third.version)
    statuses = [(v.version, v.status, v.document) for v in await ev.list_outcome_maps("t1")]
    assert statuses == [
        (1, "retired", {"name": "one"}),
        (2, "evaluating", {"name": "x"}),
        (3, "retired", {"name": "two"}),
        (4, "current", {"name": "three"}),
    ]
    assert await ev.outcome_tenants() == ["t1"]
    assert await ev.list_outcome_maps("t2") == []


async def test_statements_after_a_cursor_with_voided_flags_and_known_bodies(store: Store) -> None:
    ev = _outcomes(store).evaluation
    target, other = statement(), statement()
    await put(store, target, other)
    await put(store, voiding(target["id"]))
    await put(store, statement(), tenant="t2")
    page = await ev.read_statements_after("t1", 0, 10)
    assert [(orjson.loads(p.body or b"{}")["id"], p.voided) for p in page][:2] == [
        (target["id"], True),
        (other["id"], False),
    ]
    assert len(page) == 3
    assert [p.seq for p in page] == sorted(p.seq for p in page)
    assert await ev.count_statements_after("t1", 0) == 3
    assert await ev.count_statements_after("t1", page[0].seq) == 2
    known = await ev.read_statements_after("t1", page[0].seq, 1, known={page[1].seq})
    assert [(p.seq, p.body) for p in known] == [(page[1].seq, None)]


async def test_evaluation_state_and_cursor(store: Store) -> None:
    ev = _outcomes(store).evaluation
    version = (await ev.add_outcome_map("t1", {})).version
    evidence = [
        EvidenceRecord("a", "o", 0, "s1", "act", 10, 1),
        EvidenceRecord("a", "o", 1, "s2", "act", 20, 2),
        EvidenceRecord("b", "o", 0, "s2", "act", 20, 2),
    ]
    changes = OutcomeChanges(
        version,
        cursor=2,
        evaluated=2,
        add_evidence=evidence,
        put_attainments=[_attained("a", "o", 20, 1), _attained("b", "o", 20)],
    )
    await ev.apply_outcome_changes("t1", changes)
    snap = await ev.load_outcome_evidence("t1", version, [("a", "o")], [])
    assert sorted(snap.evidence, key=lambda e: e.criterion) == evidence[:2]
    assert snap.attainments == {("a", "o"): _attained("a", "o", 20, 1)}
    retract = await ev.load_outcome_evidence("t1", version, [], ["s2"])
    assert set(retract.attainments) == {("a", "o"), ("b", "o")}
    assert len(retract.evidence) == 3
    await ev.apply_outcome_changes(
        "t1",
        OutcomeChanges(
            version,
            cursor=3,
            evaluated=1,
            retract_statements=["s2"],
            delete_attainments=[("b", "o")],
        ),
    )
    after = await ev.load_outcome_evidence("t1", version, [("a", "o"), ("b", "o")], [])
    assert after.evidence == evidence[:1]
    assert set(after.attainments) == {("a", "o")}
    (mapped,) = await ev.list_outcome_maps("t1")
    assert (mapped.cursor, mapped.evaluated) == (3, 3)


async def _setup_reports(store: Store) -> int:
    out = _outcomes(store)
    version = (await out.evaluation.add_outcome_map("t1", {})).version
    roster = [
        RosterEntry("a", "A", "Sales", "East"),
        RosterEntry("b", "B", "Sales", "West"),
        RosterEntry("c", "C", "Support", "East"),
        RosterEntry("d", "D", "Sales|Ops", None),
    ]
    await out.org.put_roster("t1", roster, replace=True, effective=RosterImport(JAN))
    moved = [RosterEntry("b", "B", "Support", "West")]
    await out.org.put_roster("t1", moved, replace=False, effective=RosterImport(FEB, explicit=True))
    attained = [
        _attained("a", "p", JAN + 2 * DAY, 1),
        _attained("b", "p", FEB + DAY, 2),
        _attained("c", "q", JAN + DAY),
        _attained("x", "p", JAN),  # not on the roster
    ]
    await out.evaluation.apply_outcome_changes(
        "t1", OutcomeChanges(version, cursor=1, evaluated=1, put_attainments=attained)
    )
    return version


async def test_roster_history_and_units(store: Store) -> None:
    org = _outcomes(store).org
    await _setup_reports(store)
    assert [e.learner for e in await org.get_roster("t1", None, 10)] == ["a", "b", "c", "d"]
    assert [e.learner for e in await org.get_roster("t1", "b", 1)] == ["c"]
    history = await org.roster_history("t1", "b")
    assert [(e.department, e.valid_from_ms, e.valid_to_ms) for e in history] == [
        ("Sales", BEGINNING_MS, FEB),
        ("Support", FEB, None),
    ]
    assert (await org.get_roster("t1", "a", 1))[0] == history[1]
    ranges = set(await org.unit_ranges("t1"))
    assert ranges == {
        UnitRange("Sales", BEGINNING_MS, FEB),
        UnitRange("Sales", BEGINNING_MS, None),
        UnitRange("East", BEGINNING_MS, None),
        UnitRange("West", BEGINNING_MS, FEB),
        UnitRange("Support", BEGINNING_MS, None),
        UnitRange("Support", FEB, None),
        UnitRange("West", FEB, None),
        UnitRange("Sales|Ops", BEGINNING_MS, None),
    }
    assert await org.unit_ranges("t2") == []


async def test_unit_spans_count_stints_by_attained_day(store: Store) -> None:
    reports = _outcomes(store).reports
    version = await _setup_reports(store)
    spans = await reports.unit_spans("t1", version, "department", "p")
    assert sorted(spans, key=lambda s: (s.unit, s.from_ms, str(s.to_ms), str(s.attained_day))) == [
        UnitSpan("Sales", BEGINNING_MS, FEB, (FEB + DAY) // DAY, 1),
        UnitSpan("Sales", BEGINNING_MS, None, (JAN + 2 * DAY) // DAY, 1),
        UnitSpan("Sales|Ops", BEGINNING_MS, None, None, 1),
        UnitSpan("Support", BEGINNING_MS, None, None, 1),
        UnitSpan("Support", FEB, None, (FEB + DAY) // DAY, 1),
    ]
    team = await reports.unit_spans("t1", version, "team", "q")
    assert sorted(team, key=lambda s: (s.unit, str(s.attained_day))) == [
        UnitSpan("East", BEGINNING_MS, None, (JAN + DAY) // DAY, 1),
        UnitSpan("East", BEGINNING_MS, None, None, 1),
        UnitSpan("West", BEGINNING_MS, None, None, 1),  # b's team never changed: one stint
    ]
    with pytest.raises(ValueError, match="not a roster field"):
        await reports.unit_spans("t1", version, "salary", "p")


async def test_attainment_listings_counts_and_unattained(store: Store) -> None:
    reports = _outcomes(store).reports
    version = await _setup_reports(store)
    assert await reports.count_attainments("t1", version) == {"p": 3, "q": 1}
    assert await reports.first_attainment_day("t1", version, ["q"]) == (JAN + DAY) // DAY
    assert await reports.first_attainment_day("t1", version, ["nope"]) is None

    async def listed(**kwargs: object) -> list[tuple[str, str]]:
        rows = await reports.query_attainments("t1", AttainmentQuery(version, **kwargs))  # type: ignore[arg-type]
        return [(r.record.outcome, r.record.learner) for r in rows]

    everyone = [("p", "a"), ("p", "b"), ("p", "x"), ("q", "c")]
    assert await listed() == everyone
    assert await listed(after=("p", "b"), limit=2) == everyone[2:]
    assert await listed(after=("p", "x")) == everyone[3:]
    assert await listed(outcome="q", after=("p", "x")) == [("q", "c")]
    assert await listed(unit="Support") == [("p", "b"), ("q", "c")]
    assert await listed(unit="Support", after=("p", "b")) == [("q", "c")]
    assert await listed(unit_field="team", unit="East", learner="a") == [("p", "a")]
    assert await listed(since_ms=JAN + DAY, until_ms=FEB) == [("p", "a"), ("q", "c")]
    assert await listed(level=2) == [("p", "b")]
    rows = await reports.query_attainments("t1", AttainmentQuery(version, learner="b"))
    assert rows[0].record == _attained("b", "p", FEB + DAY, 2)
    assert rows[0].roster == RosterEntry("b", "B", "Support", "West")
    none = await reports.query_attainments("t1", AttainmentQuery(version, learner="x"))
    assert none[0].roster is None
    missing = await reports.unattained("t1", version, "p", "department", "Support", None, 10)
    assert [e.learner for e in missing] == ["c"]
    assert missing[0].valid_from_ms == BEGINNING_MS
    assert await reports.unattained("t1", version, "p", "department", "Sales", None, 10) == []


async def test_kpi_observations_add_update_replace(store: Store) -> None:
    org = _outcomes(store).org
    first = [
        KpiObservation("rev", "Sales", "2026-01", 1.5),
        KpiObservation("rev", "Ops", "2026-01", 2),
    ]
    assert await org.put_kpi_observations("t1", first, replace=False) == 2
    update = [KpiObservation("rev", "Sales", "2026-01", 3.0)]
    await org.put_kpi_observations("t1", update, replace=False)
    assert await org.get_kpi_observations("t1") == [
        KpiObservation("rev", "Ops", "2026-01", 2.0),
        KpiObservation("rev", "Sales", "2026-01", 3.0),
    ]
    await org.put_kpi_observations("t1", [KpiObservation("a", "U", "2026", 0)], replace=True)
    assert await org.get_kpi_observations("t1") == [KpiObservation("a", "U", "2026", 0.0)]
    assert await org.get_kpi_observations("t2") == []


async def test_a_repeated_roster_import_changes_nothing(store: Store) -> None:
    org = _outcomes(store).org
    roster = [RosterEntry("a", "A", "Sales"), RosterEntry("b", "B", "Ops")]
    for _ in range(2):
        await org.put_roster("t1", roster, replace=True, effective=RosterImport(JAN))
    later = RosterImport(FEB, explicit=True)
    for _ in range(2):
        await org.put_roster("t1", roster[:1], replace=True, effective=later)
    assert [e.learner for e in await org.get_roster("t1", None, 10)] == ["a"]
    assert [(e.valid_from_ms, e.valid_to_ms) for e in await org.roster_history("t1", "b")] == [
        (BEGINNING_MS, FEB)
    ]
    assert [(e.valid_from_ms, e.valid_to_ms) for e in await org.roster_history("t1", "a")] == [
        (BEGINNING_MS, None)
    ]
