"""Reading YAML and JSON documents defensively: size, encoding, syntax, tags, alias bombs.

The result is plain data (dicts, lists, scalars) plus the line of every key, so that later
messages can point at ``file:line``. Nothing in a file is ever executed: YAML tags that would
construct objects are refused, and so is a document with many aliases (a "billion laughs"
document is refused before anything is expanded).
"""

from __future__ import annotations

import json
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kimopt.errors import Finding, InputError, Loc
from kimopt.numbers import MAX_NUMBER_TEXT, NumberError, to_fraction

MAX_BYTES = 32 * 1024 * 1024
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024  # a YAML/JSON instance or plan; a Kreis of 400 Kommunen has 100 KB
MAX_ALIASES = 1000
MAX_NODES = 1_000_000  # nodes after expanding every alias; a planner's file has a few thousand
MAX_COMPOSED = 200_000  # nodes as written (a Kreis of 400 Kommunen has about 12,000)
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


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The file's bytes after the checks every input gets (exists, is a regular file, size).

    A FIFO or a device is refused before it is opened: reading one could wait forever.
    """
    try:
        if not path.exists():
            raise _fail(path, "file_link_broken" if path.is_symlink() else "file_missing")
        if path.is_dir():
            raise _fail(path, "file_is_directory")
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise _fail(path, "file_not_regular")
        limit = MAX_BYTES if limit is None else min(limit, MAX_BYTES)
        if info.st_size > limit:
            raise _fail(path, "file_too_large", value=info.st_size, limit=limit)
        with path.open("rb") as handle:
            return handle.read(limit + 1)
    except PermissionError:
        raise _fail(path, "file_no_permission") from None
    except OSError as exc:
        raise _fail(path, "file_unreadable", value=exc.strerror or type(exc).__name__) from None


def read_text(path: Path, limit: int | None = None) -> str:
    """The file as text: refuses empty, binary and non-UTF-8 files."""
    raw = read_bytes(path, limit)
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


class _Checks:
    """Duplicate keys, merge keys and complex keys, found while a mapping is constructed."""

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Unsupported("yaml_merge_key", key_node.start_mark.line + 1)
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Unsupported("yaml_complex_key", key_node.start_mark.line + 1)
            key = self.construct_object(key_node, deep=True)  # type: ignore[attr-defined]
            duplicate = key in seen
            seen.add(key)
            if duplicate:
                raise _DuplicateKey(key, key_node.start_mark.line + 1)
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


class _Loader(_Checks, yaml.SafeLoader):
    """Safe loader in pure Python (where libyaml is missing), with an alias budget."""

    aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise _AliasBomb(mark.line + 1)
        return super().compose_node(parent, index)


_LIBYAML = getattr(yaml, "__with_libyaml__", False)
_CBase: Any = yaml.CSafeLoader if _LIBYAML else yaml.SafeLoader


class _FastLoader(_Checks, _CBase):  # type: ignore[misc, valid-type]
    """The same loader on libyaml: a 4 MB scalar takes milliseconds, not 20 seconds."""


class _Unsupported(Exception):
    def __init__(self, code: str, line: int) -> None:
        self.code = code
        self.line = line


class _AliasBomb(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int) -> None:
        self.key = key
        self.line = line


# YAML 1.1 reads 05170 as an octal number and 1:30 as 90; an AGS must stay text.
for _cls in (_Loader, _FastLoader):
    _cls.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:int"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _cls.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789"))


def _construct_int(loader: _Loader, node: Any) -> int | str:
    digits = str(node.value).replace("_", "")
    return _bounded_int(digits) if len(digits) > MAX_NUMBER_TEXT else loader.construct_yaml_int(node)


def _construct_float(loader: _Loader, node: Any) -> float | str:
    text = str(node.value).replace("_", "")
    return text if _too_long(text) else float(loader.construct_yaml_float(node))


for _cls in (_Loader, _FastLoader):
    _cls.add_constructor("tag:yaml.org,2002:int", _construct_int)
    _cls.add_constructor("tag:yaml.org,2002:float", _construct_float)


def _count_events(text: str) -> None:
    """Refuse, before anything is built, a document of more than :data:`MAX_COMPOSED` nodes or
    :data:`MAX_ALIASES` aliases (a node costs PyYAML about 700 bytes: 32 MiB of ``[1, 1, …]``
    would take gigabytes and minutes)."""
    nodes = aliases = 0
    for event in yaml.parse(text, Loader=_CBase):
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise _AliasBomb(line)
        elif isinstance(event, (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            nodes += 1
            if nodes > MAX_COMPOSED:
                raise _TooManyNodes(line)


class _TooManyNodes(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


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
    loader: Any = None
    try:
        _count_events(text)
        loader = _FastLoader(text) if _LIBYAML else _Loader(text)
        node = loader.get_single_node()
        if node is not None and _expanded_size(node, {}) > MAX_NODES:
            raise _AliasBomb(node.start_mark.line + 1)
        data = loader.construct_document(node) if node is not None else None
    except _AliasBomb as exc:
        raise _fail(path, "yaml_aliases", line=exc.line) from None
    except _TooManyNodes as exc:
        raise _fail(path, "yaml_too_many_nodes", line=exc.line, limit=MAX_COMPOSED) from None
    except _Unsupported as exc:
        raise _fail(path, exc.code, line=exc.line) from None
    except _DuplicateKey as exc:
        raise _fail(path, "yaml_duplicate_key", value=exc.key, line=exc.line) from None
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        tag = re.search(r"tag '([^']*)'", str(exc.problem))
        raise _fail(
            path, "yaml_tag", value=tag.group(1) if tag else exc.problem, line=mark.line + 1 if mark else "?"
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or ""
        if "nesting depth" in problem:  # libyaml's own bound
            problem = "zu tief verschachtelt / nested too deeply"
        raise _fail(
            path,
            "yaml_syntax",
            value=problem,
            line=mark.line + 1 if mark else "?",
            column=mark.column + 1 if mark else "?",
        ) from None
    except RecursionError:
        raise _fail(
            path, "yaml_syntax", value="zu tief verschachtelt / nested too deeply", line="?", column="?"
        ) from None
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        raise _fail(
            path,
            "yaml_syntax",
            value=str(exc).splitlines()[0] if str(exc) else type(exc).__name__,
            line="?",
            column="?",
        ) from None
    finally:
        if loader is not None:
            loader.dispose()
    lines: dict[Loc, int | str] = {}
    _node_lines(node, (), lines)
    if node is None:
        raise _fail(path, "file_empty")
    return Document(path, data, lines)


def _bounded_int(text: str) -> int | str:
    """An integer as written; beyond :data:`~kimopt.numbers.MAX_NUMBER_TEXT` digits the text
    itself, which the field's validation refuses by name (``int()`` of 5,000 digits raises)."""
    return int(text) if len(text) <= MAX_NUMBER_TEXT else text


