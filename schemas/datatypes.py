"""Strict pydantic building blocks for xAPI data types (V-2..V-17, V-39, SR-15).

Fast paths are pydantic-core (Rust) constraints; Python only runs for the rare inputs a Rust
regex cannot settle (duplicate language subtags, non-RFC 3339 timestamps, version families).
"""

from typing import Annotated, Any, NoReturn

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    GetCoreSchemaHandler,
    PlainValidator,
    StringConstraints,
    ValidationInfo,
)
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from schemas import formats


class XapiModel(BaseModel):
    """Base of every wire model: strict types, unknown properties rejected (V-3, V-4)."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)


class _CoreSchema:
    """Annotated marker supplying a hand-built core schema."""

    def __init__(self, schema: CoreSchema) -> None:
        self._schema = schema

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return self._schema


def anchored(source: str) -> str:
    """Anchor an unanchored formats pattern for pydantic-core."""
    return f"^(?:{source})$"


def reject(message: str) -> PlainValidator:
    """Validator that always fails with `message` (targets of error tags in unions)."""

    def fail(value: Any) -> NoReturn:
        raise PydanticCustomError("xapi", message)

    return PlainValidator(fail)


def request_version(info: ValidationInfo) -> str:
    """The xAPI version of the request, passed as validation context {'version': ...}."""
    context = info.context
    version = context.get("version") if isinstance(context, dict) else None
    return version if isinstance(version, str) else "2.0.0"


def _check_language_tag(value: Any) -> str:
    """V-11: full RFC 5646 check for tags the fast regex did not accept."""
    if isinstance(value, str) and formats.is_language_tag(value):
        return value
    raise PydanticCustomError("language_tag", "invalid language tag")


def _check_timestamp(value: Any, info: ValidationInfo) -> str:
    """V-12: authoritative, version-aware check for timestamps off the fast path."""
    if not isinstance(value, str):
        raise PydanticCustomError("timestamp", "must be a string")
    try:
        formats.parse_timestamp(value, request_version(info))
    except ValueError as exc:
        raise PydanticCustomError("timestamp", str(exc)) from None
    return value


def _check_statement_version(value: str, info: ValidationInfo) -> str:
    """SR-15: 2.0.x statement versions only in 2.0 requests."""
    if value.startswith("2") and formats.is_v1_request(request_version(info)):
        raise PydanticCustomError(
            "xapi", "a 2.0.x statement version is not accepted in a 1.0.x request"
        )
    return value


def _integral_float(value: float) -> int:
    """V-3: an integer-valued JSON float such as 10.0 counts as an integer."""
    return int(value)


def require_v2(value: Any, info: ValidationInfo) -> Any:
    """V-40/X-5: contextAgents/contextGroups exist only in xAPI 2.0 requests."""
    if formats.is_v1_request(request_version(info)):
        raise PydanticCustomError("xapi", "only allowed in xAPI 2.0 requests")
    return value


def _pattern(source: str) -> StringConstraints:
    """Rust-enforced anchored pattern constraint."""
    return StringConstraints(pattern=anchored(source))


IRI = Annotated[str, _pattern(formats.IRI)]
IRL = IRI
UUID = Annotated[str, _pattern(formats.UUID)]
Mbox = Annotated[str, _pattern(formats.MBOX)]
MboxSha1sum = Annotated[str, _pattern(formats.SHA1_HEX)]
Sha2 = Annotated[str, _pattern(formats.SHA2_HEX)]
Duration = Annotated[str, _pattern(formats.DURATION)]
MediaType = Annotated[str, _pattern(formats.MEDIA_TYPE)]
StatementVersion = Annotated[
    str, _pattern(formats.STATEMENT_VERSION), AfterValidator(_check_statement_version)
]
LanguageTag = Annotated[
    str,
    _CoreSchema(
        core_schema.union_schema(
            [
                core_schema.str_schema(pattern=anchored(formats.LANGUAGE_TAG_SIMPLE), strict=True),
                core_schema.no_info_plain_validator_function(_check_language_tag),
            ],
            mode="left_to_right",
            custom_error_type="language_tag",
            custom_error_message="must be an RFC 5646 language tag",
        )
    ),
]
LanguageMap = dict[LanguageTag, str]
Timestamp = Annotated[
    str,
    _CoreSchema(
        core_schema.union_schema(
            [
                core_schema.str_schema(pattern=anchored(formats.TIMESTAMP_FAST), strict=True),
                core_schema.with_info_plain_validator_function(_check_timestamp),
            ],
            mode="left_to_right",
            custom_error_type="timestamp",
            custom_error_message="must be an RFC 3339 date-time such as 2024-01-31T12:00:00.000Z",
        )
    ),
]
NonNegativeInt = Annotated[
    int,
    _CoreSchema(
        core_schema.union_schema(
            [
                core_schema.int_schema(ge=0, strict=True),
                core_schema.no_info_after_validator_function(
                    _integral_float, core_schema.float_schema(ge=0, multiple_of=1, strict=True)
                ),
            ],
            mode="left_to_right",
            custom_error_type="non_negative_int",
            custom_error_message="must be a non-negative integer",
        )
    ),
]
Extensions = dict[IRI, Any]
V2Only = BeforeValidator(require_v2)

PATTERN_DESCRIPTIONS: dict[str, str] = {
    anchored(formats.IRI): "an absolute IRI (scheme:...)",
    anchored(formats.UUID): "a UUID (8-4-4-4-12 hex digits, RFC 4122 variant)",
    anchored(formats.MBOX): "a mailto: IRI with an email address",
    anchored(formats.SHA1_HEX): "a 40-digit hex SHA-1",
    anchored(formats.SHA2_HEX): "a hex SHA-2 digest (56, 64, 96 or 128 digits)",
    anchored(formats.DURATION): "an ISO 8601 duration such as PT1H30M",
    anchored(formats.MEDIA_TYPE): "an internet media type such as text/plain",
    anchored(formats.STATEMENT_VERSION): "a version of the form 1.0.x or 2.0.x",
}
