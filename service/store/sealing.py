"""Secrets at rest: forwarding passwords and webhook signing secrets, sealed with Fernet.

A sealed value is `fernet:` and a Fernet token (AES-128-CBC with HMAC-SHA256). Keys come from
LRS_SECRET_KEY (comma-separated: the first seals, all unseal, so keys rotate) or from
LRS_SECRET_KEY_FILE (one key per line); with neither, an SQLite store keeps a generated key
in a file beside its database (mode 0600). Values stored before sealing existed read as they
are until `SealedOutbox.reseal` (run at every start) seals them.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from service.model.errors import StoreError
from service.model.forwarding import (
    DeadLetter,
    DeliveryOutcome,
    ForwardTarget,
    OutboxBatch,
    TargetStatus,
)
from service.store.ports import OutboxStore
from service.store.ports.outbox import Rewrite

PREFIX = "fernet:"


class SecretBox:
    """Seals and unseals short secrets with the configured keys (the first one seals)."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise StoreError("LRS_SECRET_KEY holds no key")
        try:
            self._fernets = [Fernet(key.strip().encode()) for key in keys]
        except ValueError:
            raise StoreError(
                "a secret key is not a Fernet key (32 url-safe base64-encoded bytes)"
            ) from None
        self._all = MultiFernet(self._fernets)

    def seal(self, value: str) -> str:
        return PREFIX + self._fernets[0].encrypt(value.encode()).decode()

    def unseal(self, value: str) -> str:
        """The clear value; values never sealed pass through."""
        if not value.startswith(PREFIX):
            return value
        try:
            return self._all.decrypt(value[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            raise StoreError(
                "a stored secret cannot be decrypted with the configured keys: "
                "LRS_SECRET_KEY (or the key file) lacks the key it was sealed with"
            ) from None

    def resealed(self, value: str) -> str | None:
        """The value sealed with the first key, or None when it already is."""
        if value.startswith(PREFIX):
            token = value[len(PREFIX) :].encode()
            with contextlib.suppress(InvalidToken):
                self._fernets[0].decrypt(token)
                return None
            return PREFIX + self._fernets[0].encrypt(self.unseal(value).encode()).decode()
        return self.seal(value)


def generated_key_file(path: Path) -> Path:
    """The key file beside an SQLite database, created once with mode 0600.

    The key is written to a private temporary file first and then linked into place, so a
    process starting at the same moment (workers) reads a whole key or finds none.
    """
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    handle = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(handle, Fernet.generate_key() + b"\n")
        os.fsync(handle)
    finally:
        os.close(handle)
    try:
        with contextlib.suppress(FileExistsError):  # another process was first: use its key
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)
    return path


def read_key_file(path: Path) -> list[str]:
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise StoreError(f"cannot read the secret key file {path}: {exc.strerror}") from None
    keys = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    if not keys:
        raise StoreError(f"the secret key file {path} holds no key")
    return keys


class SealedOutbox:
    """An OutboxStore whose target secrets are sealed on the way in, unsealed on the way out.

    The keys are loaded at first use (after the store opened), so a key file is generated
    only beside a database that could be opened.
    """

    def __init__(self, inner: OutboxStore, keys: Callable[[], SecretBox]) -> None:
        self._inner = inner
        self._keys = keys
        self._loaded: SecretBox | None = None

    @property
    def _box(self) -> SecretBox:
        if self._loaded is None:
            self._loaded = self._keys()
        return self._loaded

    def _open(self, target: ForwardTarget) -> ForwardTarget:
        if target.password is None:
            return target
        return replace(target, password=self._box.unseal(target.password))

    def _status(self, status: TargetStatus) -> TargetStatus:
        return replace(status, target=self._open(status.target))

    async def reseal(self) -> int:
        """Seal clear values and those sealed with an older key; how many were rewritten."""
        return await self._inner.rewrite_forward_secrets(self._box.resealed)

    async def add_forward_target(self, target: ForwardTarget) -> ForwardTarget:
        if target.password is not None:
            target = replace(target, password=self._box.seal(target.password))
        return self._open(await self._inner.add_forward_target(target))

    async def list_forward_targets(self, tenant: str) -> list[TargetStatus]:
        return [self._status(s) for s in await self._inner.list_forward_targets(tenant)]

    async def set_forward_target_enabled(
        self, tenant: str, target_id: int, enabled: bool
    ) -> TargetStatus:
        return self._status(
            await self._inner.set_forward_target_enabled(tenant, target_id, enabled)
        )

    async def delete_forward_target(self, tenant: str, target_id: int) -> None:
        await self._inner.delete_forward_target(tenant, target_id)

    async def due_forward_targets(self, now_ms: int) -> list[ForwardTarget]:
        return [self._open(t) for t in await self._inner.due_forward_targets(now_ms)]

    async def claim_forward_batch(
        self, target_id: int, *, owner: str, now_ms: int, lease_ms: int, limit: int
    ) -> OutboxBatch | None:
        batch = await self._inner.claim_forward_batch(
            target_id, owner=owner, now_ms=now_ms, lease_ms=lease_ms, limit=limit
        )
        return None if batch is None else replace(batch, target=self._open(batch.target))

    async def finish_forward_batch(
        self, target_id: int, *, owner: str, now_ms: int, outcome: DeliveryOutcome
    ) -> None:
        await self._inner.finish_forward_batch(
            target_id, owner=owner, now_ms=now_ms, outcome=outcome
        )

    async def list_dead_letters(
        self, tenant: str, target_id: int | None = None, *, limit: int = 100
    ) -> list[DeadLetter]:
        return await self._inner.list_dead_letters(tenant, target_id, limit=limit)

    async def requeue_dead_letters(self, tenant: str, target_id: int | None = None) -> int:
        return await self._inner.requeue_dead_letters(tenant, target_id)

    async def outbox_depth(self) -> int:
        return await self._inner.outbox_depth()

    async def dead_letter_counts(self) -> dict[tuple[str, str], int]:
        return await self._inner.dead_letter_counts()

    async def rewrite_forward_secrets(self, rewrite: Rewrite) -> int:
        return await self._inner.rewrite_forward_secrets(rewrite)
