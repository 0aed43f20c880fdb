"""The systemd units for one machine with the embedded store."""

from __future__ import annotations

from pathlib import PurePosixPath

from tests.deploy.files import DEPLOY, lrs_names_in, setting_names, unit_file


def _environment(unit: dict[str, dict[str, list[str]]]) -> dict[str, str]:
    return dict(value.split("=", 1) for value in unit["Service"]["Environment"])


def test_service_runs_the_lrs_as_an_unprivileged_user() -> None:
    unit = unit_file(DEPLOY / "systemd" / "lrs.service")
    service = unit["Service"]
    assert service["ExecStart"] == ["/opt/lrs/.venv/bin/python -m service serve"]
    assert service["User"] == ["lrs"]
    assert service["KillSignal"] == ["SIGTERM"]
    for hardening in ("NoNewPrivileges", "ProtectHome", "PrivateTmp", "PrivateDevices"):
        assert service[hardening] == ["yes"], hardening
    assert service["ProtectSystem"] == ["strict"]
    assert service["CapabilityBoundingSet"] == [""]
    assert unit["Install"]["WantedBy"] == ["multi-user.target"]


def test_store_lives_in_the_state_directory() -> None:
    for name in ("lrs.service", "lrs-backup.service"):
        unit = unit_file(DEPLOY / "systemd" / name)
        url = _environment(unit)["LRS_STORE_URL"]
        assert url.startswith("sqlite:////")
        store = PurePosixPath(url.removeprefix("sqlite:///"))
        [state] = unit["Service"]["StateDirectory"]
        assert store.parent == PurePosixPath("/var/lib") / state, name


def test_stop_timeout_outlasts_the_drain() -> None:
    unit = unit_file(DEPLOY / "systemd" / "lrs.service")
    drain = int(_environment(unit)["LRS_SHUTDOWN_TIMEOUT"])
    assert int(unit["Service"]["TimeoutStopSec"][0]) > drain


def test_units_use_only_real_settings() -> None:
    for path in (DEPLOY / "systemd").iterdir():
        assert lrs_names_in(path) <= setting_names(), path.name
    backup = unit_file(DEPLOY / "systemd" / "lrs-backup.service")
    assert "-m service backup" in backup["Service"]["ExecStart"][0]
    assert "-m service backup-prune /var/backups/lrs" in backup["Service"]["ExecStartPost"][0]
    timer = unit_file(DEPLOY / "systemd" / "lrs-backup.timer")
    assert timer["Timer"]["OnCalendar"] == ["daily"]
