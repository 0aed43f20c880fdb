"""Helpers of the operations tests."""

from __future__ import annotations

import httpx
from fastapi import FastAPI


def plain_client(app: FastAPI) -> httpx.AsyncClient:
    """No credentials and no xAPI version header: what operators' probes and scrapers send."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://lrs.test")
