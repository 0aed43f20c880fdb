"""The bootstrap credential every load test's server starts with (no third-party imports)."""

from __future__ import annotations

from loadtests.rawhttp import basic_auth

KEY, SECRET = "loadtest", "loadtest-secret"
AUTH = basic_auth(KEY, SECRET)
