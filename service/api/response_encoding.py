"""gzip for streamed export answers, when the client accepts it (RFC 9110 Accept-Encoding).

Each page is compressed as it is produced and flushed (Z_SYNC_FLUSH), so the answer stays a
stream: memory holds one page, and a client sees rows while later pages are still read. Only
the export routes use it; Parquet is compressed inside already and is sent as it is.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

GZIP_WBITS = 16 + zlib.MAX_WBITS
LEVEL = 6


def accepts_gzip(header: str | None) -> bool:
    """Whether `Accept-Encoding` names gzip (or `*`) with a non-zero quality."""
    if not header:
        return False
    for item in header.split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        quality = params.strip().lower()
        if quality.startswith("q="):
            try:
                return float(quality[2:]) > 0
            except ValueError:
                return False
        return True
    return False


async def gzipped(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The chunks as one gzip member, flushed after each chunk."""
    encoder = zlib.compressobj(LEVEL, zlib.DEFLATED, GZIP_WBITS)
    async for chunk in chunks:
        out = encoder.compress(chunk) + encoder.flush(zlib.Z_SYNC_FLUSH)
        if out:
            yield out
    yield encoder.flush(zlib.Z_FINISH)
