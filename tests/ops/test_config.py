"""`python -m service config` and the configuration table (issue 7)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import orjson
from pydantic import SecretStr

from service.ops.config import MASK, effective_config, mask_url, render_text
from service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _config(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LRS_")}
    return subprocess.run(
        [sys.executable, "-m", "service", "config", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT / "tests",  # no .env here
    )


def test_config_json_masks_secrets() -> None:
    done = _config(
        "--json",
        LRS_BOOTSTRAP_KEY="ops-key",
        LRS_BOOTSTRAP_SECRET="hunter2-secret",
        LRS_STORE_URL="mongodb://lrs:pa55word@db1:27017,db2:27017/lrs?replicaSet=rs0",
        LRS_PORT="9000",
    )
    assert done.returncode == 0, done.stderr
    config = orjson.loads(done.stdout)
    assert config["LRS_BOOTSTRAP_KEY"] == "ops-key"
    assert config["LRS_BOOTSTRAP_SECRET"] == MASK
    assert config["LRS_STORE_URL"] == f"mongodb://lrs:{MASK}@db1:27017,db2:27017/lrs?replicaSet=rs0"
    assert config["LRS_PORT"] == 9000
    assert "hunter2" not in done.stdout
    assert "pa55word" not in done.stdout


def test_config_json_shows_the_sso_mapping_and_masks_the_client_secret() -> None:
    mapping = {"it-ops": {"tenant": "default", "scopes": ["operator"]}}
    done = _config(
        "--json",
        LRS_OIDC_ISSUER="https://op.example",
        LRS_OIDC_CLIENT_ID="lrs",
        LRS_OIDC_CLIENT_SECRET="oidc-client-secret",
        LRS_OIDC_MAPPING=orjson.dumps(mapping).decode(),
    )
    assert done.returncode == 0, done.stderr
    config = orjson.loads(done.stdout)
    assert config["LRS_OIDC_MAPPING"] == mapping
    assert config["LRS_OIDC_CLIENT_SECRET"] == MASK
    assert "oidc-client-secret" not in done.stdout


def test_config_text_lists_every_variable() -> None:
    done = _config()
    assert done.returncode == 0, done.stderr
    names = {line.split("=")[0].strip() for line in done.stdout.splitlines()}
    assert names == set(Settings.variable_names())
    assert re.search(r"^LRS_BOOTSTRAP_SECRET\s+= \(unset\)$", done.stdout, re.MULTILINE)


def test_config_reports_an_invalid_value() -> None:
    done = _config(LRS_PORT="not-a-port")
    assert done.returncode == 2
    assert "invalid configuration" in done.stderr


def test_masking_rules() -> None:
    settings = Settings(_env_file=None, bootstrap_secret=SecretStr("s3cret"))
    config = effective_config(settings)
    assert config["LRS_BOOTSTRAP_SECRET"] == MASK
    assert mask_url("mongodb://db:27017/lrs") == "mongodb://db:27017/lrs"
    assert mask_url("https://user:token@example.org/x") == f"https://user:{MASK}@example.org/x"
    assert "s3cret" not in render_text(config)


def test_readme_documents_every_setting() -> None:
    """One README table lists every LRS_ variable with its default."""
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `(LRS_[A-Z0-9_]+)`", readme, re.MULTILINE))
    documented |= set(
        re.findall(r"^\| `LRS_[A-Z0-9_]+` / `(LRS_[A-Z0-9_]+)`", readme, re.MULTILINE)
    )
    missing = set(Settings.variable_names()) - documented
    assert not missing, f"add these to the README configuration table: {sorted(missing)}"
