"""Unit tests for statement equivalence, one clause of SR-6 per test."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from service.xapi.equivalence import statements_equivalent

Edit = Callable[[dict[str, Any]], object]
ACTIVITY = "http://example.com/activity"
REG = "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d"


def _base() -> dict[str, Any]:
    return {
        "actor": {"mbox": "mailto:Someone@Example.com", "name": "Someone"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/attended", "display": {"en-US": "attended"}},
        "object": {"id": ACTIVITY, "definition": {"name": {"en-US": "A"}}},
        "result": {"success": True, "score": {"raw": 1}, "duration": "PT1H0M0.1S"},
        "context": {
            "registration": REG,
            "contextActivities": {"parent": [{"id": "http://example.com/parent"}]},
        },
        "timestamp": "2023-05-04T17:00:00.000Z",
    }


def _equivalent(edit_a: Edit, edit_b: Edit) -> bool:
    a, b = _base(), _base()
    edit_a(a)
    edit_b(b)
    return statements_equivalent(a, b) and statements_equivalent(b, a)


def _keep(statement: dict[str, Any]) -> None:
    return None


def _sub(statement: dict[str, Any]) -> None:
    statement["object"] = {"objectType": "SubStatement", **copy.deepcopy(_base())}


def _in_sub(edit: Edit) -> Edit:
    def apply(statement: dict[str, Any]) -> None:
        _sub(statement)
        edit(statement["object"])

    return apply


def test_sr6_identical_statements_equivalent() -> None:
    """SR-6: a statement is equivalent to itself."""
    assert _equivalent(_keep, _keep)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("id", "0f1e2d3c-4b5a-4968-8776-655443322110"),
        ("stored", "2024-01-01T00:00:00.000Z"),
        ("authority", {"mbox": "mailto:lrs@example.com"}),
        ("version", "1.0.3"),
        ("attachments", [{"sha2": "ab"}]),
    ],
)
def test_sr6_lrs_assigned_fields_ignored(key: str, value: Any) -> None:
    """SR-6: id, stored, authority, version and attachments do not count."""
    assert _equivalent(lambda s: s.__setitem__(key, value), _keep)


def test_sr6_timestamp_dropped_when_one_side_lacks_it() -> None:
    """SR-6: a timestamp present on only one side is ignored, also inside SubStatements."""
    assert _equivalent(lambda s: s.pop("timestamp"), _keep)
    assert _equivalent(_in_sub(lambda o: o.pop("timestamp")), _sub)


@pytest.mark.parametrize(
    ("other", "same"),
    [
        ("2023-05-04T12:00:00-05:00", True),
        ("2023-05-04T17:00:00+00:00", True),
        ("2023-05-04T17:00:00.000999Z", True),
        ("2023-05-04T17:00:00.001Z", False),
        ("2023-05-04T17:00:00-05:00", False),
        ("garbage", False),
    ],
)
def test_sr6_timestamps_compared_as_instants(other: str, same: bool) -> None:
    """SR-6: timestamps are compared as UTC instants (to the millisecond kept by SR-14)."""
    assert _equivalent(lambda s: s.__setitem__("timestamp", other), _keep) is same


def test_sr6_verb_display_ignored_but_verb_id_counts() -> None:
    """SR-6: verb display is ignored; the verb id must match."""
    assert _equivalent(lambda s: s["verb"].pop("display"), _keep)
    assert not _equivalent(lambda s: s["verb"].__setitem__("id", "http://example.com/v"), _keep)


def test_sr6_activity_definition_ignored_everywhere() -> None:
    """SR-6: activity definitions are ignored in object, contextActivities and SubStatements."""

    def strip(s: dict[str, Any]) -> None:
        s["object"].pop("definition")
        s["context"]["contextActivities"]["parent"][0]["definition"] = {"type": "http://x.y/z"}

    assert _equivalent(strip, _keep)
    assert _equivalent(_in_sub(strip), _sub)
    assert not _equivalent(lambda s: s["object"].__setitem__("id", "http://example.com/b"), _keep)


def test_sr6_object_type_defaults() -> None:
    """SR-6: absent objectType equals Agent for actors and Activity for objects."""
    assert _equivalent(lambda s: s["actor"].__setitem__("objectType", "Agent"), _keep)
    assert _equivalent(lambda s: s["object"].__setitem__("objectType", "Activity"), _keep)
    assert not _equivalent(lambda s: s["actor"].__setitem__("objectType", "Group"), _keep)


def test_sr6_context_activities_single_object_equals_array() -> None:
    """SR-6: a single contextActivities object equals a one-element array."""

    def single(s: dict[str, Any]) -> None:
        s["context"]["contextActivities"]["parent"] = {"id": "http://example.com/parent"}

    assert _equivalent(single, _keep)
    assert not _equivalent(
        lambda s: s["context"]["contextActivities"]["parent"].append({"id": ACTIVITY}), _keep
    )


def test_sr6_group_member_order_ignored() -> None:
    """SR-6: Group member order is ignored; membership itself counts."""
    one, two = {"mbox": "mailto:one@example.com"}, {"mbox": "mailto:two@example.com"}

    def group(*members: dict[str, Any]) -> Edit:
        return lambda s: s.__setitem__("actor", {"objectType": "Group", "member": list(members)})

    assert _equivalent(group(one, two), group(two, one))
    assert _equivalent(group(one, two), group({**two, "objectType": "Agent"}, one))
    assert not _equivalent(group(one, two), group(one))


@pytest.mark.parametrize(
    ("duration", "same"),
    [("PT1H0M0.1S", True), ("PT1H0M0.10S", True), ("PT1H0M0.1099S", True), ("PT1H0M0.11S", False),
     ("PT1H0M0S", False), ("PT1H0.0M0.1S", True), ("PT3600.1S", False), ("P", False)],
)  # fmt: skip
def test_sr6_duration_truncated_to_hundredths(duration: str, same: bool) -> None:
    """SR-6: durations are compared with seconds truncated to 0.01 s."""
    assert _equivalent(lambda s: s["result"].__setitem__("duration", duration), _keep) is same


def test_sr6_duration_suite_case() -> None:
    """SR-6/AT-16: P1DT12H36M0.12S is equivalent to P1DT12H36M0.1237S."""
    a = {**_base(), "result": {"duration": "P1DT12H36M0.12S"}}
    b = {**_base(), "result": {"duration": "P1DT12H36M0.1237S"}}
    assert statements_equivalent(a, b)


def test_sr6_mbox_domain_case_insensitive_local_part_exact() -> None:
    """SR-6: mbox domains compare case-insensitively, local parts exactly."""
    assert _equivalent(
        lambda s: s["actor"].__setitem__("mbox", "mailto:Someone@EXAMPLE.COM"), _keep
    )
    assert not _equivalent(
        lambda s: s["actor"].__setitem__("mbox", "mailto:someone@example.com"), _keep
    )


def test_sr6_uuids_case_insensitive() -> None:
    """SR-6: registration, StatementRef id and context.statement id ignore UUID case."""
    ref = {"objectType": "StatementRef", "id": REG}

    def upper(s: dict[str, Any]) -> None:
        s["context"]["registration"] = REG.upper()
        s["context"]["statement"] = {**ref, "id": REG.upper()}
        s["object"] = {**ref, "id": REG.upper()}

    def lower(s: dict[str, Any]) -> None:
        s["context"]["statement"] = dict(ref)
        s["object"] = dict(ref)

    assert _equivalent(upper, lower)
    assert not _equivalent(
        lambda s: s["context"].__setitem__("registration", REG[:-1] + "e"), _keep
    )


def test_sr6_substatement_compared_recursively() -> None:
    """SR-6: SubStatements are canonicalized recursively and differences still count."""
    assert _equivalent(_in_sub(lambda o: o["verb"].pop("display")), _sub)
    assert not _equivalent(_in_sub(lambda o: o["result"].__setitem__("success", False)), _sub)


def test_sr6_bool_never_equals_number() -> None:
    """SR-6: exact JSON equality, so true is not 1 and 1 is not "1"."""
    assert not _equivalent(lambda s: s["result"].__setitem__("success", 1), _keep)
    assert not _equivalent(lambda s: s["result"]["score"].__setitem__("raw", True), _keep)
    assert not _equivalent(lambda s: s["result"]["score"].__setitem__("raw", "1"), _keep)
    assert _equivalent(lambda s: s["result"]["score"].__setitem__("raw", 1.0), _keep)


def test_sr6_everything_else_exact() -> None:
    """SR-6: other properties (names, extensions, context agents) must match exactly."""
    assert not _equivalent(lambda s: s["actor"].__setitem__("name", "someone"), _keep)
    assert not _equivalent(
        lambda s: s["result"].__setitem__("extensions", {"http://e.x/a": None}), _keep
    )
    assert not _equivalent(lambda s: s["context"].__setitem__("language", "en"), _keep)
    assert not _equivalent(lambda s: s.pop("result"), _keep)


def test_sr6_context_agents_and_groups_canonicalized() -> None:
    """SR-6: 2.0 contextAgents/contextGroups agents use the same agent canonical form."""

    def agents(mbox: str, object_type: bool) -> Edit:
        agent = {"mbox": mbox, **({"objectType": "Agent"} if object_type else {})}
        entry = {"objectType": "contextAgent", "agent": agent}
        group = {"objectType": "contextGroup", "group": {"objectType": "Group", "member": [agent]}}
        return lambda s: s["context"].update(contextAgents=[entry], contextGroups=[group])

    assert _equivalent(agents("mailto:a@X.com", True), agents("mailto:a@x.com", False))
    assert not _equivalent(agents("mailto:a@x.com", True), agents("mailto:b@x.com", True))


def test_sr6_malformed_values_do_not_crash() -> None:
    """SR-6: non-object values (e.g. from a signed payload) compare exactly without errors."""
    junk = {
        "actor": "x",
        "verb": 1,
        "object": [],
        "context": {"contextActivities": 3},
        "result": {"duration": 5},
    }
    assert statements_equivalent(junk, copy.deepcopy(junk))
    assert not statements_equivalent(junk, _base())
