"""Erasure of one agent in one tenant, for GDPR requests (issue 5); see service.xapi.erasure."""

from __future__ import annotations

import secrets
from dataclasses import asdict
from typing import Any

import orjson

from service.model.errors import BadRequestError, NotFoundError
from service.model.tenancy import ErasureRecord
from service.outcomes.learners import learner_of_key
from service.store.ports import AccountStore, ErasureStore
from service.tenancy.admin.actor import AdminActor
from service.tenancy.admin.audit import audited
from service.tenancy.admin.retention import OnDeleted
from service.xapi.agent_param import parse_agent_parameter
from service.xapi.agents import agent_key
from service.xapi.erasure import agent_hash, pseudonym_for
from service.xapi.versions import V2_0_0


def parse_agent(agent: dict[str, Any] | str) -> str:
    """The agent key of an Agent (or identified Group) given as JSON; 400 when malformed."""
    text = agent if isinstance(agent, str) else orjson.dumps(agent).decode()
    parsed = parse_agent_parameter(text, V2_0_0, allow_identified_group=True)
    key = agent_key(parsed)
    if key is None:
        raise BadRequestError(
            "agent must carry an identifier (mbox, mbox_sha1sum, openid, account)"
        )
    return key


async def erase(
    accounts: AccountStore,
    erasure: ErasureStore,
    actor: AdminActor,
    tenant: str,
    agent: dict[str, Any] | str,
    on_deleted: OnDeleted | None = None,
) -> ErasureRecord:
    """Erase everything stored about the agent in the tenant and record it durably; then
    `on_deleted` retracts the outcome evidence the deleted statements gave others."""
    async with audited(actor, "erasure.erase", tenant=tenant) as note:
        actor.check_tenant(tenant)
        key = parse_agent(agent)
        note.target = agent_hash(tenant, key)  # never the identifier itself
        if await accounts.get_tenant(tenant) is None:
            raise NotFoundError(f"no tenant named {tenant!r}")
        pseudonym = pseudonym_for(f"erased-{secrets.token_hex(8)}")
        record = await erasure.erase_agent(
            tenant, key, learner=learner_of_key(key), erased_by=actor.name, pseudonym=pseudonym
        )
        note.details = {"erasure_id": record.id, **asdict(record.counts)}
    if record.deleted_statement_ids and on_deleted is not None:
        await on_deleted(tenant, list(record.deleted_statement_ids))
    return record


async def list_erasures(
    erasure: ErasureStore,
    actor: AdminActor,
    tenant: str,
    agent: dict[str, Any] | str | None = None,
) -> list[ErasureRecord]:
    """The tenant's erasure records; with `agent`, only those of that agent."""
    actor.check_tenant(tenant)
    records = await erasure.list_erasures(tenant)
    if agent is None:
        return records
    wanted = agent_hash(tenant, parse_agent(agent))
    return [record for record in records if record.agent_hash == wanted]


def erasure_json(record: ErasureRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "tenant": record.tenant,
        "agent_hash": record.agent_hash,
        "erased_by": record.erased_by,
        "erased_ms": record.erased_ms,
        "counts": asdict(record.counts),
    }
