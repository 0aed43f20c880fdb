"""Activities, Activity Definitions, interaction components and StatementRefs (V-26..V-30)."""

# ruff: noqa: N815

from typing import Annotated, Any, Literal

from pydantic import MISSING, AfterValidator, ValidationInfo
from pydantic_core import PydanticCustomError

from schemas.datatypes import IRI, IRL, UUID, Extensions, LanguageMap, XapiModel

InteractionType = Literal[
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
    "other",
]


class InteractionComponent(XapiModel):
    """V-29: `id` required."""

    id: str
    description: LanguageMap | MISSING = MISSING


def _require_interaction_type(value: list[Any], info: ValidationInfo) -> list[Any]:
    """V-28: interaction properties need an interactionType (declared before them)."""
    if info.data.get("interactionType", MISSING) is MISSING:
        raise PydanticCustomError("xapi", "only allowed together with interactionType")
    return value


def _unique_component_ids(
    value: list[InteractionComponent] | list[dict[str, Any]],
) -> list[InteractionComponent] | list[dict[str, Any]]:
    """V-29: component ids are unique within one list (models, or dicts: `STATEMENT_DICT_LIST`)."""
    ids = {c["id"] if isinstance(c, dict) else c.id for c in value}
    if len(ids) != len(value):
        raise PydanticCustomError("xapi", "interaction component ids must be unique")
    return value


ComponentList = Annotated[
    list[InteractionComponent],
    AfterValidator(_unique_component_ids),
    AfterValidator(_require_interaction_type),
]


class ActivityDefinition(XapiModel):
    """V-26..V-29 (the interactionType field precedes the fields that depend on it)."""

    name: LanguageMap | MISSING = MISSING
    description: LanguageMap | MISSING = MISSING
    type: IRI | MISSING = MISSING
    moreInfo: IRL | MISSING = MISSING
    extensions: Extensions | MISSING = MISSING
    interactionType: InteractionType | MISSING = MISSING
    correctResponsesPattern: (
        Annotated[list[str], AfterValidator(_require_interaction_type)] | MISSING
    ) = MISSING
    choices: ComponentList | MISSING = MISSING
    scale: ComponentList | MISSING = MISSING
    source: ComponentList | MISSING = MISSING
    target: ComponentList | MISSING = MISSING
    steps: ComponentList | MISSING = MISSING


class Activity(XapiModel):
    """V-26: objectType optional, `id` required."""

    objectType: Literal["Activity"] | MISSING = MISSING
    id: IRI
    definition: ActivityDefinition | MISSING = MISSING


class StatementRef(XapiModel):
    """V-30/V-38: exactly objectType and id."""

    objectType: Literal["StatementRef"]
    id: UUID