def _too_long(text: str) -> bool:
    try:
        to_fraction(text)
    except NumberError as exc:
        return exc.code == "number_too_long"
    return False


def _bounded_float(text: str) -> float | str:
    """A decimal as written; beyond the bounds of :func:`~kimopt.numbers.to_fraction` the text
    itself (not ``inf``), so that the message shows what the planner wrote."""
    return text if _too_long(text) else float(text)


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key, 0)
        result[key] = value
    return result


def parse_json(path: Path, text: str) -> Document:
    """Parse JSON; syntax errors with line and column, duplicate keys refused."""
    if text.count(",") + text.count("[") + text.count("{") > MAX_COMPOSED:  # a bound on the values
        raise _fail(path, "file_too_many_nodes", limit=MAX_COMPOSED)
    try:
        data = json.loads(text, object_pairs_hook=_json_pairs, parse_int=_bounded_int, parse_float=_bounded_float)
    except json.JSONDecodeError as exc:
        raise _fail(path, "json_syntax", value=exc.msg, line=exc.lineno, column=exc.colno) from None
    except _DuplicateKey as exc:
        raise _fail(path, "yaml_duplicate_key", value=exc.key, line="?") from None
    except RecursionError:
        raise _fail(
            path, "json_syntax", value="zu tief verschachtelt / nested too deeply", line="?", column="?"
        ) from None
    return Document(path, data)


def read_document(path: Path | str) -> Document:
    """Read a YAML or JSON file into a :class:`Document` (:func:`kimopt.load.read_input` picks
    this or the Excel reader by the file's suffix)."""
    path = Path(path)
    suffix = path.suffix.lower()
    text = read_text(path, MAX_DOCUMENT_BYTES)
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
