"""Readers of the deploy files."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

from service.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
LRS_NAME = re.compile(r"\bLRS_[A-Z0-9_]+\b")


def yaml_documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def k8s_objects() -> dict[str, dict[str, Any]]:
    """Every manifest listed by the kustomization, by kind."""
    kustomization = yaml_documents(DEPLOY / "k8s" / "kustomization.yaml")[0]
    found: dict[str, dict[str, Any]] = {}
    for name in kustomization["resources"]:
        for doc in yaml_documents(DEPLOY / "k8s" / name):
            found[doc["kind"]] = doc
    return found


def unit_file(path: Path) -> dict[str, dict[str, list[str]]]:
    """A systemd unit as section -> key -> values (keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    section = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        sections[section][key].append(value)
    return sections


def setting_names() -> set[str]:
    return set(Settings.variable_names())


def lrs_names_in(path: Path) -> set[str]:
    return set(LRS_NAME.findall(path.read_text()))
