"""dbt's Jinja texts are compiled to Python once per process (loaders/jinja_compiled.py): a text
compiled before by an environment of the same kind is handed its code, every render still sees
its own context, and a build from handed-on code compiles every node to the same SQL. With a
store, the code outlives the process: a new process is handed it from the file, only for
environments whose functions the file's header names, never from a damaged file or one of other
versions."""

from __future__ import annotations

import re
import shutil

import jinja2
import jinja2.sandbox
import pytest

from loaders import jinja_compiled
from loaders.dbt_runner import run_dbt
from loaders.warehouse import aurora_home


def compiles(environment, source: str) -> tuple[object, int]:
    """(the code, how many texts were compiled) for one compile under kept()."""
    before = jinja_compiled.counts()[1]
    with jinja_compiled.kept():
        code = environment.compile(source)
    return code, jinja_compiled.counts()[1] - before


def test_the_same_text_in_the_same_kind_of_environment_is_compiled_once():
    text = "select {{ column | upper }} from {{ this }} -- once"
    first, compiled = compiles(jinja2.Environment(), text)
    again, compiled_again = compiles(jinja2.Environment(), text)
    assert compiled == 1 and compiled_again == 0 and again is first
    # Each render has its own globals.
    with jinja_compiled.kept():
        a = jinja2.Environment().from_string(text).render(column="a", this="t1")
        b = jinja2.Environment().from_string(text).render(column="b", this="t2")
    assert (a, b) == ("select A from t1 -- once", "select B from t2 -- once")


@pytest.mark.parametrize("other", [
    lambda: jinja2.sandbox.SandboxedEnvironment(),  # another class: sandboxed attribute access
    lambda: jinja2.Environment(variable_start_string="[[", variable_end_string="]]"),  # another lexer
    lambda: jinja2.Environment(trim_blocks=True),
    lambda: jinja2.Environment(optimized=False),
    lambda: jinja2.Environment(extensions=["jinja2.ext.do"]),
], ids=["sandboxed", "delimiters", "trim-blocks", "not-optimized", "extension"])
def test_an_environment_that_generates_other_code_compiles_its_own(other):
    text = "{% if x %}{{ x }}{% endif %} [[ x ]] -- kinds"
    mine, _ = compiles(jinja2.Environment(), text)
    theirs, compiled = compiles(other(), text)
    assert compiled == 1 and theirs is not mine


def test_another_filter_function_of_the_same_name_compiles_its_own():
    text = "{{ 'abc' | shout }} -- filters"  # a constant: the optimizer calls the filter while compiling
    loud, quiet = jinja2.Environment(), jinja2.Environment()
    loud.filters["shout"] = lambda s: s.upper() + "!"
    quiet.filters["shout"] = lambda s: s.lower()
    with jinja_compiled.kept():
        assert loud.from_string(text).render() == "ABC! -- filters"
        assert quiet.from_string(text).render() == "abc -- filters"


def test_outside_kept_nothing_is_kept():
    text = "{{ 1 + 1 }} -- outside"
    before = jinja_compiled.counts()
    assert jinja2.Environment().compile(text) is not jinja2.Environment().compile(text)
    assert jinja_compiled.counts() == before


def test_a_syntax_error_is_raised_every_time():
    for _ in range(2):
        with jinja_compiled.kept(), pytest.raises(jinja2.TemplateSyntaxError):
            jinja2.Environment().compile("{% if %} -- broken")


def stored(store, environment, source: str) -> tuple[str, int, int]:
    """(the render, texts compiled, texts handed from the store) in a process that starts afresh."""
    jinja_compiled.forget()
    compiled, handed = jinja_compiled.counts()[1], jinja_compiled.stored_hits()
    with jinja_compiled.kept(store=store):
        rendered = environment.from_string(source).render(x="y")
    return rendered, jinja_compiled.counts()[1] - compiled, jinja_compiled.stored_hits() - handed


def test_a_new_process_is_handed_the_stored_code(tmp_path):
    store = tmp_path / "jinja_code.bin"
    text = "{% for i in range(2) %}{{ x | upper }}{{ i }}{% endfor %} -- stored"
    assert stored(store, jinja2.Environment(), text) == ("Y0Y1 -- stored", 1, 0)
    assert store.is_file()
    written = store.stat().st_mtime_ns
    assert stored(store, jinja2.Environment(), text) == ("Y0Y1 -- stored", 0, 1)
    assert store.stat().st_mtime_ns == written  # nothing new compiled: the file is not written again
    # Another kind of environment is another key: compiled, and the file keeps both.
    assert stored(store, jinja2.Environment(trim_blocks=True), text) == ("Y0Y1 -- stored", 1, 0)
    assert stored(store, jinja2.Environment(), text)[1:] == (0, 1)
    assert stored(store, jinja2.Environment(trim_blocks=True), text)[1:] == (0, 1)


