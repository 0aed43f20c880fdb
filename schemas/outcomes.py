"""The outcome map: a tenant's declarative mapping from statements to outcomes, levels and KPIs.

One document per tenant, versioned by the service. Validate raw (JSON- or YAML-parsed) data with
`OutcomeMap.model_validate(data)`; `map_problems(data)` lists the cross-reference problems that a
field-by-field validation cannot see (duplicate ids, unknown KPI links, level ordering), so a
client hears of every error at once. `schemas/outcome-map.schema.json` is generated from here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    JsonValue,
    Tag,
    model_validator,
)
from pydantic_core import PydanticCustomError

from schemas import formats
from schemas.datatypes import IRI, Duration, Timestamp

Slug = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$",
        description="letters, digits, '.', '_' or '-', at most 80, starting with a letter or digit",
    ),
]
ActivityPattern = Annotated[
    IRI,
    Field(description="an activity IRI; a trailing '*' makes it a prefix (any id starting so)"),
]
Text = Annotated[str, Field(min_length=1, max_length=2000)]


class OutcomeModel(BaseModel):
    """Base of the outcome-map models: strict types, unknown properties rejected."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)


class ResultCondition(OutcomeModel):
    """Conditions on the statement's `result`; every one given must hold."""

    success: bool | None = None
    completion: bool | None = None
    min_scaled: Annotated[float, Field(ge=-1, le=1)] | None = Field(
        default=None, description="result.score.scaled >= this"
    )
    max_duration: Duration | None = Field(
        default=None, description="result.duration <= this ISO 8601 duration (1 Y = 365 D)"
    )


class Window(OutcomeModel):
    """When the counted statements happened (by their `timestamp`)."""

    start: Timestamp | None = Field(default=None, description="at or after this instant")
    end: Timestamp | None = Field(default=None, description="before this instant")
    within: Duration | None = Field(
        default=None,
        description="the counted statements all fall within a span this long (e.g. P30D)",
    )

    @model_validator(mode="after")
    def _check_order(self) -> Self:
        start, end = self.start, self.end
        if start is not None and end is not None and _instant(start) >= _instant(end):
            raise PydanticCustomError("outcomes", "start must be before end")
        return self


class Criterion(OutcomeModel):
    """A statement filter (every property given must hold) and how many matches it needs."""

    id: Slug | None = Field(default=None, description="names the criterion in levels and evidence")
    verbs: list[IRI] = Field(default_factory=list, description="verb id is one of these")
    activities: list[ActivityPattern] = Field(
        default_factory=list, description="the object is an activity with one of these ids"
    )
    activity_types: list[IRI] = Field(
        default_factory=list, description="the object activity's definition.type is one of these"
    )
    parents: list[ActivityPattern] = Field(
        default_factory=list, description="a contextActivities.parent activity matches one"
    )
    groupings: list[ActivityPattern] = Field(
        default_factory=list, description="a contextActivities.grouping activity matches one"
    )
    result: ResultCondition | None = None
    extensions: dict[IRI, JsonValue] = Field(
        default_factory=dict,
        description="each key has this value in result, context or object definition extensions",
    )
    at_least: Annotated[int, Field(ge=1, le=100_000)] = Field(
        default=1, description="matching statements needed"
    )
    distinct_activities: bool = Field(
        default=False, description="count distinct object activities rather than statements"
    )
    window: Window | None = None


def _item_tag(value: Any) -> str:
    """A criteria item is a nested group when it has `all` or `any`, else a criterion."""
    if isinstance(value, dict) and ("all" in value or "any" in value):
        return "<group>"
    if isinstance(value, CriteriaGroup):
        return "<group>"
    return "<criterion>"


CriteriaItem = Annotated[
    Annotated[Criterion, Tag("<criterion>")] | Annotated["CriteriaGroup", Tag("<group>")],
    Discriminator(_item_tag),
]


