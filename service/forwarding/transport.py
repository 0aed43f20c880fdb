"""The sender's HTTP client: every connection goes to an address the policy checked just before.

Resolving the name, checking every address and connecting to a checked address (not to the
name again) leaves DNS rebinding no window between the check and the connection. TLS still
verifies the certificate against the URL's host name, which httpcore passes as SNI.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from functools import cache

import httpcore
import httpx
from httpcore import AsyncNetworkBackend, AsyncNetworkStream
from httpcore._backends.auto import AutoBackend
from httpcore._backends.base import SOCKET_OPTION

from service.forwarding.addresses import AddressPolicy, RefusedAddressError


class GuardedBackend(AsyncNetworkBackend):
    """Connects only to addresses the policy allows."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._inner = AutoBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[SOCKET_OPTION] | None = None,
    ) -> AsyncNetworkStream:
        try:
            addresses = await self._policy.resolve(host, port)
        except RefusedAddressError as exc:
            raise httpcore.ConnectError(f"refused: {exc}") from exc
        except OSError as exc:
            raise httpcore.ConnectError(str(exc) or "name resolution failed") from exc
        failure: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[SOCKET_OPTION] | None = None,
    ) -> AsyncNetworkStream:
        raise httpcore.ConnectError("forwarding does not use Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@cache
def verifying_tls_context() -> ssl.SSLContext:
    """The certificate-verifying TLS context, built once per process: loading the CA bundle
    takes tens of milliseconds, and a context only configures connections (shared safely)."""
    return httpx.create_ssl_context(trust_env=False)


def guarded_client(policy: AddressPolicy, timeout_seconds: float) -> httpx.AsyncClient:
    """No proxy from the environment (a proxy would connect where the policy never looked),
    no redirects (a redirect could point anywhere)."""
    context = verifying_tls_context()
    transport = httpx.AsyncHTTPTransport(verify=context, trust_env=False)
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedBackend(policy),
    )
    return httpx.AsyncClient(
        transport=transport, timeout=timeout_seconds, trust_env=False, follow_redirects=False
    )
