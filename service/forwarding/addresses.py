"""Which addresses forwarding may reach: public ones, plus the networks an operator allows.

A tenant admin chooses forwarding URLs, so without this check the service would send requests
for them to its own loopback, the cloud metadata service (169.254.169.254) or the private
network behind it (server-side request forgery).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Sequence
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
RESOLVE_TIMEOUT_SECONDS = 5.0


class RefusedAddressError(Exception):
    """The target's host is, or resolves to, an address forwarding must not reach."""


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """`LRS_FORWARD_ALLOWED_NETWORKS`: comma-separated addresses or CIDR networks."""
    return tuple(ipaddress.ip_network(part.strip()) for part in text.split(",") if part.strip())


class AddressPolicy:
    """Refuses loopback, link-local (metadata), private, shared and reserved addresses unless
    they lie in an allowed network."""

    def __init__(self, allowed: Sequence[IPNetwork] = ()) -> None:
        self._allowed = tuple(allowed)

    @classmethod
    def from_setting(cls, text: str) -> AddressPolicy:
        return cls(parse_networks(text))

    def refusal(self, address: IPAddress) -> str | None:
        """Why forwarding must not connect to this address (None: it may)."""
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in self._allowed):
            return None
        if address.is_global and not address.is_multicast:
            return None
        return f"{address} is not a public address (see LRS_FORWARD_ALLOWED_NETWORKS)"

    async def resolve(self, host: str, port: int) -> list[str]:
        """Every address the host names, each checked; refuses if any one is refused.

        Checking every address (not just the first) keeps a name that mixes a public and a
        private address from reaching the private one on a retry.
        """
        literal = _literal(host)
        if literal is not None:
            addresses = [literal]
        else:
            addresses = await _lookup(host, port)
        for address in addresses:
            reason = self.refusal(address)
            if reason is not None:
                raise RefusedAddressError(f"{host}: {reason}")
        return [str(address) for address in addresses]

    async def check_url(self, url: str) -> None:
        """At creation: refuse a URL whose host is or resolves to a refused address.

        A name that does not resolve now is accepted; the sender checks again at every send.
        """
        parts = urlsplit(url)
        host = parts.hostname or ""
        try:
            await self.resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
        except OSError:
            return


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


async def _lookup(host: str, port: int) -> list[IPAddress]:
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_TIMEOUT_SECONDS
        )
    except TimeoutError as exc:
        raise OSError(f"resolving {host} timed out") from exc
    found: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if address not in found:
            found.append(address)
    if not found:
        raise OSError(f"{host} has no address")
    return found
