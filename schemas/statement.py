"""The xAPI Statement and SubStatement wire models (V-8, V-23..V-25, V-31..V-33, V-35, V-41..V-45).

Validate raw (orjson-parsed) data with `STATEMENT_LIST.validate_python(items, context={'version':
request_version})`; the request version drives SR-15, V-12 and V-40. `STATEMENT_DICT_LIST` makes the
same checks without building models (the ingest path keeps the request's own dicts).
"""

# ruff: noqa: N815

from typing import Annotated, Any, Literal, Self

from pydantic import MISSING, Discriminator, FailFast, Field, Tag, TypeAdapter, model_validator
from pydantic_core import PydanticCustomError, SchemaValidator

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
from schemas.dict_schema import as_dict_schema

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
        _check_score(self.min, self.max, self.raw)
        return self


def _check_score(low: float | MISSING, high: float | MISSING, raw: float | MISSING) -> None:
    """V-33: min < max; min <= raw <= max."""
    if low is not MISSING and high is not MISSING and low >= high:
        raise PydanticCustomError("xapi", "min must be less than max")
    if raw is not MISSING and (
        (low is not MISSING and raw < low) or (high is not MISSING and raw > high)
    ):
        raise PydanticCustomError("xapi", "raw must lie between min and max")


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


def _check_context(object_is_activity: bool, context: dict[str, Any] | Context | MISSING) -> None:
    """V-35: revision and platform only with an Activity object."""
    if object_is_activity or context is MISSING:
        return
    if isinstance(context, dict):
        revision_or_platform = "revision" in context or "platform" in context
    else:
        revision_or_platform = context.revision is not MISSING or context.platform is not MISSING
    if revision_or_platform:
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
        _check_context(isinstance(self.object, Activity), self.context)
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
        _check_context(isinstance(self.object, Activity), self.context)
        _check_voiding(self.verb.id, isinstance(self.object, StatementRef))
        return self


def _check_voiding(verb_id: str, object_is_ref: bool) -> None:
    """V-45: a voiding statement's object is a StatementRef."""
    if verb_id == VOIDED_VERB and not object_is_ref:
        raise PydanticCustomError("xapi", "a voiding statement's object must be a StatementRef")


def _object_type(statement: dict[str, Any]) -> str:
    """The objectType of a validated statement's object (absent means Activity, V-24)."""
    object_type: str = statement["object"].get("objectType", "Activity")
    return object_type


def _score_dict(score: dict[str, Any]) -> dict[str, Any]:
    _check_score(score.get("min", MISSING), score.get("max", MISSING), score.get("raw", MISSING))
    return score


def _substatement_dict(sub: dict[str, Any]) -> dict[str, Any]:
    _check_context(_object_type(sub) == "Activity", sub.get("context", MISSING))
    return sub


def _statement_dict(statement: dict[str, Any]) -> dict[str, Any]:
    object_type = _object_type(statement)
    _check_context(object_type == "Activity", statement.get("context", MISSING))
    _check_voiding(statement["verb"]["id"], object_type == "StatementRef")
    return statement


STATEMENT_LIST: TypeAdapter[list[Statement]] = TypeAdapter(Annotated[list[Statement], FailFast()])
"""Validator for a batch; stops at the first invalid statement (V-46)."""

STATEMENT_DICT_LIST = SchemaValidator(
    as_dict_schema(
        STATEMENT_LIST.core_schema,
        {Score: _score_dict, SubStatement: _substatement_dict, Statement: _statement_dict},
    )
)
"""The same checks and errors as `STATEMENT_LIST` without building a model per JSON object
(see `schemas.dict_schema`); `validate_python` returns plain dicts."""
