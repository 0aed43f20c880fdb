"""What the crash test checks after each restart, against the ledger of what it sent.

- every acknowledged statement is stored, under the id the LRS answered, with the content sent;
- an unacknowledged batch is stored whole or not at all (each of its statements looked up);
- paging with `more` returns every stored statement exactly once and nothing else.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

from loadtests.crash_batches import TAG, Batch, Ledger, as_sent, cycle_verb

LOOKUP_THREADS = 4


@dataclass(frozen=True)
class Checks:
    """How many statements to GET by id after each restart."""

    lookups: int = 0  # acknowledged statements of the cycle; 0: every one
    older: int = 50  # statements stored in earlier cycles, chosen at random


@dataclass
class Findings:
    """The outcome of one verification."""

    acknowledged: int = 0  # statements in acknowledged batches
    verified: int = 0  # acknowledged statements found intact
    looked_up: int = 0  # statements fetched by id
    lost: int = 0  # acknowledged statements missing or altered
    half_stored: int = 0  # unacknowledged batches stored in part
    unacked_whole: int = 0  # unacknowledged batches found stored whole
    unacked_none: int = 0  # unacknowledged batches not stored at all
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Opened:
    """The first page of a listing, fetched before a crash, and what was stored then."""

    page: dict[str, Any]
    stored: dict[str, str]


def open_listing(client: httpx.Client, ledger: Ledger, limit: int) -> Opened:
    """The first page of every statement (newest first), to be continued after a restart."""
    response = client.get("/xapi/statements", params={"limit": limit})
    response.raise_for_status()
    return Opened(response.json(), dict(ledger.stored))


def page_all(
    client: httpx.Client, params: dict[str, str | int], first: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Every statement the query returns (from `first`, a page already fetched, if given)."""
    page = first
    if page is None:
        response = client.get("/xapi/statements", params=params)
        response.raise_for_status()
        page = response.json()
    statements: list[dict[str, Any]] = []
    while True:
        statements += page["statements"]
        if not page["more"]:
            return statements
        response = client.get(page["more"])
        response.raise_for_status()
        page = response.json()


def by_tag(
    statements: list[dict[str, Any]], findings: Findings, what: str
) -> dict[str, dict[str, Any]]:
    """Index returned statements by tag; a repeated id or tag is a paging problem."""
    for statement_id, count in Counter(s["id"] for s in statements).items():
        if count > 1:
            findings.problems.append(f"{what}: statement {statement_id} returned {count} times")
    found: dict[str, dict[str, Any]] = {}
    for statement in statements:
        tag = statement.get("context", {}).get("extensions", {}).get(TAG)
        if tag is None or tag in found:
            findings.problems.append(f"{what}: unexpected statement {statement['id']}")
            continue
        found[tag] = statement
    return found


def verify_cycle(
    client: httpx.Client, ledger: Ledger, cycle: int, limit: int, rng: random.Random, check: Checks
) -> Findings:
    """Check the batches sent in `cycle` (and a sample of earlier statements) after a restart."""
    findings = Findings()
    statements = page_all(client, {"verb": cycle_verb(cycle), "limit": limit})
    found = by_tag(statements, findings, f"paging cycle {cycle}")
    batches = ledger.of_cycle(cycle)
    for batch in batches:
        _judge(batch, found, ledger, findings)
    sent_tags = {tag for batch in batches for tag in batch.tags}
    for tag in found.keys() - sent_tags:
        findings.problems.append(f"paging cycle {cycle}: statement {tag} was never sent")
    acked = [tag for batch in batches if batch.ids is not None for tag in batch.tags]
    acked = [tag for tag in acked if tag in ledger.stored]
    if check.lookups:
        acked = rng.sample(acked, min(check.lookups, len(acked)))
    lookups = [(tag, ledger.stored[tag], True) for tag in acked]
    for batch in batches:
        if batch.ids is None:
            lookups += [
                (tag, ledger.stored[tag] if batch.stored else s["id"], bool(batch.stored))
                for tag, s in zip(batch.tags, batch.statements, strict=True)
                if batch.stored or "id" in s
            ]
    older = [tag for tag in ledger.stored if not tag.startswith(f"{cycle}.")]
    for tag in rng.sample(older, min(check.older, len(older))):
        lookups.append((tag, ledger.stored[tag], True))
    findings.looked_up = len(lookups)
    _look_up(client, ledger, lookups, findings)
    return findings


