"""Load packages through crashes: a package killed half merged is never read by a build and is
finished by the next load before its own work; one that cannot be finished is discarded with a
message (local state rewound to the warehouse's); a lost connection ends the load with a
sentence; loaded packages leave the disk."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from loaders.pipeline import LoadError, finish_pending, periods_to_reload, pipelines_dir, unfinished_loads
from tests.support import toy_pipeline
from tests.support.db import query

ROOT = Path(__file__).resolve().parents[2]


def killed_load(period: int, fault: str) -> None:
    """Load a period in another process, killed with SIGKILL at `fault`."""
    done = subprocess.run([sys.executable, "-m", "tests.support.toy_pipeline", str(period)], cwd=ROOT,
                          env={**os.environ, "AURORA_FAULT": fault, "LOAD__WORKERS": "1"}, capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr


def table(warehouse, name: str, completed_only: bool = False) -> set[tuple]:
    where = " where _dlt_load_id in (select load_id from raw_toy._dlt_loads where status = 0)" if completed_only else ""
    return set(query(warehouse, f"select id, period from raw_toy.{name}{where}"))


def rows(period: int) -> set[tuple]:
    return {(i, period) for i in range(20)}


def states(warehouse) -> dict[str, str]:
    return dict(query(warehouse, "select period_id, state from aurora_control.loads where pipeline = 'aurora_toy'"))


def test_a_package_killed_half_merged_is_finished_before_the_next_load(warehouse, capfd):
    from loaders.dbt_runner import BuildRefused, reading_raw

    toy_pipeline.load(1)
    killed_load(2, "merge:1")  # one of the two tables merged, then SIGKILL
    merged = [name for name in ("a", "b") if table(warehouse, name) == rows(2)]
    assert len(merged) == 1  # half merged: one table has period 2, the other still period 1
    other = "b" if merged == ["a"] else "a"
    assert table(warehouse, other) == rows(1)
    # What staging reads (rows of completed loads): none of the half-merged table's new rows.
    assert table(warehouse, merged[0], completed_only=True) == set()
    (unfinished,) = unfinished_loads(warehouse)
    assert (unfinished.period_id, unfinished.state) == ("2", "committing")
    with pytest.raises(BuildRefused) as refused:
        with reading_raw(warehouse):
            pass
    assert "toy period 2: load" in str(refused.value) and "stopped half written" in str(refused.value)

    toy_pipeline.load(3)  # finishes period 2 first, then does its own work
    assert "aurora_toy: finishing 1 load package(s) an interrupted run left" in capfd.readouterr().err
    assert states(warehouse) == {"1": "loaded", "2": "loaded", "3": "loaded"}
    assert table(warehouse, "a", completed_only=True) == table(warehouse, "b", completed_only=True) == rows(3)
    assert unfinished_loads(warehouse) == []
    pipeline = toy_pipeline.pipeline()
    assert pipeline.state["sources"]["toy"]["last_period"] == 3
    assert list(pipeline.list_completed_load_packages()) == []  # loaded packages are pruned from disk


def corrupt_pending_packages(name: str = toy_pipeline.PIPELINE) -> int:
    base = Path(pipelines_dir()) / name
    jobs = [p for p in base.rglob("*") if p.is_file() and ("new_jobs" in p.parts or "started_jobs" in p.parts)]
    for job in jobs:
        job.write_bytes(b"\x00not what dlt wrote")
    return len(jobs)


def test_a_package_that_cannot_be_finished_is_discarded_and_blocks_nothing(warehouse, capfd):
    toy_pipeline.load(1)
    killed_load(2, "normalize:1")  # extracted (and the cursor moved to 2 locally), never normalized
    pipeline = toy_pipeline.pipeline()
    assert pipeline.state["sources"]["toy"]["last_period"] == 2
    assert corrupt_pending_packages() > 0
    finish_pending(pipeline, say=print)
    said = capfd.readouterr().out
    assert "aurora_toy: discarded load package(s)" in said and "that could not be finished" in said
    assert not pipeline.has_pending_data
    # The local cursor is the warehouse's again: period 2 never arrived.
    assert pipeline.state["sources"]["toy"]["last_period"] == 1
    assert states(warehouse) == {"1": "loaded", "2": "discarded"}
    assert unfinished_loads(warehouse) == []  # nothing of it reached the warehouse: nothing to wait for
    toy_pipeline.load(3)
    assert table(warehouse, "a") == table(warehouse, "b") == rows(3)


def test_a_package_discarded_half_merged_has_its_period_loaded_again(warehouse, capfd):
    toy_pipeline.load(1)
    killed_load(2, "merge:1")
    assert corrupt_pending_packages() > 0
    finish_pending(toy_pipeline.pipeline())
    assert states(warehouse)["2"] == "abandoned"
    (load_id,) = periods_to_reload(warehouse, toy_pipeline.PIPELINE, "toy")
    assert periods_to_reload(warehouse, toy_pipeline.PIPELINE, "toy") == {load_id: "2"}
    assert [u.state for u in unfinished_loads(warehouse)] == ["abandoned"]  # builds wait for the reload
    toy_pipeline.load(2)
    assert unfinished_loads(warehouse) == [] and periods_to_reload(warehouse, toy_pipeline.PIPELINE, "toy") == {}
    assert table(warehouse, "a", completed_only=True) == table(warehouse, "b", completed_only=True) == rows(2)


def test_a_package_gone_from_disk_is_settled_not_waited_for(warehouse):
    """The pipeline's local files deleted by hand (or on another machine): nothing can finish
    the half-merged package, so its period is planned again instead of blocking every build."""
    import shutil

    toy_pipeline.load(1)
    killed_load(2, "merge:1")
    shutil.rmtree(Path(pipelines_dir()) / toy_pipeline.PIPELINE)
    toy_pipeline.load(3)
    assert states(warehouse) == {"1": "loaded", "2": "abandoned", "3": "loaded"}
    assert list(periods_to_reload(warehouse, toy_pipeline.PIPELINE, "toy").values()) == ["2"]
    toy_pipeline.load(2)
    assert unfinished_loads(warehouse) == []


def test_a_connection_lost_mid_load_ends_with_a_sentence_and_nothing_half_visible(warehouse, monkeypatch):
    """The warehouse drops every connection of the load step (pg_terminate_backend, as a
    restarted or failed-over server does): the load ends with a message, its rows stay out of
    sight, and the next load finishes it."""
    from dlt.destinations.job_client_impl import SqlLoadJob

    toy_pipeline.load(1)
    original = SqlLoadJob.run

    def run_after_losing_connections(self):
        from tests.support.db import execute

        execute(warehouse, "select pg_terminate_backend(pid) from pg_stat_activity "
                           "where datname = current_database() and pid <> pg_backend_pid()")
        original(self)

    monkeypatch.setattr(SqlLoadJob, "run", run_after_losing_connections)
    with pytest.raises(LoadError) as lost:
        toy_pipeline.load(2)
    message = str(lost.value)
    assert message.startswith("lost the connection to the warehouse while loading aurora_toy package")
    assert "server closed the connection" in message and "the next run" in message
    assert "Traceback" not in message
    monkeypatch.setattr(SqlLoadJob, "run", original)
    assert [(u.period_id, u.state) for u in unfinished_loads(warehouse)] == [("2", "committing")]
    for name in ("a", "b"):
        assert table(warehouse, name, completed_only=True) == rows(1)  # what a build reads: period 1, whole
    toy_pipeline.load(3)
    assert unfinished_loads(warehouse) == []
    assert table(warehouse, "a") == table(warehouse, "b") == rows(3)


def test_a_full_disk_mid_extract_ends_with_a_sentence_and_blocks_nothing(warehouse):
    import errno

    import dlt

    from loaders.runs import run_load

    toy_pipeline.load(1)

    @dlt.resource(name="a", write_disposition="merge", primary_key="id")
    def filling_the_disk():
        yield [{"id": 0, "period": 2, "value": 2000}]
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(LoadError) as full:
        run_load(toy_pipeline.pipeline(), filling_the_disk(), chain="toy", period="2")
    assert str(full.value).startswith("a disk is full ([Errno 28] No space left on device")
    assert "nothing of this package reached the warehouse" in str(full.value)
    assert unfinished_loads(warehouse) == [] and table(warehouse, "a") == rows(1)
    toy_pipeline.load(3)
    assert table(warehouse, "a") == table(warehouse, "b") == rows(3)


# ---------------------------------------------------------------- a period's first load appends
def append_rows(warehouse, completed_only: bool = False) -> list[tuple]:
    where = " where _dlt_load_id in (select load_id from raw_toy_append._dlt_loads where status = 0)" if completed_only else ""
    return query(warehouse, f"select epoch, validator_index, head_gwei from raw_toy_append.attestation_rewards{where}")


def keys_once(rows: list[tuple]) -> bool:
    return len({(e, v) for e, v, _ in rows}) == len(rows)


def staged(warehouse) -> bool:
    """Whether dlt ever merged attestation rewards (a merge creates the staging table)."""
    return query(warehouse, "select to_regclass('raw_toy_append_staging.attestation_rewards') is not null")[0][0]


def disposition() -> str:
    """The write disposition attestation rewards had in the pipeline's latest load."""
    from tests.support import toy_append

    return toy_append.pipeline().default_schema.get_table("attestation_rewards")["write_disposition"]


