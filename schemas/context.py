"""Statement context: contextActivities, 2.0 context agents/groups (V-22, V-34..V-40)."""

# ruff: noqa: N815

from typing import Annotated, Any, Literal

from pydantic import MISSING, Discriminator, Field, Tag

from schemas.activity import Activity, StatementRef
from schemas.agents import Actor, AgentOnly, GroupOnly, model_tag
from schemas.datatypes import IRI, UUID, Extensions, LanguageTag, V2Only, XapiModel, reject


def _one_or_many_tag(value: Any) -> str:
    """V-36: one Activity object or an array of them."""
    if isinstance(value, list):
        return "<list>"
    return "<Activity>" if isinstance(value, dict) else model_tag(value)


ActivityOrList = Annotated[
    Annotated[Activity, Tag("<Activity>")]
    | Annotated[list[Activity], Tag("<list>")]
    | Annotated[
        Activity, reject("must be an Activity object or an array of them"), Tag("<!object>")
    ],
    Discriminator(_one_or_many_tag),
]
"""V-36: one Activity or an array of Activities (stored as an array, V-37)."""


class ContextActivities(XapiModel):
    """V-36: only the four known keys."""

    parent: ActivityOrList | MISSING = MISSING
    grouping: ActivityOrList | MISSING = MISSING
    category: ActivityOrList | MISSING = MISSING
    other: ActivityOrList | MISSING = MISSING


RelevantTypes = Annotated[list[IRI], Field(min_length=1)]


class ContextAgent(XapiModel):
    """V-40 (2.0)."""

    objectType: Literal["contextAgent"]
    agent: AgentOnly
    relevantTypes: RelevantTypes | MISSING = MISSING


class ContextGroup(XapiModel):
    """V-40 (2.0): the group may be identified or anonymous."""

    objectType: Literal["contextGroup"]
    group: GroupOnly
    relevantTypes: RelevantTypes | MISSING = MISSING


class Context(XapiModel):
    """V-34; revision/platform vs object type (V-35) is checked by the owning statement."""

    registration: UUID | MISSING = MISSING
    instructor: Actor | MISSING = MISSING
    team: GroupOnly | MISSING = MISSING
    contextActivities: ContextActivities | MISSING = MISSING
    revision: str | MISSING = MISSING
    platform: str | MISSING = MISSING
    language: LanguageTag | MISSING = MISSING
    statement: StatementRef | MISSING = MISSING
    extensions: Extensions | MISSING = MISSING
    contextAgents: Annotated[list[ContextAgent], V2Only] | MISSING = MISSING
    contextGroups: Annotated[list[ContextGroup], V2Only] | MISSING = MISSING
