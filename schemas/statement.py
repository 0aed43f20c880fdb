"""The xAPI Statement and SubStatement wire models (V-8, V-23..V-25, V-31..V-33, V-35, V-41..V-45).

Validate raw (orjson-parsed) data with `STATEMENT_LIST.validate_python(items, context={'version':
request_version})`; the request version drives SR-15, V-12 and V-40.
"""

# ruff: noqa: N815

from typing import Annotated, Any, Literal, Self

from pydantic import MISSING, Discriminator, FailFast, Field, Tag, TypeAdapter, model_validator
from pydantic_core import PydanticCustomError

from schemas.activity import Activity, StatementRef
from schemas.agents import (
    GROUP_IFI_MESSAGE,
    IFI_MESSAGE,
    NOT_OBJECT_MESSAGE,
    Actor,
    Agent,
    AnonymousGroup,
    Authority,
    IdentifiedGroup,
    agent_tag,
    group_tag,
    model_tag,
)
from schemas.context import Context
from schemas.datatypes import (
    IRI,
    IRL,
    UUID,
    Duration,
    Extensions,
    LanguageMap,
    MediaType,
    NonNegativeInt,
    Sha2,
    StatementVersion,
    Timestamp,
    XapiModel,
    reject,
)

VOIDED_VERB = "http://adlnet.gov/expapi/verbs/voided"
OBJECT_TYPE_MESSAGE = "objectType must be Activity, Agent, Group, SubStatement or StatementRef"


class Verb(XapiModel):
    """V-23."""

    id: IRI
    display: LanguageMap | MISSING = MISSING


class Score(XapiModel):
    """V-33: scaled in [-1, 1]; min < max; min <= raw <= max."""

    scaled: Annotated[float, Field(ge=-1, le=1)] | MISSING = MISSING
    raw: float | MISSING = MISSING
    min: float | MISSING = MISSING
    max: float | MISSING = MISSING

    @model_validator(mode="after")
    def _check_range(self) -> Self:
        low, high, raw = self.min, self.max, self.raw
        if low is not MISSING and high is not MISSING and low >= high:
            raise PydanticCustomError("xapi", "min must be less than max")
        if raw is not MISSING and (
            (low is not MISSING and raw < low) or (high is not MISSING and raw > high)
        ):
            raise PydanticCustomError("xapi", "raw must lie between min and max")
        return self


class Result(XapiModel):
    """V-32."""

    score: Score | MISSING = MISSING
    success: bool | MISSING = MISSING
    completion: bool | MISSING = MISSING
    response: str | MISSING = MISSING
    duration: Duration | MISSING = MISSING
    extensions: Extensions | MISSING = MISSING


class Attachment(XapiModel):
    """V-44."""

    usageType: IRI
    display: LanguageMap
    description: LanguageMap | MISSING = MISSING
    contentType: MediaType
    length: NonNegativeInt
    sha2: Sha2
    fileUrl: IRL | MISSING = MISSING


def _object_tag(value: Any, substatement_tag: str = "<SubStatement>") -> str:
    """V-24/V-25: union tag of a statement object (absent objectType = Activity)."""
    if not isinstance(value, dict):
        return model_tag(value)
    object_type = value.get("objectType", "Activity")
    if object_type == "Activity":
        return "<Activity>"
    if object_type == "Agent":
        return agent_tag(value)
    if object_type == "Group":
        return group_tag(value)
    if object_type == "StatementRef":
        return "<StatementRef>"
    return substatement_tag if object_type == "SubStatement" else "<!object-type>"


def _substatement_object_tag(value: Any) -> str:
    """V-31: like a statement object, but a nested SubStatement is an error."""
    return _object_tag(value, "<!nested>")


def _check_context(obj: object, context: Context | MISSING) -> None:
    """V-35: revision and platform only with an Activity object."""
    if (
        context is not MISSING
        and not isinstance(obj, Activity)
        and (context.revision is not MISSING or context.platform is not MISSING)
    ):
        raise PydanticCustomError(
            "xapi", "context.revision and context.platform require an Activity object"
        )


_ObjectChoices = (
    Annotated[Activity, Tag("<Activity>")]
    | Annotated[Agent, Tag("<Agent>")]
    | Annotated[IdentifiedGroup, Tag("<IdentifiedGroup>")]
    | Annotated[AnonymousGroup, Tag("<AnonymousGroup>")]
    | Annotated[StatementRef, Tag("<StatementRef>")]
    | Annotated[Agent, reject(IFI_MESSAGE), Tag("<!ifi>")]
    | Annotated[IdentifiedGroup, reject(GROUP_IFI_MESSAGE), Tag("<!group-ifi>")]
    | Annotated[Activity, reject(OBJECT_TYPE_MESSAGE), Tag("<!object-type>")]
    | Annotated[Activity, reject(NOT_OBJECT_MESSAGE), Tag("<!object>")]
)

SubStatementObject = Annotated[
    _ObjectChoices
    | Annotated[
        StatementRef, reject("a SubStatement must not contain a SubStatement"), Tag("<!nested>")
    ],
    Discriminator(_substatement_object_tag),
]
"""V-31: any statement object except another SubStatement."""


class SubStatement(XapiModel):
    """V-31: no id, stored, version or authority; object is not a SubStatement."""

    objectType: Literal["SubStatement"]
    actor: Actor
    verb: Verb
    object: SubStatementObject
    result: Result | MISSING = MISSING
    context: Context | MISSING = MISSING
    timestamp: Timestamp | MISSING = MISSING
    attachments: list[Attachment] | MISSING = MISSING

    @model_validator(mode="after")
    def _check_cross_fields(self) -> Self:
        _check_context(self.object, self.context)
        return self


StatementObject = Annotated[
    _ObjectChoices | Annotated[SubStatement, Tag("<SubStatement>")],
    Discriminator(_object_tag),
]
"""V-24/V-25: objectType absent means Activity."""


class Statement(XapiModel):
    """V-8 and Appendix A; V-35 and V-45 are cross-field checks."""

    id: UUID | MISSING = MISSING
    actor: Actor
    verb: Verb
    object: StatementObject
    result: Result | MISSING = MISSING
    context: Context | MISSING = MISSING
    timestamp: Timestamp | MISSING = MISSING
    stored: Timestamp | MISSING = MISSING
    authority: Authority | MISSING = MISSING
    version: StatementVersion | MISSING = MISSING
    attachments: list[Attachment] | MISSING = MISSING

    @model_validator(mode="after")
    def _check_cross_fields(self) -> Self:
        _check_context(self.object, self.context)
        if self.verb.id == VOIDED_VERB and not isinstance(self.object, StatementRef):
            raise PydanticCustomError("xapi", "a voiding statement's object must be a StatementRef")
        return self


STATEMENT_LIST: TypeAdapter[list[Statement]] = TypeAdapter(Annotated[list[Statement], FailFast()])
"""Validator for a batch; stops at the first invalid statement (V-46)."""
