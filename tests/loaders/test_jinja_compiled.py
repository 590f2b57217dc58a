"""dbt's Jinja texts are compiled to Python once per process (loaders/jinja_compiled.py): a text
compiled before by an environment of the same kind is handed its code, every render still sees
its own context, and a build from handed-on code compiles every node to the same SQL."""

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


def _sql(root) -> dict[str, str]:
    """Every compiled file's SQL, the build's own invocation id (an on-run-start hook's) aside."""
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    out = {str(p.relative_to(root)): uuid.sub("<invocation>", p.read_text()) for p in root.rglob("*.sql")}
    assert len(out) > 10
    return out
