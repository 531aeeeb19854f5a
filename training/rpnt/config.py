"""YAML configs with command-line overrides (`--set section.key=value`, value parsed as YAML)."""

from __future__ import annotations

import copy
import os

import yaml

CONFIG_DIR = os.path.join(os.path.dirname(__file__), "..", "configs")
DEFAULT_CONFIG = os.path.abspath(os.path.join(CONFIG_DIR, "rpnt-m1.yaml"))


def load_config(path: str | None = None, overrides: list[str] | None = None) -> dict:
    path = path or DEFAULT_CONFIG
    with open(path) as f:
        cfg = yaml.safe_load(f)
    return apply_overrides(cfg, overrides or [])


def apply_overrides(cfg: dict, overrides: list[str]) -> dict:
    cfg = copy.deepcopy(cfg)
    for item in overrides:
        if "=" not in item:
            raise ValueError(f"--set {item!r}: expected section.key=value, e.g. --set model.layers=2")
        key, value = item.split("=", 1)
        node = cfg
        parts = key.split(".")
        for p in parts[:-1]:
            if p not in node or not isinstance(node[p], dict):
                raise ValueError(f"--set {item!r}: config has no section {p!r} on the way to {key!r}")
            node = node[p]
        if parts[-1] not in node:
            raise ValueError(f"--set {item!r}: config has no key {key!r}; check configs/rpnt-m1.yaml for the names")
        node[parts[-1]] = yaml.safe_load(value)
    return cfg
