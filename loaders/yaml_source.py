"""Read a YAML config file strictly and remember where each key sits, so errors can point at a line.

`read_yaml` is the one way Aurora reads a config file (chains, providers, operators, and any file
added later). It refuses, with the file, the key path, the line and what is allowed:

- a file larger than `YamlLimits.max_bytes` (32 MiB; `AURORA_CONFIG_MAX_BYTES` changes it),
- bytes that are not UTF-8, characters YAML does not allow, YAML syntax errors,
- a key that appears twice in one mapping, at any depth (YAML says keys are unique; PyYAML would
  silently keep the last one),
- aliases (`*x`) that together expand to more than `YamlLimits.max_alias_values` values: an
  "alias bomb" (nine levels of nine aliases, a few hundred bytes) would otherwise expand into
  billions. Anchors and aliases themselves are fine (yaml.safe_dump writes them for repeated
  values); `<<` merge keys are refused (they make a key's value depend on order),
- explicit tags (`!!binary`, `!!python/...`), non-scalar mapping keys, more than one document,
- more than `max_nodes` values or nesting deeper than `max_depth`.

The tree is built from the parser's events with an explicit stack, so neither the size nor the
depth of a file can exhaust memory or Python's recursion limit before a limit is hit.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

KeyPath = tuple[str | int, ...]

DEFAULT_MAX_BYTES = 32 * 1024 * 1024
MAX_BYTES_ENV = "AURORA_CONFIG_MAX_BYTES"
# Scalar tags a config file may carry, implicitly or spelled out (`!!str 123`).
_PLAIN_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")}


class ConfigError(Exception):
    """A config file is wrong. Carries every problem found, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class YamlLimits:
    """What one config file may hold. The defaults are far above any real Aurora config."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_nodes: int = 500_000  # every mapping, list and value counts once (aliases: their expansion)
    max_depth: int = 32
    max_alias_values: int = 10_000  # values all aliases of a file may expand to, together

    @classmethod
    def from_env(cls) -> "YamlLimits":
        raw = os.environ.get(MAX_BYTES_ENV)
        if not raw:
            return cls()
        if not raw.isdigit() or not 1024 <= int(raw) <= 1024**3:
            raise ConfigError([f"{MAX_BYTES_ENV}: must be a whole number of bytes from 1024 to {1024**3}, got {raw!r}"])
        return cls(max_bytes=int(raw))


@dataclass
class YamlSource:
    path: Path
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return file_label(self.path)

    def line_of(self, key_path: KeyPath) -> int | None:
        # Fall back to the closest parent that has a line: a missing key has none of its own.
        for end in range(len(key_path), -1, -1):
            line = self.lines.get(tuple(key_path[:end]))
            if line is not None:
                return line
        return None

    def problem(self, key_path: KeyPath, message: str) -> str:
        return problem_text(self.label, key_path, message, self.line_of(key_path))


def problem_text(label: str, key_path: KeyPath, message: str, line: int | None = None) -> str:
    """The one shape of every config message: `file: key.path: what is wrong (line N)`."""
    dotted = format_key_path(key_path)
    where = f"{label}: {dotted}: " if dotted else f"{label}: "
    return f"{where}{message}" + (f" (line {line})" if line else "")


def file_label(path: Path) -> str:
    """The file as the user knows it: relative to the working directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def format_key_path(key_path: KeyPath) -> str:
    out = ""
    for part in key_path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def read_yaml(path: Path, limits: YamlLimits | None = None) -> YamlSource:
    """Parse one config file strictly; raise ConfigError naming every problem that stops it."""
    path = Path(path)
    limits = limits or YamlLimits.from_env()
    label = file_label(path)
    if not path.exists():
        raise ConfigError([f"{label}: file not found"])
    if not path.is_file():
        raise ConfigError([f"{label}: is not a regular file"])
    try:
        with path.open("rb") as handle:
            raw = handle.read(limits.max_bytes + 1)
    except OSError as exc:
        raise ConfigError([f"{label}: cannot be read: {exc.strerror or exc}"]) from None
    if len(raw) > limits.max_bytes:
        size = path.stat().st_size
        raise ConfigError([
            f"{label}: is {_bytes(size)}; a config file may be at most {_bytes(limits.max_bytes)} "
            f"({MAX_BYTES_ENV} changes the limit)"
        ])
    text = _decode(raw, label)
    source = YamlSource(path=path, data=None)
    source.data = _Composer(text, source, limits).compose()
    return source


