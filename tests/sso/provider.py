"""The real OpenID Provider of tests/sso (provider.mjs: oidc-provider under Node) as a process."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
CLIENT_ID = "lrs-console"
CLIENT_SECRET = "tests-sso-client-secret"
ACCOUNTS = {
    "ada": {"name": "Ada Analyst", "email": "ada@example.com", "groups": ["lnd-analysts"]},
    "ian": {"name": "Ian Ops", "email": "ian@example.com", "groups": ["staff", "it-ops"]},
    "sam": {"name": "Sam Sales", "email": "sam@example.com", "groups": ["sales"]},
}


@contextmanager
def openid_provider(lrs_base: str, log: Path) -> Iterator[str]:
    """A running OP whose one client redirects to `lrs_base`'s console; yields its issuer."""
    node = shutil.which("node")
    assert node is not None, "Node.js is needed for tests/sso (make test installs oidc-provider)"
    assert (HERE / "node_modules" / "oidc-provider").is_dir(), (
        "tests/sso/node_modules is missing: run `make test` (npm ci in tests/sso)"
    )
    config: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": f"{lrs_base}/console/sso/callback",
        "post_logout_redirect_uri": f"{lrs_base}/console/signin",
        "accounts": ACCOUNTS,
    }
    with log.open("wb") as errors:
        process = subprocess.Popen(
            [node, str(HERE / "provider.mjs"), json.dumps(config)],
            stdout=subprocess.PIPE,
            stderr=errors,
            cwd=HERE,
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline()  # printed once it listens
            assert line, f"the OpenID Provider did not start: {log.read_text()}"
            yield str(json.loads(line)["issuer"])
        finally:
            process.terminate()
            process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()