def _judge(batch: Batch, found: dict[str, dict[str, Any]], ledger: Ledger, f: Findings) -> None:
    present = [tag for tag in batch.tags if tag in found]
    if batch.ids is not None:
        f.acknowledged += len(batch.statements)
        for tag, sid, sent in zip(batch.tags, batch.ids, batch.statements, strict=True):
            returned = found.get(tag)
            if returned is None:
                f.lost += 1
                f.problems.append(f"acknowledged statement {tag} ({sid}) is missing")
            elif returned["id"] != sid or sent.get("id", sid) != sid:
                f.lost += 1
                f.problems.append(f"statement {tag} is stored as {returned['id']}, answered {sid}")
            elif as_sent(returned, sent) != sent:
                f.lost += 1
                f.problems.append(
                    f"acknowledged statement {tag} ({sid}) differs from what was sent"
                )
            else:
                f.verified += 1
                ledger.stored[tag] = sid
        return
    if 0 < len(present) < len(batch.tags):
        f.half_stored += 1
        f.problems.append(
            f"unacknowledged batch {batch.name}: {len(present)} of {len(batch.tags)} stored"
        )
        return
    batch.stored = bool(present)
    if batch.stored:
        f.unacked_whole += 1
        for tag, sent in zip(batch.tags, batch.statements, strict=True):
            if as_sent(found[tag], sent) != sent:
                f.problems.append(f"statement {tag} of an unacknowledged batch differs")
            ledger.stored[tag] = found[tag]["id"]
    else:
        f.unacked_none += 1


def _look_up(
    client: httpx.Client,
    ledger: Ledger,
    lookups: Iterable[tuple[str, str, bool]],
    findings: Findings,
) -> None:
    """GET ?statementId= for each (tag, id, whether stored): found intact, or 404."""

    def one(item: tuple[str, str, bool]) -> str | None:
        tag, statement_id, expected = item
        response = client.get("/xapi/statements", params={"statementId": statement_id})
        if not expected:
            if response.status_code != 404:
                return f"statement {tag} of a batch not stored answers {response.status_code}"
            return None
        if response.status_code != 200:
            return f"stored statement {tag} ({statement_id}) answers {response.status_code}"
        sent = ledger.sent[tag]
        if as_sent(response.json(), sent) != sent:
            return f"statement {tag} ({statement_id}) differs from what was sent"
        return None

    with ThreadPoolExecutor(LOOKUP_THREADS) as pool:
        for problem in pool.map(one, list(lookups)):
            if problem is not None:
                findings.problems.append(problem)
                findings.lost += 1


def verify_everything(
    client: httpx.Client, ledger: Ledger, limit: int, opened: Opened | None = None
) -> Findings:
    """Page through every statement: each stored one exactly once, intact, nothing else.

    With `opened`, paging continues the `more` link of a first page fetched before the
    crash, and must return exactly what was stored then: links outlive a restart.
    """
    findings = Findings()
    what = "paging everything" + (" across the restart" if opened else "")
    page = opened.page if opened else None
    found = by_tag(page_all(client, {"limit": limit}, page), findings, what)
    expected = opened.stored if opened else ledger.stored
    for tag in expected.keys() - found.keys():
        findings.lost += 1
        findings.problems.append(f"{what}: stored statement {tag} is missing")
    for tag in found.keys() - expected.keys():
        findings.problems.append(f"{what}: statement {tag} is not known as stored")
    for tag, returned in found.items():
        sent = ledger.sent.get(tag)
        if sent is not None and as_sent(returned, sent) != sent:
            findings.lost += 1
            findings.problems.append(f"{what}: statement {tag} differs")
        else:
            findings.verified += 1
    return findings
