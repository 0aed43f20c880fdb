"""Which accepted statements a forwarding target receives; shared by every store adapter."""

from __future__ import annotations

from typing import Any

from service.model.tenancy import TargetFilter


def matches(target_filter: TargetFilter, statement: dict[str, Any]) -> bool:
    """True when the statement passes every non-empty part of the filter.

    Verbs compare exactly; activity ids by prefix on an Activity object (StatementRef objects,
    such as voiding statements, always pass so downstreams learn of voids); credentials by the
    key in the statement's authority account, which the LRS set from the writing credential.
    """
    if target_filter.verbs and statement["verb"]["id"] not in target_filter.verbs:
        return False
    if target_filter.activity_prefixes:
        obj = statement["object"]
        object_type = obj.get("objectType", "Activity")
        if object_type == "Activity":
            if not obj["id"].startswith(target_filter.activity_prefixes):
                return False
        elif object_type != "StatementRef":
            return False
    if target_filter.credentials:
        account = (statement.get("authority") or {}).get("account") or {}
        if account.get("name") not in target_filter.credentials:
            return False
    return True