def test_a_first_load_appends_and_a_load_sharing_keys_with_a_loaded_period_merges(warehouse):
    from tests.support import toy_append

    per_period = 3 * toy_append.VALIDATORS
    toy_append.load(1, 100, repeat=5)  # five keys twice in the answer: the first of each is kept
    rows = append_rows(warehouse)
    assert len(rows) == per_period and keys_once(rows) and {h for _, _, h in rows} == {100}
    assert not staged(warehouse) and disposition() == "append"  # COPY straight into the raw table
    toy_append.load(1, 200, mode="new")  # the period has a package recorded: merged, not doubled
    assert staged(warehouse) and disposition() == "merge"
    toy_append.load(2, 300)  # new, but it shares epoch 11 with period 1, loaded: merged
    assert disposition() == "merge"
    toy_append.load(2, 400, mode="pending")  # a reload merges
    toy_append.load(3, 500, mode="heal")  # never loaded, but planned as a reload: merged
    toy_append.load(5, 600)  # new, and periods 4 and 6 never loaded: appended beside the history
    assert disposition() == "append"
    toy_append.load(4, 700)  # new, between two loaded periods (a backfill): merged
    assert disposition() == "merge"
    rows = append_rows(warehouse)
    assert len(rows) == 11 * toy_append.VALIDATORS and keys_once(rows)
    assert append_rows(warehouse, completed_only=True) == rows
    assert {e: h for e, _, h in rows} == {1: 200, 10: 200, 11: 400, 20: 400, 21: 500, 30: 500, 31: 700, 40: 700, 41: 700,
                                          50: 600, 51: 600}


