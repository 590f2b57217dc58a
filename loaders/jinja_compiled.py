"""Jinja texts dbt renders, compiled to Python once per process.

dbt renders every node's SQL, and many config strings, by compiling the text anew
(jinja2's `Environment.compile`: lex, parse, generate Python, `compile()`): 17% of the CPU of
dbt's node threads in a forced whole build of the demo warehouse. Texts repeat: the data tests of
one generic test share theirs (that build compiled 728 texts, 633 of them distinct), and a process
that builds again (the demo, the test suite, a scheduler that calls run_dbt) compiles every text
again.

While `kept()` is in force (run_dbt's dbt invocations), the code compiled from a text is kept and
handed to the next compile of the same text by an environment that generates the same code. The
key is what jinja2's lexer, parser, optimizer and code generator read from the environment: its
class (sandboxing, operator interception, code generator), the lexer's settings, the flags, the
finalizer, the extensions, and the filter and test functions themselves (the optimizer may call a
filter on constants). Rendering is untouched: each template is still made from the code with its
own globals, so every render sees its own node's context.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

LIMIT = 4096  # texts kept, the least recently used dropped first (a whole build compiles about 650)


class _Kept:
    def __init__(self) -> None:
        self.active = 0
        self.hits = 0
        self.misses = 0
        self.lock = threading.Lock()
        self.code: OrderedDict[tuple, Any] = OrderedDict()

    def get(self, key: tuple) -> Any | None:
        with self.lock:
            code = self.code.get(key)
            if code is None:
                self.misses += 1
            else:
                self.code.move_to_end(key)
                self.hits += 1
            return code

    def put(self, key: tuple, code: Any) -> None:
        with self.lock:
            self.code[key] = code
            while len(self.code) > LIMIT:
                self.code.popitem(last=False)


_kept = _Kept()
_installed = False


def _key(environment: Any, source: str) -> tuple:
    e = environment
    return (
        type(e), e.block_start_string, e.block_end_string, e.variable_start_string, e.variable_end_string,
        e.comment_start_string, e.comment_end_string, e.line_statement_prefix, e.line_comment_prefix,
        e.trim_blocks, e.lstrip_blocks, e.newline_sequence, e.keep_trailing_newline,
        e.optimized, e.is_async, e.finalize, e.autoescape,
        tuple(sorted((name, type(extension)) for name, extension in e.extensions.items())),
        # The functions themselves, not their ids: the key holds them, so no id is ever reused.
        tuple(sorted(e.filters.items(), key=lambda item: item[0])),
        tuple(sorted(e.tests.items(), key=lambda item: item[0])),
        source,
    )


def _install() -> None:
    global _installed
    with _kept.lock:
        if _installed:
            return
        import jinja2

        original = jinja2.Environment.compile

        def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
            # Only a text compiled to code and unnamed: a name or file name is written into the code.
            if not _kept.active or not isinstance(source, str) or name is not None or filename is not None \
                    or raw or defer_init:
                return original(self, source, name, filename, raw, defer_init)
            key = _key(self, source)
            code = _kept.get(key)
            if code is None:
                code = original(self, source, name, filename, raw, defer_init)  # a syntax error raises, as ever
                _kept.put(key, code)
            return code

        jinja2.Environment.compile = compile
        _installed = True


@contextmanager
def kept() -> Iterator[None]:
    """Within: a text compiled before in this process by an environment of the same kind is not
    compiled again."""
    _install()
    with _kept.lock:
        _kept.active += 1
    try:
        yield
    finally:
        with _kept.lock:
            _kept.active -= 1


def counts() -> tuple[int, int]:
    """(texts handed on, texts compiled) under `kept()` since the process started."""
    return _kept.hits, _kept.misses
