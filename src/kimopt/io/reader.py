"""Reading YAML and JSON documents defensively: size, encoding, syntax, tags, alias bombs.

The result is plain data (dicts, lists, scalars) plus the line of every key, so that later
messages can point at ``file:line``. Nothing in a file is ever executed: YAML tags that would
construct objects are refused, and so is a document with many aliases (a "billion laughs"
document is refused before anything is expanded).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kimopt.errors import Finding, InputError, Loc

MAX_BYTES = 32 * 1024 * 1024
MAX_ALIASES = 1000
MAX_NODES = 1_000_000  # nodes after expanding every alias; a planner's file has a few thousand
YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json",)
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


@dataclass
class Document:
    """A parsed file: its data and the line where each key path starts."""

    path: Path
    data: Any
    lines: dict[Loc, int | str] = field(default_factory=dict)  # line number, or a cell like "Kommunen!C7"

    def error(self, findings: list[Finding]) -> InputError:
        """An :class:`InputError` for findings inside this document."""
        return InputError(self.path, findings, self.data, self.lines)


def _fail(path: Path, code: str, **params: Any) -> InputError:
    return InputError(path, [Finding((), code, params)])


def read_bytes(path: Path) -> bytes:
    """The file's bytes after the checks every input gets (exists, is a file, size)."""
    if not path.exists():
        raise _fail(path, "file_missing")
    if path.is_dir():
        raise _fail(path, "file_is_directory")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _fail(path, "file_too_large", value=size, limit=MAX_BYTES)
        with path.open("rb") as handle:
            return handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise _fail(path, "file_unreadable", value=exc.strerror or type(exc).__name__) from None


def read_text(path: Path) -> str:
    """The file as text: refuses empty, binary and non-UTF-8 files."""
    raw = read_bytes(path)
    if not raw.strip():
        raise _fail(path, "file_empty")
    if b"\x00" in raw[:8192]:
        raise _fail(path, "file_binary")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(path, "file_encoding", value=f"{exc.start + 1}: 0x{raw[exc.start]:02x}") from None
    if sum(ch < " " and ch not in "\t\r\n" for ch in text[:8192]) > 8:
        raise _fail(path, "file_binary")
    return text


class _Loader(yaml.SafeLoader):
    """Safe loader with YAML 1.2 integers, duplicate-key detection and an alias budget."""

    aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise _AliasBomb(mark.line + 1)
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key; validation names it later
                continue
            if duplicate:
                raise _DuplicateKey(key, key_node.start_mark.line + 1)
        return super().construct_mapping(node, deep=deep)


class _AliasBomb(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int) -> None:
        self.key = key
        self.line = line


# YAML 1.1 reads 05170 as an octal number and 1:30 as 90; an AGS must stay text.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:int"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789"))


def _expanded_size(node: Any, memo: dict[int, int]) -> int:
    """Nodes the document would have with every alias written out (shared nodes counted once each use)."""
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # guards against recursive aliases while this node is being counted
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(item, memo) for item in node.value)
    else:
        size = 1
    memo[key] = min(size, MAX_NODES + 1)
    return memo[key]


def _node_lines(node: Any, loc: Loc, lines: dict[Loc, int | str], depth: int = 0) -> None:
    if depth > 50 or node is None:
        return
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                _node_lines(value_node, (*loc, key_node.value), lines, depth + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _node_lines(item, (*loc, i), lines, depth + 1)


def parse_yaml(path: Path, text: str) -> Document:
    """Parse YAML safely; syntax errors, tags, duplicates and alias bombs become findings."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None and _expanded_size(node, {}) > MAX_NODES:
            raise _AliasBomb(node.start_mark.line + 1)
        data = loader.construct_document(node) if node is not None else None
    except _AliasBomb as exc:
        raise _fail(path, "yaml_aliases", line=exc.line) from None
    except _DuplicateKey as exc:
        raise _fail(path, "yaml_duplicate_key", value=exc.key, line=exc.line) from None
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        tag = re.search(r"tag '([^']*)'", str(exc.problem))
        raise _fail(path, "yaml_tag", value=tag.group(1) if tag else exc.problem,
                    line=mark.line + 1 if mark else "?") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise _fail(path, "yaml_syntax", value=exc.problem or exc.context or "",
                    line=mark.line + 1 if mark else "?", column=mark.column + 1 if mark else "?") from None
    except RecursionError:
        raise _fail(path, "yaml_syntax", value="zu tief verschachtelt / nested too deeply",
                    line="?", column="?") from None
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        raise _fail(path, "yaml_syntax", value=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
                    line="?", column="?") from None
    finally:
        loader.dispose()
    lines: dict[Loc, int | str] = {}
    _node_lines(node, (), lines)
    if node is None:
        raise _fail(path, "file_empty")
    return Document(path, data, lines)


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key, 0)
        result[key] = value
    return result


def parse_json(path: Path, text: str) -> Document:
    """Parse JSON; syntax errors with line and column, duplicate keys refused."""
    try:
        data = json.loads(text, object_pairs_hook=_json_pairs)
    except json.JSONDecodeError as exc:
        raise _fail(path, "json_syntax", value=exc.msg, line=exc.lineno, column=exc.colno) from None
    except _DuplicateKey as exc:
        raise _fail(path, "yaml_duplicate_key", value=exc.key, line="?") from None
    except RecursionError:
        raise _fail(path, "json_syntax", value="zu tief verschachtelt / nested too deeply",
                    line="?", column="?") from None
    return Document(path, data)


def read_document(path: Path | str) -> Document:
    """Read a YAML or JSON file into a :class:`Document` (:func:`kimopt.load.read_input` picks
    this or the Excel reader by the file's suffix)."""
    path = Path(path)
    suffix = path.suffix.lower()
    text = read_text(path)
    if suffix in JSON_SUFFIXES:
        document = parse_json(path, text)
    elif suffix in YAML_SUFFIXES or suffix == "":
        document = parse_yaml(path, text)
    else:
        raise _fail(path, "file_suffix", value=suffix, choices=".yaml, .yml, .json, .xlsx")
    if document.data is None:
        raise _fail(path, "file_empty")
    if not isinstance(document.data, dict):
        raise _fail(path, "not_a_document", kind=type(document.data).__name__)
    return document
