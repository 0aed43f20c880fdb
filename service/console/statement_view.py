"""Statements as a person reads them: who did what to which activity, when, sent by whom."""

from __future__ import annotations

from typing import Any

import orjson

from service.model.tenancy import CredentialRecord
from service.outcomes.export import flatten_statement
from service.tenancy.auth import authority_for
from service.xapi.agents import agent_key

FILTERS = (
    "agent", "verb", "activity", "registration", "since", "until",
    "related_activities", "related_agents",
)  # fmt: skip


def platforms(credentials: list[CredentialRecord], home_page: str) -> dict[str, str]:
    """Authority agent key -> the name and key of the credential it stands for (SR-13)."""
    found: dict[str, str] = {}
    for record in credentials:
        key = agent_key(authority_for(record, home_page))
        if key is not None:
            found[key] = f"{record.name} ({record.key})"
    return found


def summary(statement: dict[str, Any], tenant: str, names: dict[str, str]) -> dict[str, Any]:
    """A statement's readable columns and the platform that sent it."""
    row = flatten_statement(statement, tenant)
    authority = statement.get("authority")
    key = agent_key(authority) if isinstance(authority, dict) else None
    row["platform"] = names.get(key or "", _agent_text(authority))
    return row


def pretty(statement: dict[str, Any]) -> str:
    return orjson.dumps(statement, option=orjson.OPT_INDENT_2).decode()


def agent_param(text: str) -> str:
    """The `agent` filter from what a person types: an email, a mailto: IRI, or agent JSON."""
    text = text.strip()
    if text.startswith("{"):
        return text
    mbox = text if text.startswith("mailto:") else f"mailto:{text}"
    return orjson.dumps({"mbox": mbox}).decode()


def _agent_text(agent: Any) -> str:
    if not isinstance(agent, dict):
        return "unknown"
    account = agent.get("account")
    if isinstance(account, dict):
        return f"{account.get('name')} at {account.get('homePage')}"
    return str(agent.get("name") or agent.get("mbox") or "unknown")
