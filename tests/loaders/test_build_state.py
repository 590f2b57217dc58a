"""A build of what changed leaves views out and runs every other kind of node over the changed
sources (loaders/build_state.py); the end-to-end checks are in tests/loaders/solana/test_solana_e2e.py."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from loaders import build_state

PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"


def test_selection_args_intersect_each_source_with_each_kind_built_or_tested():
    args = build_state.selection_args(["source:ethereum+", "source:prices+"])
    assert args[:2] == ["source:ethereum+,config.materialized:incremental", "source:ethereum+,config.materialized:table"]
    assert len(args) == 2 * len(build_state.BUILT_KINDS)
    assert "source:prices+,resource_type:test" in args
    assert not any("view" in a for a in args)


def _folder_defaults(node: dict, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], str]:
    out = {}
    for key, value in node.items():
        if key == "+materialized":
            out[path] = value
        elif isinstance(value, dict) and not key.startswith("+"):
            out.update(_folder_defaults(value, (*path, key)))
    return out


def test_every_model_is_a_view_or_a_kind_a_build_of_what_changed_runs():
    """A model materialized some other way (ephemeral aside: it is compiled into its readers) would
    be left out of every build of what changed without a word."""
    defaults = _folder_defaults(yaml.safe_load((PROJECT / "dbt_project.yml").read_text())["models"]["aurora"])
    kinds = {k.split(":", 1)[1] for k in build_state.BUILT_KINDS if k.startswith("config.materialized:")} | {"view", "ephemeral"}
    models = sorted((PROJECT / "models").rglob("*.sql"))
    assert len(models) > 100
    for path in models:
        folder = path.relative_to(PROJECT / "models").parts[:-1]
        inline = re.search(r"materialized\s*=\s*['\"](\w+)['\"]", path.read_text())
        materialized = inline.group(1) if inline else next(
            defaults[folder[:n]] for n in range(len(folder), -1, -1) if folder[:n] in defaults)
        assert materialized in kinds, f"{path.relative_to(PROJECT)}: materialized={materialized}"