class CriteriaGroup(OutcomeModel):
    """Exactly one of `all` (every item holds) or `any` (at least one holds)."""

    all: Annotated[list[CriteriaItem], Field(min_length=1)] | None = None
    any: Annotated[list[CriteriaItem], Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _check_one_key(self) -> Self:
        if (self.all is None) == (self.any is None):
            raise PydanticCustomError("outcomes", "give exactly one of 'all' or 'any'")
        return self

    def items(self) -> list[Criterion | CriteriaGroup]:
        """The group's items, whichever key holds them."""
        return list(self.all or self.any or [])


class Level(OutcomeModel):
    """A competency level reached when the level criterion counts `at_least` matches."""

    level: Annotated[int, Field(ge=1, le=100)]
    name: Text
    at_least: Annotated[int, Field(ge=1, le=100_000)]


class Outcome(OutcomeModel):
    """One outcome or competency, attained per learner when its criteria hold."""

    id: Slug
    name: Text
    description: Text | None = None
    owner: Text | None = None
    kpis: list[Slug] = Field(default_factory=list, description="ids of the map's KPIs it drives")
    criteria: CriteriaItem = Field(
        description="one criterion, or a group of them under `all` or `any`"
    )
    levels: list[Level] = Field(default_factory=list, description="ascending levels")
    level_criterion: Slug | None = Field(
        default=None, description="the criterion whose count sets the level (default: the first)"
    )

    @property
    def group(self) -> CriteriaGroup:
        """The criteria as a group: a lone criterion is `all` of one."""
        if isinstance(self.criteria, CriteriaGroup):
            return self.criteria
        return CriteriaGroup(all=[self.criteria])


class Kpi(OutcomeModel):
    """A business KPI whose observations are imported per org unit and period."""

    id: Slug
    name: Text
    unit: Annotated[str, Field(max_length=40)] | None = None
    higher_is_better: bool = True


class EmitSettings(OutcomeModel):
    """Emit an xAPI statement into the LRS for every attainment (authority: the LRS itself)."""

    enabled: bool = False
    verb: IRI = "http://adlnet.gov/expapi/verbs/mastered"


class OutcomeMap(OutcomeModel):
    """A tenant's outcome map; the service numbers its versions."""

    name: Text
    description: Text | None = None
    kpis: list[Kpi] = Field(default_factory=list)
    outcomes: Annotated[list[Outcome], Field(min_length=1, max_length=1000)]
    emit: EmitSettings = Field(default_factory=EmitSettings)

    def outcome(self, outcome_id: str) -> Outcome | None:
        """The outcome with this id, if any."""
        return next((o for o in self.outcomes if o.id == outcome_id), None)


def _instant(value: str) -> datetime:
    return formats.parse_timestamp(value, "2.0.0")


Problem = tuple[tuple[int | str, ...], str]


def map_problems(data: Any) -> list[Problem]:
    """Cross-reference problems of a raw map as (location, message); tolerant of bad shapes."""
    if not isinstance(data, dict):
        return []
    problems: list[Problem] = []
    kpis = _dicts(data.get("kpis"))
    kpi_ids = _unique_ids(kpis, ("kpis",), "KPI", problems)
    outcomes = _dicts(data.get("outcomes"))
    _unique_ids(outcomes, ("outcomes",), "outcome", problems)
    for index, outcome in outcomes:
        _outcome_problems(outcome, ("outcomes", index), kpi_ids, problems)
    return problems


def _dicts(value: Any) -> list[tuple[int, dict[str, Any]]]:
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _unique_ids(
    items: list[tuple[int, dict[str, Any]]],
    loc: tuple[int | str, ...],
    what: str,
    problems: list[Problem],
) -> set[str]:
    seen: dict[str, int] = {}
    for index, item in items:
        item_id = item.get("id")
        if not isinstance(item_id, str):
            continue
        if item_id in seen:
            problems.append(
                (
                    (*loc, index, "id"),
                    f"duplicate {what} id {item_id!r} (also {what} {seen[item_id]})",
                )
            )
        else:
            seen[item_id] = index
    return set(seen)


def _outcome_problems(
    outcome: dict[str, Any], loc: tuple[int | str, ...], kpi_ids: set[str], problems: list[Problem]
) -> None:
    links = outcome.get("kpis")
    for index, link in enumerate(links if isinstance(links, list) else []):
        if isinstance(link, str) and link not in kpi_ids:
            problems.append(((*loc, "kpis", index), f"no KPI with id {link!r} in this map's kpis"))
    raw = outcome.get("criteria")
    criteria = _criteria(raw, (*loc, "criteria"))
    if isinstance(raw, dict) and "all" not in raw and "any" not in raw:  # a lone criterion
        criteria = [((*loc, "criteria"), raw)]
    named = {c.get("id"): path for path, c in criteria if isinstance(c.get("id"), str)}
    seen_ids: dict[str, tuple[int | str, ...]] = {}
    for path, criterion in criteria:
        criterion_id = criterion.get("id")
        if isinstance(criterion_id, str):
            if criterion_id in seen_ids:
                problems.append(((*path, "id"), f"duplicate criterion id {criterion_id!r}"))
            seen_ids.setdefault(criterion_id, path)
    _level_problems(outcome, loc, named, problems)


def _criteria(
    group: Any, loc: tuple[int | str, ...]
) -> list[tuple[tuple[int | str, ...], dict[str, Any]]]:
    """Every criterion (not group) under a raw criteria group, with its location, in order."""
    found: list[tuple[tuple[int | str, ...], dict[str, Any]]] = []
    if not isinstance(group, dict):
        return found
    for key in ("all", "any"):
        for index, item in _dicts(group.get(key)):
            if "all" in item or "any" in item:
                found.extend(_criteria(item, (*loc, key, index)))
            else:
                found.append(((*loc, key, index), item))
    return found


def _level_problems(
    outcome: dict[str, Any],
    loc: tuple[int | str, ...],
    named: dict[Any, tuple[int | str, ...]],
    problems: list[Problem],
) -> None:
    level_criterion = outcome.get("level_criterion")
    if isinstance(level_criterion, str) and level_criterion not in named:
        problems.append(
            ((*loc, "level_criterion"), f"no criterion with id {level_criterion!r} in this outcome")
        )
    if level_criterion is not None and not outcome.get("levels"):
        problems.append(((*loc, "level_criterion"), "given without levels"))
    previous: tuple[int, int] | None = None
    for index, level in _dicts(outcome.get("levels")):
        number, at_least = level.get("level"), level.get("at_least")
        if not isinstance(number, int) or not isinstance(at_least, int):
            continue
        if previous is not None and (number <= previous[0] or at_least <= previous[1]):
            problems.append(
                (
                    (*loc, "levels", index),
                    "levels must ascend: each level and at_least above the previous one",
                )
            )
        previous = (number, at_least)
