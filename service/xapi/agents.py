"""Agent identity: inverse functional identifiers and their normalized keys (D-8, SR-42)."""

from __future__ import annotations

from typing import Any

IFI_PROPERTIES = ("mbox", "mbox_sha1sum", "openid", "account")


def agent_key(agent: dict[str, Any]) -> str | None:
    """A stable key for an Agent's or identified Group's IFI; None for anonymous groups.

    mbox domains and sha1 hex compare case-insensitively; names and objectType never count.
    """
    mbox = agent.get("mbox")
    if mbox is not None:
        local, _, domain = mbox.rpartition("@")
        return f"mbox:{local}@{domain.lower()}"
    sha1 = agent.get("mbox_sha1sum")
    if sha1 is not None:
        return f"mbox_sha1sum:{sha1.lower()}"
    openid = agent.get("openid")
    if openid is not None:
        return f"openid:{openid}"
    account = agent.get("account")
    if account is not None:
        return f"account:{account['homePage']}|{account['name']}"
    return None
