"""Agents, Groups, Accounts and the objectType-discriminated actor unions (V-18..V-22, V-42)."""

# ruff: noqa: N815  (field names are the xAPI wire names)

from typing import Annotated, Any, Literal

from pydantic import MISSING, BaseModel, Discriminator, Field, Tag

from schemas.datatypes import IRI, IRL, Mbox, MboxSha1sum, XapiModel, reject

IFI_MESSAGE = "an Agent must have exactly one of mbox, mbox_sha1sum, openid, account"
GROUP_IFI_MESSAGE = "a Group must not have more than one of mbox, mbox_sha1sum, openid, account"
NOT_OBJECT_MESSAGE = "must be a JSON object"
GROUP_ONLY_MESSAGE = "must be a Group (objectType 'Group')"


class Account(XapiModel):
    """V-19: both properties required."""

    homePage: IRL
    name: str


class _Identified(XapiModel):
    """Name plus the inverse functional identifiers (V-18)."""

    name: str | MISSING = MISSING
    mbox: Mbox | MISSING = MISSING
    mbox_sha1sum: MboxSha1sum | MISSING = MISSING
    openid: IRI | MISSING = MISSING
    account: Account | MISSING = MISSING


class Agent(_Identified):
    """V-18: exactly one IFI (enforced by the discriminators below), no `member`."""

    objectType: Literal["Agent"] | MISSING = MISSING


def model_tag(value: Any) -> str:
    """Tag of an already-built model (serialization) or the error tag for non-objects."""
    return f"<{type(value).__name__}>" if isinstance(value, BaseModel) else "<!object>"


def ifi_count(value: dict[str, Any]) -> int:
    """Number of IFI properties present in a raw actor object (V-18, V-20)."""
    return (
        ("mbox" in value) + ("mbox_sha1sum" in value) + ("openid" in value) + ("account" in value)
    )


def agent_tag(value: dict[str, Any]) -> str:
    """V-18: an Agent with exactly one IFI, otherwise the IFI error."""
    return "<Agent>" if ifi_count(value) == 1 else "<!ifi>"


def group_tag(value: dict[str, Any]) -> str:
    """V-20: anonymous (no IFI) or identified (one IFI) Group."""
    count = ifi_count(value)
    if count == 0:
        return "<AnonymousGroup>"
    return "<IdentifiedGroup>" if count == 1 else "<!group-ifi>"


def _agent_only_tag(value: Any) -> str:
    """V-20/V-40: Group members and context agents must be Agents."""
    if not isinstance(value, dict):
        return model_tag(value)
    return agent_tag(value) if value.get("objectType", "Agent") == "Agent" else "<!agent-only>"


AgentOnly = Annotated[
    Annotated[Agent, Tag("<Agent>")]
    | Annotated[Agent, reject(IFI_MESSAGE), Tag("<!ifi>")]
    | Annotated[Agent, reject("must be an Agent (objectType 'Agent')"), Tag("<!agent-only>")]
    | Annotated[Agent, reject(NOT_OBJECT_MESSAGE), Tag("<!object>")],
    Discriminator(_agent_only_tag),
]


class IdentifiedGroup(_Identified):
    """V-20: a Group with exactly one IFI; `member` optional."""

    objectType: Literal["Group"]
    member: list[AgentOnly] | MISSING = MISSING


class AnonymousGroup(XapiModel):
    """V-20: a Group without IFI; `member` required."""

    objectType: Literal["Group"]
    name: str | MISSING = MISSING
    member: list[AgentOnly]


class AuthorityGroup(XapiModel):
    """V-42: an anonymous Group of exactly two Agents (OAuth consumer + user)."""

    objectType: Literal["Group"]
    name: str | MISSING = MISSING
    member: Annotated[list[AgentOnly], Field(min_length=2, max_length=2)]


def _actor_tag(value: Any) -> str:
    """V-21: absent objectType means Agent."""
    if not isinstance(value, dict):
        return model_tag(value)
    object_type = value.get("objectType", "Agent")
    if object_type == "Agent":
        return agent_tag(value)
    return group_tag(value) if object_type == "Group" else "<!actor-type>"


def _group_only_tag(value: Any) -> str:
    """V-22/V-40: team and contextGroup.group must be Groups."""
    if not isinstance(value, dict):
        return model_tag(value)
    return group_tag(value) if value.get("objectType") == "Group" else "<!group-only>"


def _authority_tag(value: Any) -> str:
    """V-42: an Agent or an anonymous Group (member count checked by the model)."""
    if not isinstance(value, dict):
        return model_tag(value)
    object_type = value.get("objectType", "Agent")
    if object_type == "Agent":
        return agent_tag(value)
    if object_type == "Group":
        return "<AuthorityGroup>" if ifi_count(value) == 0 else "<!authority-group>"
    return "<!actor-type>"


_GroupChoices = (
    Annotated[IdentifiedGroup, Tag("<IdentifiedGroup>")]
    | Annotated[AnonymousGroup, Tag("<AnonymousGroup>")]
    | Annotated[IdentifiedGroup, reject(GROUP_IFI_MESSAGE), Tag("<!group-ifi>")]
)
_ActorErrors = (
    Annotated[Agent, reject(IFI_MESSAGE), Tag("<!ifi>")]
    | Annotated[Agent, reject("objectType must be 'Agent' or 'Group'"), Tag("<!actor-type>")]
    | Annotated[Agent, reject(NOT_OBJECT_MESSAGE), Tag("<!object>")]
)

Actor = Annotated[
    Annotated[Agent, Tag("<Agent>")] | _GroupChoices | _ActorErrors,
    Discriminator(_actor_tag),
]
"""V-21/V-22: statement actor and context.instructor (Agent or Group)."""

GroupOnly = Annotated[
    _GroupChoices
    | Annotated[IdentifiedGroup, reject(GROUP_ONLY_MESSAGE), Tag("<!group-only>")]
    | Annotated[IdentifiedGroup, reject(NOT_OBJECT_MESSAGE), Tag("<!object>")],
    Discriminator(_group_only_tag),
]
"""V-22/V-40: context.team and contextGroup.group."""

Authority = Annotated[
    Annotated[Agent, Tag("<Agent>")]
    | Annotated[AuthorityGroup, Tag("<AuthorityGroup>")]
    | Annotated[
        AuthorityGroup,
        reject("an authority Group must be anonymous (no IFI) with exactly two Agent members"),
        Tag("<!authority-group>"),
    ]
    | _ActorErrors,
    Discriminator(_authority_tag),
]
"""V-42: an Agent or an anonymous two-member Group."""
