"""Read a YAML config file and remember where each key sits, so errors can point at a line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

KeyPath = tuple[str | int, ...]


class ConfigError(Exception):
    """A config file is wrong. Carries every problem found, one line each."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


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
        dotted = format_key_path(key_path)
        where = f"{self.label}: {dotted}: " if dotted else f"{self.label}: "
        line = self.line_of(key_path)
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
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def read_yaml(path: Path) -> YamlSource:
    label = file_label(path)
    if not path.exists():
        raise ConfigError([f"{label}: file not found"])
    text = path.read_text()
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([f"{label}: invalid YAML: {problem}{where}"]) from None
    source = YamlSource(path=path, data=data)
    if node is not None:
        _record_lines(node, (), source.lines)
    return source


def _record_lines(node: yaml.Node, key_path: KeyPath, lines: dict[KeyPath, int]) -> None:
    lines[key_path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = key_path + (key_node.value,)
            _record_lines(value_node, child, lines)
            lines[child] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, key_path + (index,), lines)
