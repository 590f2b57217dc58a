"""dbt's debug-level events are built only when something records them (loaders/dbt_events.py):
nothing a configured log level asks for is lost, and the SQL still reaches dbt's log at debug."""

from __future__ import annotations

import pytest
from dbt.adapters.events.types import SQLQuery
from dbt_common.events.base_types import EventLevel
from dbt_common.events.event_manager import EventManager
from dbt_common.events.types import Note

from loaders import dbt_events
from loaders.dbt_runner import run_dbt
from loaders.warehouse import aurora_home


def delivered(*fired) -> list[str]:
    """The messages a callback of a fresh event manager receives for (event, level) pairs."""
    manager, seen = EventManager(), []
    manager.add_callback(lambda msg: seen.append(f"{msg.info.name}: {msg.info.msg}"))
    for event, level in fired:
        manager.fire_event(event, level=level)
    return seen


def test_a_skipped_debug_event_is_built_only_if_fired_above_debug():
    with dbt_events.skipped():
        query = SQLQuery(conn_name="model.x", sql="select 1")
        note = Note(msg="kept")
        assert query.pb_msg is None and note.pb_msg is not None
        assert delivered((query, None), (query, EventLevel.DEBUG), (note, None)) == ["Note: kept"]
        raised = SQLQuery(conn_name="model.x", sql="select 2")
        assert delivered((raised, EventLevel.WARN)) == ["SQLQuery: On model.x: select 2"]


def test_the_events_a_callback_of_run_dbt_reads_are_built_while_skipping():
    from dbt.events.types import NodeFinished

    assert dbt_events.NODE_FINISHED == NodeFinished.__name__ and dbt_events.NODE_FINISHED in dbt_events.KEPT
    with dbt_events.skipped():
        finished = NodeFinished(node_info={"node_name": "stake_rewards"}, run_result={})
    assert finished.pb_msg is not None and finished.level_tag() == EventLevel.DEBUG  # a debug event
    assert [m.split(":")[0] for m in delivered((finished, None))] == ["NodeFinished"]


def test_outside_it_or_not_skipping_every_event_is_built_and_delivered():
    for context in (dbt_events.skipped(False), dbt_events.skipped(True)):
        with context:
            pass
        query = SQLQuery(conn_name="model.x", sql="select 3")
        assert query.pb_msg is not None
        assert delivered((query, None)) == ["SQLQuery: On model.x: select 3"]


@pytest.mark.parametrize(("env", "args", "recorded"), [
    ({}, ["build"], False),
    ({"DBT_LOG_LEVEL_FILE": "info"}, ["build", "--select", "x"], False),
    ({"DBT_LOG_LEVEL_FILE": "debug"}, ["build"], True),
    ({"DBT_LOG_LEVEL": "DEBUG"}, ["build"], True),
    ({"DBT_DEBUG": "true"}, ["build"], True),
    ({}, ["build", "--debug"], True),
    ({}, ["build", "--log-level-file", "debug"], True),
    ({}, ["build", "--log-level=debug"], True),
])
def test_debug_is_recorded_when_the_environment_or_the_arguments_ask(monkeypatch, env, args, recorded):
    for name in ("DBT_LOG_LEVEL_FILE", "DBT_LOG_LEVEL", "DBT_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert dbt_events.debug_recorded(args) is recorded


def test_dbts_log_has_the_sql_at_debug_and_not_at_info(warehouse, monkeypatch):
    log = aurora_home() / "dbt" / "logs" / "dbt.log"
    for level, written in (("info", False), ("debug", True)):
        monkeypatch.setenv("DBT_LOG_LEVEL_FILE", level)
        marker = f"aurora_events_{level}"
        outcome = run_dbt(warehouse, ["show", "--inline", f"select 1 as x /* {marker} */"], quiet=True)
        assert outcome.success, outcome.error
        assert (marker in log.read_text()) is written, level
