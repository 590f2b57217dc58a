"""`aurora demo` keeps its dlt state apart and gives the process its own setting back, whatever the
demo does (the demo itself, end to end: tests/loaders/books/test_books_e2e.py)."""

from __future__ import annotations

import os

import pytest

from loaders import demo


@pytest.mark.parametrize("before", [None, "/somewhere/the/user/set"])
@pytest.mark.parametrize("fails", [False, True])
def test_the_demo_points_dlt_at_its_own_directory_then_puts_the_setting_back(before, fails, tmp_path, monkeypatch):
    monkeypatch.setenv("AURORA_HOME", str(tmp_path))
    if before is None:
        monkeypatch.delenv("AURORA_PIPELINES_DIR", raising=False)
    else:
        monkeypatch.setenv("AURORA_PIPELINES_DIR", before)
    seen = []

    def pipeline(warehouse, directory, *args):
        seen.append(os.environ.get("AURORA_PIPELINES_DIR"))
        if fails:
            raise RuntimeError("the demo failed")

    monkeypatch.setattr(demo, "_run_demo", pipeline)
    if fails:
        with pytest.raises(RuntimeError, match="the demo failed"):
            demo.run_demo(None, None, None, None, None, None)
    else:
        demo.run_demo(None, None, None, None, None, None)
    assert seen == [str(tmp_path / "demo" / "dlt")]
    assert os.environ.get("AURORA_PIPELINES_DIR") == before