def test_an_environment_with_a_function_the_store_cannot_name_is_not_stored(tmp_path):
    store = tmp_path / "jinja_code.bin"
    text = "{{ 'abc' | shout }} -- own filter"  # folded while compiling: the code holds the filter's result
    loud = jinja2.Environment()
    loud.filters["shout"] = lambda s: s.upper() + "!"
    assert stored(store, loud, text) == ("ABC! -- own filter", 1, 0)
    quiet = jinja2.Environment()
    quiet.filters["shout"] = lambda s: s.lower()
    assert stored(store, quiet, text) == ("abc -- own filter", 1, 0)
    assert not store.exists()
    # A policy the optimizer folds with is part of the key.
    short, long = jinja2.Environment(), jinja2.Environment()
    short.policies["truncate.leeway"], long.policies["truncate.leeway"] = 0, 20
    text = "{{ 'a long sentence of words' | truncate(12) }} -- leeway"
    assert stored(store, short, text)[:2] == ("a long... -- leeway", 1)
    assert stored(store, long, text)[:2] == ("a long sentence of words -- leeway", 1)


def test_a_damaged_store_or_one_of_other_versions_is_ignored_and_rewritten(tmp_path, monkeypatch):
    store = tmp_path / "jinja_code.bin"
    text = "{{ x ~ x }} -- damaged"
    assert stored(store, jinja2.Environment(), text)[1:] == (1, 0)
    data = bytearray(store.read_bytes())
    data[-5] ^= 0xFF  # one flipped byte in the marshalled code
    store.write_bytes(bytes(data))
    assert stored(store, jinja2.Environment(), text) == ("yy -- damaged", 1, 0)
    assert stored(store, jinja2.Environment(), text)[1:] == (0, 1)  # rewritten whole
    store.write_bytes(store.read_bytes()[:40])  # cut short
    assert stored(store, jinja2.Environment(), text)[1:] == (1, 0)
    header = jinja_compiled._header()
    monkeypatch.setattr(jinja_compiled, "_header", lambda: header.replace(b"jinja2=", b"jinja2=0.0+"))
    assert stored(store, jinja2.Environment(), text)[1:] == (1, 0)  # another jinja2: compiled again


def test_a_store_that_cannot_be_written_only_costs_the_compile(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    assert stored(blocked / "jinja_code.bin", jinja2.Environment(), "{{ x }} -- unwritable") == ("y -- unwritable", 1, 0)


def test_a_build_from_handed_on_code_compiles_every_node_to_the_same_sql(warehouse, config_files, tmp_path):
    from typer.testing import CliRunner

    from loaders.cli import app

    loaded = CliRunner().invoke(app, ["--chains", str(config_files["chains"]), "--providers", str(config_files["providers"]),
                                      "registry", "load"])
    assert loaded.exit_code == 0, loaded.output
    args = ["build", "--select", "+registry", "--indirect-selection", "cautious"]
    compiled = aurora_home() / "dbt" / "target" / "compiled"
    first = run_dbt(warehouse, args, quiet=True, force=True)
    assert first.success and len(first.nodes) > 10
    shutil.copytree(compiled, tmp_path / "first")
    shutil.rmtree(compiled)
    hits = jinja_compiled.counts()[0]
    second = run_dbt(warehouse, args, quiet=True, force=True)
    assert second.success and jinja_compiled.counts()[0] - hits >= len(second.nodes)  # each node's text handed on
    assert sorted((n.name, n.status) for n in second.nodes) == sorted((n.name, n.status) for n in first.nodes)
    assert _sql(tmp_path / "first") == _sql(compiled)
    # A new process: every node's text from the store the builds wrote, none compiled again.
    shutil.rmtree(compiled)
    jinja_compiled.forget()
    (hits, compiled_before), handed = jinja_compiled.counts(), jinja_compiled.stored_hits()
    third = run_dbt(warehouse, args, quiet=True, force=True)
    from_store = jinja_compiled.stored_hits() - handed
    assert third.success and from_store > 0 and jinja_compiled.counts()[1] == compiled_before  # none compiled
    assert from_store + jinja_compiled.counts()[0] - hits >= len(third.nodes)  # the rest repeats a stored text
    assert _sql(tmp_path / "first") == _sql(compiled)


def _sql(root) -> dict[str, str]:
    """Every compiled file's SQL, the build's own invocation id (an on-run-start hook's) aside."""
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    out = {str(p.relative_to(root)): uuid.sub("<invocation>", p.read_text()) for p in root.rglob("*.sql")}
    assert len(out) > 10
    return out
