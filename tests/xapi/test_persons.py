"""Unit tests of service.xapi.persons: agents seen in statements and the Person object."""

from __future__ import annotations

from typing import Any

from service.xapi.persons import ifi_of, person_object, seen_agents

ALICE = {"objectType": "Agent", "name": "Alice", "mbox": "mailto:alice@example.com"}
BOB = {
    "objectType": "Agent",
    "name": "Bob",
    "account": {"homePage": "http://example.com", "name": "bob"},
}
CAROL = {"objectType": "Agent", "openid": "http://carol.example.com/"}
TEAM = {"objectType": "Group", "name": "Team", "mbox_sha1sum": "a" * 40, "member": [CAROL]}
AUTHORITY = {"objectType": "Agent", "mbox": "mailto:authority@example.com"}


def statement(**extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "actor": ALICE,
        "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
        "object": {"id": "http://example.com/a"},
        "authority": AUTHORITY,
    }
    base.update(extra)
    return base


def test_seen_agents_covers_actor_object_context_but_not_authority() -> None:
    """RS-6: actor, agent object, instructor, team with members, context agents/groups."""
    dave = {"mbox": "mailto:dave@example.com"}
    s = statement(
        object=BOB,
        context={
            "instructor": dave,
            "team": TEAM,
            "contextAgents": [{"objectType": "contextAgent", "agent": {"mbox": "mailto:e@x.org"}}],
            "contextGroups": [
                {"objectType": "contextGroup", "group": {"objectType": "Group", "member": [ALICE]}}
            ],
        },
    )
    found = seen_agents(s)
    assert AUTHORITY not in found
    assert found == [ALICE, BOB, dave, TEAM, CAROL, {"mbox": "mailto:e@x.org"}]


def test_seen_agents_inside_substatement_and_anonymous_groups() -> None:
    anonymous = {"objectType": "Group", "member": [BOB]}
    sub = {"objectType": "SubStatement", "actor": anonymous, "verb": {"id": "v"}, "object": CAROL}
    assert seen_agents(statement(object=sub)) == [ALICE, BOB, CAROL]


def test_ifi_of_keeps_only_the_identifier() -> None:
    assert ifi_of(ALICE) == {"mbox": "mailto:alice@example.com"}
    assert ifi_of(BOB) == {"account": BOB["account"]}


def test_person_object_rs6() -> None:
    """RS-6: arrays only, empty properties omitted, request name first, no duplicates."""
    person = person_object(ALICE, ["Alice", "Alice Smith"])
    assert person == {
        "objectType": "Person",
        "name": ["Alice", "Alice Smith"],
        "mbox": ["mailto:alice@example.com"],
    }
    assert person_object(CAROL, []) == {"objectType": "Person", "openid": [CAROL["openid"]]}
