"""The effective configuration as an operator may see it: every LRS_ variable, secrets masked."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, SecretStr
from pydantic_core import to_jsonable_python

from service.settings import Settings

MASK = "********"
_SECRET_NAME = re.compile(r"secret|password|passwd|token|api_key|private", re.IGNORECASE)


def mask_url(url: str) -> str:
    """The URL with any password in its user-info replaced by the mask."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    hosts = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:{MASK}@{hosts}"))


def _shown(field: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, SecretStr) or _SECRET_NAME.search(field):
        return MASK
    if isinstance(value, str) and "://" in value:
        return mask_url(value)
    if isinstance(value, dict) and any(isinstance(v, BaseModel) for v in value.values()):
        return to_jsonable_python(value)  # the SSO mapping: plain JSON, as it was set
    return value


def effective_config(settings: Settings) -> dict[str, Any]:
    """Every setting by variable name, in declaration order, with secrets masked."""
    return {env: _shown(field, value) for env, field, value in settings.variables()}


def render_text(config: dict[str, Any]) -> str:
    """`NAME = value` lines, aligned; unset values show as `(unset)`."""
    width = max((len(name) for name in config), default=0)
    lines = [f"{name.ljust(width)} = {'(unset)' if v is None else v}" for name, v in config.items()]
    return "\n".join(lines)
