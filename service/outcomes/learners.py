"""Learner ids: one string per agent, shared by attainments, the roster and exports."""

from __future__ import annotations

from typing import Any

from service.xapi.agents import agent_key


def learner_id(agent: dict[str, Any]) -> str | None:
    """`mailto:ann@example.org`, `mbox_sha1sum:HEX`, `openid:URL` or `account:HOME|NAME`."""
    key = agent_key(agent)
    return None if key is None else learner_of_key(key)


def credited_learners(actor: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Who a statement's actor credits, with the agent object: an agent, or a group and members."""
    out: list[tuple[str, dict[str, Any]]] = []
    for agent in (actor, *actor.get("member", ())):
        learner = learner_id(agent)
        if learner is not None:
            out.append((learner, agent))
    return out


def parse_learner(text: str) -> str | None:
    """A learner id from a roster cell: an email, a mailto: IRI or any learner id form."""
    value = text.strip()
    if value.startswith(("mbox_sha1sum:", "openid:")):
        kind, _, rest = value.partition(":")
        return learner_id({kind: rest}) if rest else None
    if value.startswith("account:"):
        home, sep, name = value[len("account:") :].partition("|")
        return learner_id({"account": {"homePage": home, "name": name}}) if sep else None
    if value.startswith("mailto:"):
        value = value[len("mailto:") :]
    local, at, domain = value.rpartition("@")
    if not at or not local or "." not in domain or " " in value:
        return None
    return learner_id({"mbox": f"mailto:{value}"})


def learner_of_key(key: str) -> str:
    """The learner id of an agent key (`service.xapi.agents.agent_key`)."""
    return key[len("mbox:") :] if key.startswith("mbox:") else key


def agent_for(learner: str) -> dict[str, Any]:
    """The xAPI Agent a learner id stands for (the inverse of `learner_id`)."""
    kind, sep, rest = learner.partition(":")
    if kind == "mailto" or not sep:
        return {"objectType": "Agent", "mbox": learner}
    if kind == "account":
        home, _, name = rest.partition("|")
        return {"objectType": "Agent", "account": {"homePage": home, "name": name}}
    return {"objectType": "Agent", kind: rest}
