"""The admin commands as people and scripts use them (issue 5), against LRS_STORE_URL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest

from service.cli import main
from service.model.tenancy import CredentialRecord
from service.store.sqlite import SQLiteStore
from service.tenancy.auth import verify_secret
from tests.cli_support import run_cli


async def _credential(store_path: Path, key: str) -> CredentialRecord | None:
    store = SQLiteStore(store_path)
    await store.open()
    try:
        return await store.accounts.get_credential(key)
    finally:
        await store.close()


async def test_script_forms_create_tenant_and_credential(tmp_path: Path) -> None:
    """The documented script forms: `tenants create NAME`, `credentials create ... --json`."""
    store_path = tmp_path / "lrs.sqlite3"
    created = run_cli("tenants", "create", "acme", store=store_path)
    assert created.returncode == 0, created.stderr
    issued = run_cli(
        "credentials", "create", "--tenant", "acme", "--name", "Moodle production",
        "--scopes", "statements/write,define", "--json", store=store_path,
    )  # fmt: skip
    assert issued.returncode == 0, issued.stderr
    payload = orjson.loads(issued.stdout)
    record = await _credential(store_path, payload["key"])
    assert record is not None
    assert (record.tenant, record.name) == ("acme", "Moodle production")
    assert record.scopes == ("statements/write", "define")
    assert verify_secret(payload["secret"], record.secret_hash)


@pytest.fixture
def store_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("LRS_STORE_URL", f"sqlite:///{path}")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_people_get_tables_scripts_get_json(
    store_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "tenants", "create", "north", "--max-batch", "50")[0] == 0
    code, out, _ = run(capsys, "credentials", "create", "--tenant", "north", "--name", "LXP")
    assert code == 0
    assert "secret:" in out
    code, table, _ = run(capsys, "credentials", "list")
    assert code == 0
    assert table.splitlines()[0].split()[:3] == ["KEY", "TENANT", "NAME"]
    assert "north" in table
    code, tenants, _ = run(capsys, "tenants", "list")
    assert "batch=50" in tenants
    listed = orjson.loads(run(capsys, "credentials", "list", "--json")[1])["credentials"]
    assert listed[0]["limits_in_force"]["max_batch_statements"] == 50
    assert "secret" not in listed[0]


async def _enabled(path: Path, key: str) -> bool:
    record = await _credential(path, key)
    assert record is not None
    return record.enabled


def test_disable_enable_rotate(store_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    created = orjson.loads(
        run(capsys, "credentials", "create", "--name", "BI", "--scopes", "all/read", "--json")[1]
    )
    key = created["key"]
    assert run(capsys, "credentials", "disable", key)[0] == 0
    assert asyncio.run(_enabled(store_env, key)) is False
    assert run(capsys, "credentials", "enable", key)[0] == 0
    rotated = orjson.loads(run(capsys, "credentials", "rotate", key, "--json")[1])
    record = asyncio.run(_credential(store_env, key))
    assert record is not None
    assert verify_secret(rotated["secret"], record.secret_hash)
    assert not verify_secret(created["secret"], record.secret_hash)
    assert record.previous is None


def test_rotate_with_overlap(store_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    created = orjson.loads(run(capsys, "credentials", "create", "--name", "LMS", "--json")[1])
    code, out, _ = run(capsys, "credentials", "rotate", created["key"], "--overlap", "7d")
    assert code == 0
    assert "the old secret is accepted until" in out
    record = asyncio.run(_credential(store_env, created["key"]))
    assert record is not None
    assert record.previous is not None
    assert verify_secret(created["secret"], record.previous.secret_hash)
    assert 6.9 * 86400_000 < record.previous.until_ms - record.created_ms < 7.1 * 86400_000
    code, _, err = run(capsys, "credentials", "rotate", created["key"], "--overlap", "forever")
    assert code == 2
    assert "invalid overlap" in err


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("credentials", "create", "--name", "x", "--scopes", "everything"), 2, "unknown scope"),
        (("credentials", "create", "--name", "x", "--tenant", "nope"), 1, "no tenant"),
        (("credentials", "disable", "no-such-key"), 1, "no credential"),
        (("tenants", "create", "Has Spaces"), 2, "invalid tenant name"),
        (("tenants", "create", "default"), 1, "already exists"),
        (("tenants", "limits", "default", "--rate", "fast"), 2, "number"),
        (("erase", "--agent", '{"mbox":"not-a-mailto"}'), 2, "agent"),
        (
            ("forwarding", "add", "--name", "md", "--url", "http://169.254.169.254/latest/"),
            2,
            "not a public address",
        ),
    ],
)
def test_bad_input_is_one_clear_line_and_changes_nothing(
    store_env: Path,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    code: int,
    words: str,
) -> None:
    before = run(capsys, "credentials", "list", "--json")[1], run(capsys, "tenants", "list")[1]
    returned, _out, err = run(capsys, *args)
    assert returned == code
    assert words in err
    assert len(err.strip().splitlines()) == 1
    after = run(capsys, "credentials", "list", "--json")[1], run(capsys, "tenants", "list")[1]
    assert after == before


def test_forwarding_and_erasure_commands(
    store_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LRS_FORWARD_ALLOWED_NETWORKS", "127.0.0.0/8")
    code, out, err = run(
        capsys, "forwarding", "add", "--name", "dw", "--url", "http://127.0.0.1:9/xapi", "--json"
    )
    assert code == 0, err
    target = orjson.loads(out)
    assert target["kind"] == "xapi"
    assert "dw" in run(capsys, "forwarding", "list")[1]
    assert run(capsys, "forwarding", "disable", str(target["id"]))[0] == 0
    assert (
        orjson.loads(run(capsys, "forwarding", "list", "--json")[1])["targets"][0]["enabled"]
        is False
    )
    assert run(capsys, "forwarding", "dead-letters")[1].strip().endswith("(none)")
    agent = '{"mbox":"mailto:erin@example.org"}'
    code, out, _ = run(capsys, "erase", "--agent", agent, "--json")
    assert code == 0
    assert orjson.loads(out)["erased_by"].startswith("cli:")
    records = orjson.loads(run(capsys, "erasures", "--agent", agent, "--json")[1])["erasures"]
    assert len(records) == 1
    assert run(capsys, "forwarding", "remove", str(target["id"]))[0] == 0


def test_limits_only_narrow_from_the_command_line(
    store_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI acts as an operator, yet no credential exceeds its tenant, no tenant the service."""
    assert run(capsys, "tenants", "create", "ta", "--rate", "5", "--max-batch", "50")[0] == 0
    code, out, err = run(
        capsys, "credentials", "create", "--tenant", "ta", "--name", "LMS", "--json"
    )
    assert code == 0, err
    key = orjson.loads(out)["key"]
    before = run(capsys, "credentials", "list", "--json")[1]
    for args, words in (
        (("credentials", "update", key, "--rate", "0"), "rate_per_second 0 (no quota)"),
        (("credentials", "update", key, "--max-batch", "100000"), "above 50"),
        (("credentials", "create", "--tenant", "ta", "--name", "x", "--rate", "6"), "above 5/s"),
        (
            ("tenants", "limits", "ta", "--max-batch", "10001"),
            "above 10000, the service's LRS_MAX_BATCH_STATEMENTS",
        ),
    ):
        code, _out, err = run(capsys, *args)
        assert code == 2, err
        assert words in err
        assert len(err.strip().splitlines()) == 1
    assert run(capsys, "credentials", "list", "--json")[1] == before
    assert run(capsys, "credentials", "update", key, "--rate", "2", "--max-batch", "10")[0] == 0
    listed = orjson.loads(run(capsys, "credentials", "list", "--json")[1])["credentials"]
    assert listed[0]["limits_in_force"]["rate_per_second"] == 2
    assert listed[0]["limits_in_force"]["max_batch_statements"] == 10