def killed_append(period: int, value: int) -> None:
    done = subprocess.run([sys.executable, "-m", "tests.support.toy_append", str(period), str(value)], cwd=ROOT,
                          env={**os.environ, "AURORA_FAULT": "append:1", "LOAD__WORKERS": "1"}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr


@pytest.mark.parametrize("finished", [True, False], ids=["finished", "discarded"])
def test_an_append_killed_mid_load_is_never_doubled(warehouse, finished):
    """Killed after the rewards were COPYed into the raw table (invisible: their load is not
    complete), then the period is loaded again as `new` (the planner saw no completed load): the
    interrupted package is finished first (or discarded when it cannot be), and the new load
    merges, so every key is there once."""
    from tests.support import toy_append

    per_period = 3 * toy_append.VALIDATORS
    killed_append(1, 100)
    assert len(append_rows(warehouse)) == per_period and append_rows(warehouse, completed_only=True) == []
    if not finished:
        assert corrupt_pending_packages(toy_append.PIPELINE) > 0
        finish_pending(toy_append.pipeline())
        assert [u.state for u in unfinished_loads(warehouse)] == ["abandoned"]
    toy_append.load(1, 200)
    rows = append_rows(warehouse)
    assert len(rows) == per_period and keys_once(rows) and {h for _, _, h in rows} == {200}
    assert append_rows(warehouse, completed_only=True) == rows and unfinished_loads(warehouse) == []


def test_a_build_attaches_only_the_pipelines_with_something_to_finish(warehouse, monkeypatch):
    """recover_all, before every build, attaches a dlt pipeline (about 0.3 s of CPU each) only when
    a package of it is on disk unfinished, or the control table has one unsettled whose files
    are gone; what it then finishes or settles is the same as before."""
    import shutil

    import loaders.pipeline as pipeline_module

    attached = []
    make = pipeline_module.make_pipeline

    def counting(name, dataset, warehouse):
        attached.append(name)
        return make(name, dataset, warehouse)

    monkeypatch.setattr(pipeline_module, "known_pipelines", lambda: [(toy_pipeline.PIPELINE, toy_pipeline.DATASET)])
    monkeypatch.setattr(pipeline_module, "make_pipeline", counting)

    toy_pipeline.load(1)  # loaded and pruned: nothing to finish
    attached.clear()  # the load's own pipeline
    pipeline_module.recover_all(warehouse)
    assert attached == []

    killed_load(2, "normalize:1")  # an extracted package on disk
    pipeline_module.recover_all(warehouse)
    assert attached == [toy_pipeline.PIPELINE] and states(warehouse)["2"] == "loaded"
    pipeline_module.recover_all(warehouse)
    assert attached == [toy_pipeline.PIPELINE]  # finished: nothing left

    killed_load(3, "merge:1")  # half merged, then its files deleted: only the control table knows
    for package in (Path(pipelines_dir()) / toy_pipeline.PIPELINE / "load" / "normalized").iterdir():
        shutil.rmtree(package)
    assert states(warehouse)["3"] == "committing"
    pipeline_module.recover_all(warehouse)
    assert attached == [toy_pipeline.PIPELINE] * 2 and states(warehouse)["3"] == "abandoned"