def _bytes(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n} bytes ({n / 1024 / 1024:.1f} MiB)"
    return f"{n} bytes"


def _decode(raw: bytes, label: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError([
            f"{label}: is not UTF-8 text: byte 0x{raw[exc.start]:02x} at line {line}, column {column}; "
            "config files must be saved as UTF-8"
        ]) from None


class _Abort(Exception):
    """Stop composing: the file cannot be read any further."""


@dataclass
class _Frame:
    container: dict | list
    key_path: KeyPath
    key: Any = None
    awaiting_key: bool = True
    key_lines: dict[Any, int] = field(default_factory=dict)
    anchor: str | None = None
    nodes_before: int = 0


class _Composer:
    """Builds plain Python data from parser events, checking every rule as it goes."""

    def __init__(self, text: str, source: YamlSource, limits: YamlLimits):
        self.source = source
        self.limits = limits
        self.problems: list[str] = []
        self.nodes = 0
        self.alias_values = 0
        self.anchors: dict[str, tuple[Any, int] | None] = {}  # None: anchored node still open
        self.stack: list[_Frame] = []
        self.root: Any = None
        self.text = text
        try:
            # libyaml's parser when PyYAML has it (several times faster); the same events either way.
            self.loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
        except yaml.YAMLError as exc:  # the reader checks characters up front
            raise ConfigError([self._yaml_error(exc)]) from None

    # ------------------------------------------------------------ driver
    def compose(self) -> Any:
        documents = 0
        try:
            while True:
                event = self.loader.get_event()
                if isinstance(event, yaml.StreamEndEvent):
                    break
                if isinstance(event, yaml.DocumentStartEvent):
                    documents += 1
                    if documents > 1:
                        self._fail((), "holds more than one YAML document (---); put everything in one", event)
                elif isinstance(event, (yaml.StreamStartEvent, yaml.DocumentEndEvent)):
                    continue
                else:
                    self._on_node_event(event)
        except yaml.YAMLError as exc:
            self.problems.append(self._yaml_error(exc))
        except _Abort:
            pass
        finally:
            self.loader.dispose()
        if self.problems:
            raise ConfigError(self.problems)
        return self.root

    def _on_node_event(self, event: yaml.Event) -> None:
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            frame = self.stack.pop()
            if frame.anchor is not None:
                self.anchors[frame.anchor] = (frame.container, self.nodes - frame.nodes_before)
            return
        path = self._path_of_next()
        if isinstance(event, yaml.AliasEvent):
            self._place(self._expand(event, path), event)
            return
        self.nodes += 1
        if self.nodes > self.limits.max_nodes:
            self._fail(path, f"the file holds more than {self.limits.max_nodes} values; that is the most a config file may hold", event)
        if isinstance(event, yaml.ScalarEvent):
            value = self._scalar(event, path)
            if event.anchor:
                self.anchors[event.anchor] = (value, 1)
            self._place(value, event)
            return
        tag = event.tag
        if tag not in (None, "!") and not (isinstance(event, yaml.MappingStartEvent) and tag == "tag:yaml.org,2002:map") \
                and not (isinstance(event, yaml.SequenceStartEvent) and tag == "tag:yaml.org,2002:seq"):
            self._fail(path, f"YAML tags ({_short_tag(tag)}) are not allowed in config files", event)
        if len(self.stack) >= self.limits.max_depth:
            self._fail(path, f"nests deeper than {self.limits.max_depth} levels; that is the deepest a config file may go", event)
        container: dict | list = {} if isinstance(event, yaml.MappingStartEvent) else []
        self._place(container, event)
        self.stack.append(_Frame(container, path, anchor=event.anchor, nodes_before=self.nodes - 1))
        if event.anchor:
            self.anchors[event.anchor] = None

    def _expand(self, event: yaml.AliasEvent, path: KeyPath) -> Any:
        """A copy of the anchored value, counted against the alias budget before it is made."""
        if event.anchor not in self.anchors:
            self._fail(path, f"alias *{event.anchor} refers to no anchor &{event.anchor} above it", event)
        anchored = self.anchors[event.anchor]
        if anchored is None:
            self._fail(path, f"alias *{event.anchor} is inside the value it refers to", event)
        value, size = anchored
        self.alias_values += size
        self.nodes += size
        if self.alias_values > self.limits.max_alias_values:
            self._fail(path, f"aliases expand to more than {self.limits.max_alias_values} values, the most a config "
                             "file may hold through aliases (an alias bomb?)", event)
        if self.nodes > self.limits.max_nodes:
            self._fail(path, f"the file holds more than {self.limits.max_nodes} values; that is the most a config file may hold", event)
        return copy.deepcopy(value)

    # ------------------------------------------------------------ placing values
    def _path_of_next(self) -> KeyPath:
        if not self.stack:
            return ()
        top = self.stack[-1]
        if isinstance(top.container, list):
            return top.key_path + (len(top.container),)
        return top.key_path if top.awaiting_key else top.key_path + (top.key,)

    def _place(self, value: Any, event: yaml.Event) -> None:
        line = event.start_mark.line + 1
        if not self.stack:
            self.root = value
            self.source.lines[()] = line
            return
        top = self.stack[-1]
        if isinstance(top.container, list):
            self.source.lines[top.key_path + (len(top.container),)] = line
            top.container.append(value)
            return
        if top.awaiting_key:
            if not isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)) or isinstance(value, (dict, list)):
                self._fail(top.key_path, "mapping keys must be plain values (a name or a number)", event)
            if not _hashable(value):
                self._fail(top.key_path, f"{value!r} cannot be a mapping key", event)
            if value in top.key_lines:
                # Reported, then skipped: the first value stays so later checks are not confused.
                self.problems.append(problem_text(
                    self.source.label, top.key_path + (value,),
                    f"duplicate key: '{value}' is already set at line {top.key_lines[value]}; each key may appear once",
                    line,
                ))
                top.key = _Duplicate(value)
            else:
                top.key_lines[value] = line
                top.key = value
                self.source.lines[top.key_path + (value,)] = line
            top.awaiting_key = False
            return
        if not isinstance(top.key, _Duplicate):
            top.container[top.key] = value
        top.awaiting_key = True

    def _scalar(self, event: yaml.ScalarEvent, path: KeyPath) -> Any:
        tag = event.tag
        if tag in (None, "!"):
            tag = "tag:yaml.org,2002:str" if tag == "!" else self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == "tag:yaml.org,2002:merge":
            self._fail(path, "merge keys (<<) are not allowed in config files; write the keys out", event)
        if tag not in _PLAIN_TAGS:
            self._fail(path, f"YAML tags ({_short_tag(event.tag)}) are not allowed in config files", event)
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            return self.loader.construct_object(node)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            self._fail(path, f"cannot be read as {tag.rsplit(':', 1)[-1]}: {exc}", event)

    # ------------------------------------------------------------ errors
    def _fail(self, path: KeyPath, message: str, event: yaml.Event) -> None:
        self.problems.append(problem_text(self.source.label, path, message, event.start_mark.line + 1))
        raise _Abort()

    def _yaml_error(self, exc: yaml.YAMLError) -> str:
        mark = getattr(exc, "problem_mark", None)
        if isinstance(exc, yaml.reader.ReaderError):
            line = self.text[: exc.position].count("\n") + 1
            code = ord(exc.character) if isinstance(exc.character, str) else exc.character
            return problem_text(
                self.source.label, (), f"invalid YAML: character #x{code:04x} is not allowed in YAML text", line,
            )
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        # No key path: where a syntax error sits in the tree is a guess; its line is not.
        text = problem_text(self.source.label, (), f"invalid YAML: {problem}")
        return text + (f" ({where})" if where else "")


class _Duplicate:
    """Marks the value slot of a duplicated key: parsed (to keep going), never stored."""

    def __init__(self, key: Any):
        self.key = key


def _short_tag(tag: str | None) -> str:
    return str(tag).replace("tag:yaml.org,2002:", "!!")


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True
