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

`kept(store=path)` also keeps the code between processes (every `aurora build` is a new
process: at 100,000 validators a new day's build compiled 454 texts, 0.69 s of its 6.77 s of
CPU). The store is one file of marshalled code, the form jinja2's own bytecode cache writes,
read when the context is entered and written again, atomically, when it ends having compiled
something new. Only an environment whose code cannot depend on anything the file does not name is
stored: its class, extensions, finalizer, filters and tests are all defined at the top level of
jinja2, markupsafe, dbt's packages, Python's builtins or `operator`, whose versions (and
Python's) head the file; a file of other versions, or whose checksum does not match, is ignored
and rewritten. Any other environment (a plugin's filter, a test's lambda) is kept in the process
only.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

LIMIT = 4096  # texts kept, the least recently used dropped first (a whole build compiles about 650)
FORMAT = b"aurora jinja code 1"
# Where the functions an environment compiles with may come from for its code to be stored: their
# code changes only with these packages' versions, which the store's header names.
STORED_MODULES = ("jinja2", "markupsafe", "dbt", "dbt_common", "builtins", "_operator", "operator")
STORED_PACKAGES = ("jinja2", "markupsafe", "dbt-core", "dbt-common", "dbt-adapters", "dbt-postgres")


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
            if code is not None:
                self.code.move_to_end(key)
                self.hits += 1
            return code

    def compiled(self) -> None:
        with self.lock:
            self.misses += 1

    def put(self, key: tuple, code: Any) -> None:
        with self.lock:
            self.code[key] = code
            while len(self.code) > LIMIT:
                self.code.popitem(last=False)


class _Store:
    """The code of stored environments' texts, by digest, as one file read and written whole."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.path: Path | None = None
        self.blobs: OrderedDict[bytes, bytes] = OrderedDict()  # digest -> marshalled code, oldest first
        self.added = 0  # texts compiled since the file was read
        self.hits = 0

    def open(self, path: Path) -> None:
        with self.lock:
            if self.path == path:
                return
            self.path, self.added = path, 0
            self.blobs = _read_store(path)

    def get(self, digest: bytes) -> Any | None:
        with self.lock:
            blob = self.blobs.get(digest)
            if blob is None:
                return None
            self.blobs.move_to_end(digest)  # used: the last dropped
            self.hits += 1
        return marshal.loads(blob)

    def put(self, digest: bytes, code: Any) -> None:
        blob = marshal.dumps(code)
        with self.lock:
            self.blobs[digest] = blob
            self.added += 1
            while len(self.blobs) > LIMIT:
                self.blobs.popitem(last=False)

    def close(self) -> None:
        with self.lock:
            path, blobs, added = self.path, list(self.blobs.items()), self.added
            self.path, self.blobs, self.added = None, OrderedDict(), 0
        if path is not None and added:
            _write_store(path, blobs)


_kept = _Kept()
_store = _Store()
_installed = False


def _settings(environment: Any) -> tuple:
    """What jinja2's lexer, parser, optimizer and code generator read from the environment,
    besides its class and functions."""
    e = environment
    return (
        e.block_start_string, e.block_end_string, e.variable_start_string, e.variable_end_string,
        e.comment_start_string, e.comment_end_string, e.line_statement_prefix, e.line_comment_prefix,
        e.trim_blocks, e.lstrip_blocks, e.newline_sequence, e.keep_trailing_newline,
        e.optimized, e.is_async, e.autoescape,
        tuple(sorted(getattr(e, "intercepted_binops", ()))), tuple(sorted(getattr(e, "intercepted_unops", ()))),
        # Policies: the optimizer folds a filter of constants with them (truncate's leeway, tojson's
        # dumps), and the i18n extension parses by one.
        repr(sorted(e.policies.items())),
    )


def _key(environment: Any, source: str) -> tuple:
    e = environment
    return (
        type(e), _settings(e), e.finalize,
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
                digest = _stored_digest(self, source) if _store.path is not None else None
                code = _store.get(digest) if digest is not None else None
                if code is None:
                    _kept.compiled()
                    code = original(self, source, name, filename, raw, defer_init)  # a syntax error raises, as ever
                    if digest is not None:
                        _store.put(digest, code)
                _kept.put(key, code)
            return code

        jinja2.Environment.compile = compile
        _installed = True


@contextmanager
def kept(store: Path | None = None) -> Iterator[None]:
    """Within: a text compiled before in this process by an environment of the same kind is not
    compiled again; with `store`, nor one whose code that file holds (written back when the
    outermost context with a store ends, if anything new was compiled)."""
    _install()
    with _kept.lock:
        _kept.active += 1
        owner = store is not None and _store.path is None
        if owner:
            _store.open(Path(store))
    try:
        yield
    finally:
        with _kept.lock:
            _kept.active -= 1
        if owner:
            _store.close()


def counts() -> tuple[int, int]:
    """(texts handed on, texts compiled) under `kept()` since the process started."""
    return _kept.hits, _kept.misses


def stored_hits() -> int:
    """Texts whose code came from a store since the process started."""
    return _store.hits


def forget() -> None:
    """Drop the code kept in this process (as a new process would start); stores are untouched."""
    with _kept.lock:
        _kept.code.clear()


def _stored_digest(environment: Any, source: str) -> bytes | None:
    """The store's key for `source` compiled by `environment`, None when that environment's code
    may depend on a function the store cannot name."""
    describe = _describe(environment)
    if describe is None:
        return None
    return hashlib.sha256(describe + b"\0" + source.encode("utf-8", "surrogatepass")).digest()


def _describe(environment: Any) -> bytes | None:
    e = environment
    named = [("class", type(e)), *([("finalize", e.finalize)] if e.finalize is not None else [])]
    named += [("extension", type(extension)) for _, extension in sorted(e.extensions.items())]
    named += [(f"filter {name}", f) for name, f in sorted(e.filters.items(), key=lambda item: item[0])]
    named += [(f"test {name}", f) for name, f in sorted(e.tests.items(), key=lambda item: item[0])]
    names = [(role, _name(value)) for role, value in named]
    # A function as autoescape decides per template name; a function as a policy has no stable name.
    if any(name is None for _, name in names) or e.autoescape not in (True, False) or not _plain(e.policies):
        return None
    return (repr(_settings(e)) + "\n" + "\n".join(f"{role} {name}" for role, name in names)).encode(
        "utf-8", "surrogatepass")


def _plain(value: Any) -> bool:
    """Whether repr(value) says all of it: strings, numbers, None and containers of them."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return True
    if isinstance(value, dict):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(_plain(item) for item in value)
    return False


def _name(value: Any) -> str | None:
    """module.qualname of a function or class defined at the top level of a stored module, else None."""
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", None)
    # A function made inside another may hold a value of that call; one at a module's top level
    # (dbt's `as_text` is a lambda there) is fixed by its package's version.
    if not isinstance(module, str) or not isinstance(qualname, str) or "<locals>" in qualname:
        return None
    if module.split(".")[0] not in STORED_MODULES:
        return None
    return f"{module}.{qualname}"


@functools.lru_cache(maxsize=1)
def _header() -> bytes:
    import importlib.metadata
    import sys

    import jinja2.bccache

    versions = ";".join(f"{p}={importlib.metadata.version(p)}" for p in STORED_PACKAGES)
    return b"\n".join([FORMAT, jinja2.bccache.bc_magic, sys.version.encode(), versions.encode()])


def _read_store(path: Path) -> OrderedDict[bytes, bytes]:
    """The file's code by digest; empty when it is missing, of other versions, or damaged."""
    try:
        data = path.read_bytes()
    except OSError:
        return OrderedDict()
    header = _header()
    checksum_at = len(header) + 1
    if not data.startswith(header + b"\n") or len(data) < checksum_at + 32:
        return OrderedDict()
    checksum, payload = data[checksum_at:checksum_at + 32], data[checksum_at + 32:]
    if hashlib.sha256(payload).digest() != checksum:
        return OrderedDict()
    try:
        entries = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return OrderedDict()
    if not isinstance(entries, list):
        return OrderedDict()
    return OrderedDict((digest, blob) for digest, blob in entries
                       if isinstance(digest, bytes) and isinstance(blob, bytes))


def _write_store(path: Path, entries: list[tuple[bytes, bytes]]) -> None:
    """Replace the file whole; another process reads the old file or the new, never a part."""
    payload = marshal.dumps(entries)
    data = _header() + b"\n" + hashlib.sha256(payload).digest() + payload
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        pass  # a cache: a build that cannot write it compiles again next time
