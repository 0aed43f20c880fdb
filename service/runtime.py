"""The long-lived parts of one running service, opened and closed by the app's lifespan."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from service.auth import Authenticator, IssuedCredential, new_credential
from service.outcomes.engine import OutcomeEngine
from service.settings import Settings
from service.store.factory import make_store
from service.store.port import Store

log = logging.getLogger("service")


@dataclass
class Runtime:
    settings: Settings
    store: Store
    authenticator: Authenticator
    outcomes: OutcomeEngine
    generated_credential: IssuedCredential | None = None

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        store = make_store(settings)
        return cls(
            settings=settings,
            store=store,
            authenticator=Authenticator(store, settings.authority_home_page),
            outcomes=OutcomeEngine(store, settings.authority_home_page),
        )

    async def start(self) -> None:
        await self.store.open()
        await self._bootstrap_credentials()
        await self.outcomes.start()

    async def stop(self) -> None:
        await self.outcomes.stop()
        await self.store.close()

    async def _bootstrap_credentials(self) -> None:
        """Create the configured bootstrap credential, or one generated if none exists (AU-1)."""
        settings = self.settings
        if settings.bootstrap_key and settings.bootstrap_secret:
            if await self.store.get_credential(settings.bootstrap_key) is None:
                issued = new_credential(
                    name="bootstrap",
                    key=settings.bootstrap_key,
                    secret=settings.bootstrap_secret.get_secret_value(),
                )
                await self.store.add_credential(issued.record)
                log.info("created the bootstrap credential %s", settings.bootstrap_key)
            return
        if await self.store.count_credentials() == 0:
            issued = new_credential(name="generated")
            await self.store.add_credential(issued.record)
            self.generated_credential = issued
