"""The agate type testers dbt reads query results with, built once per kind.

dbt turns every result it fetches (a macro's `run_query`, a relation's columns, a test's
failures) into an agate table. When a result has a text column it builds a new type tester
for it (dbt_common's `build_type_tester`), and with it new date and datetime types, each of
which sets up parsedatetime's locale tables: 1.2 ms of CPU a result, 463 results in a forced
whole build of the demo warehouse (about 0.55 s of its 9-10 s).

A type tester only reads its settings (the forced text columns, the null strings) when it
infers a table's column types, and the types it returns are shared by the tables that use them,
as dbt already shares its default tester among all results without text. Once `install()` has
run, `build_type_tester` returns the tester it built before for the same text columns and null
strings (up to 512 kinds kept, least recently used dropped first).
"""

from __future__ import annotations

import functools
import threading

_lock = threading.Lock()
_installed = False


def install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        from dbt_common.clients import agate_helper

        build = agate_helper.build_type_tester

        @functools.lru_cache(maxsize=512)
        def built(text_columns: tuple[str, ...], string_null_values: tuple[str, ...] | None):
            return build(text_columns, string_null_values=string_null_values)

        @functools.wraps(build)
        def build_type_tester(text_columns, string_null_values=("null", "")):
            nulls = None if string_null_values is None else tuple(string_null_values)
            return built(tuple(sorted(set(text_columns))), nulls)

        build_type_tester.cache_info = built.cache_info  # type: ignore[attr-defined]
        agate_helper.build_type_tester = build_type_tester
        _installed = True
