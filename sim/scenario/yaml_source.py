"""Reading YAML safely, with the line of every value.

PyYAML's ``safe_load`` forgets where values came from, silently keeps the last of two
duplicate keys, and follows YAML 1.1 (``no`` is ``False``, ``1e3`` is a string,
``1:20`` is 80). Scenario files need better: this module composes the node graph with
a YAML 1.2-style resolver and builds plain Python data together with a map from each
value's path (``("games", "troop", "players", 0)``) to its 1-based line, so that
every later error can name the line.

Nothing here executes YAML tags: only the safe constructors of ``yaml.SafeLoader``
are used (and on scalars only YAML's core tags), the number of nodes built is bounded
(alias bombs are refused) and so is the nesting of lists and mappings, checked while
the text is composed, before any recursive code could exceed Python's recursion limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from sim.errors import ScenarioError

__all__ = ["MAX_DEPTH", "MAX_NODES", "YamlDocument", "parse_yaml"]

Path = tuple[str | int, ...]

#: Most YAML nodes one document may expand to (aliases counted each time used).
MAX_NODES = 200_000
#: Deepest nesting of lists and mappings (a scenario needs about 12: an 8-player payoff
#: matrix); reading recurses about two Python frames per level, far below the limit.
MAX_DEPTH = 50
#: Longest whole number written in digits (Python refuses to read more than 4,300; any
#: number longer than about 310 digits is too large for a float anyway).
MAX_INTEGER_DIGITS = 1000

_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_COLLECTION_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq")
#: The tags a scalar may have: YAML 1.2's core schema (``!!timestamp``, ``!!binary``, ...
#: are refused).
_SCALAR_TAGS = (_BOOL, _INT, _FLOAT, "tag:yaml.org,2002:str", "tag:yaml.org,2002:null")
#: Tags YAML gives the plain values `<<` (a merge key) and `=`: meaningful only as keys.
_SPECIAL_TAGS = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")


class _TooDeepError(Exception):
    """Lists and mappings nest deeper than :data:`MAX_DEPTH`; ``line`` is 1-based."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema booleans and numbers, no timestamps, and a
    bound on nesting checked before each level is composed."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise _TooDeepError(event.start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL, _INT, _FLOAT, _TIMESTAMP)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# PyYAML tries these with `match`: each ends with \Z (`$` would also match before a final
# line break)
_Loader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)\Z"), list("tTfF"))
_Loader.add_implicit_resolver(_INT, re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)\Z"), list("-+0123456789"))
_Loader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z"
    ),
    list("-+0123456789."),
)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if len(text) > MAX_INTEGER_DIGITS:
        raise ValueError(
            f"a whole number of {len(text)} digits; the limit is {MAX_INTEGER_DIGITS} "
            "(sim.scenario.yaml_source.MAX_INTEGER_DIGITS), and a number must be below about 1.8e308"
        )
    if text[:2] in ("0x", "0o"):
        return int(text, 0)
    return int(text, 10)


_Loader.add_constructor(_INT, _construct_int)


@dataclass(frozen=True)
class YamlDocument:
    """Plain data read from YAML, with the line of each value.

    Attributes
    ----------
    data : Any
        Dicts (string keys), lists, strings, numbers, booleans and ``None``.
    lines : dict
        Path of a value (keys and list indices) -> 1-based line where it starts.
    filename : str
        Where the text came from, for messages.
    """

    data: Any
    lines: dict[Path, int] = field(repr=False)
    filename: str

    def line_of(self, path: Path) -> int | None:
        """Line of ``path``, or of its nearest ancestor that has one.

        Examples
        --------
        >>> doc = parse_yaml("a:\\n  b: [1, 2]\\n", "x.yaml")
        >>> doc.line_of(("a", "b", 1)), doc.line_of(("a", "zz"))
        (2, 1)
        """
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None

    def error(self, path: Path, message: str) -> ScenarioError:
        """A :class:`ScenarioError` pointing at ``path`` in this document."""
        return ScenarioError(message, file=self.filename, line=self.line_of(path), field=format_path(path))


def format_path(path: Path) -> str:
    """Dotted field path, list indices in brackets; a key with a line break or another
    unprintable character is quoted, so that a message stays one line.

    Examples
    --------
    >>> format_path(("games", "g", "payoffs", "EU", 0, 1))
    'games.g.payoffs.EU[0][1]'
    >>> format_path(("parameters", "cost\\n"))
    "parameters['cost\\\\n']"
    """
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not part.isprintable():
            text += f"[{part!r}]"
        else:
            text += f".{part}" if text else part
    return text


def parse_yaml(text: str, filename: str = "<string>") -> YamlDocument:
    """Parse one YAML document into plain data and the line of each value.

    Parameters
    ----------
    text : str
        The YAML text.
    filename : str
        Used in error messages.

    Raises
    ------
    ScenarioError
        On a syntax error, a duplicate key, a non-scalar key, an unsupported tag,
        a recursive alias, or more than :data:`MAX_NODES` nodes.

    Examples
    --------
    >>> doc = parse_yaml("answer: no\\nsize: 1e3\\n")
    >>> doc.data
    {'answer': 'no', 'size': 1000.0}
    """
    try:
        loader = _Loader(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"not readable as YAML text: {_reason(exc)}", file=filename) from None
    try:
        try:
            root = loader.get_single_node()
        except _TooDeepError as exc:
            raise ScenarioError(
                f"lists and mappings nest deeper than {MAX_DEPTH} levels (sim.scenario.yaml_source.MAX_DEPTH); "
                "a scenario needs far fewer: look for unclosed or repeated brackets "
                "(a game tree takes two levels per move: at most 22 moves deep)",
                file=filename,
                line=exc.line,
            ) from None
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else None
            problem = exc.problem or exc.context or "invalid YAML"
            raise ScenarioError(f"YAML syntax error: {problem}", file=filename, line=line) from None
        except yaml.YAMLError as exc:
            raise ScenarioError(f"not readable as YAML text: {_reason(exc)}", file=filename) from None
        builder = _Builder(loader, filename)
        data = builder.build(root, ()) if root is not None else None
        return YamlDocument(data=data, lines=builder.lines, filename=filename)
    finally:
        loader.dispose()


def _reason(exc: yaml.YAMLError) -> str:
    return " ".join(str(getattr(exc, "problem", None) or exc).split())


class _Builder:
    """Walks a composed node graph into plain data, recording lines."""

    def __init__(self, loader: _Loader, filename: str) -> None:
        self.loader = loader
        self.filename = filename
        self.lines: dict[Path, int] = {}
        self.count = 0
        self.active: set[int] = set()

    def fail(self, node: yaml.Node, message: str, path: Path) -> ScenarioError:
        return ScenarioError(message, file=self.filename, line=node.start_mark.line + 1, field=format_path(path))

    def build(self, node: yaml.Node, path: Path) -> Any:
        if len(path) >= MAX_DEPTH:  # aliases inside aliases nest deeper than the text does
            raise self.fail(
                node,
                f"with its aliases written out, the document nests deeper than {MAX_DEPTH} levels "
                "(sim.scenario.yaml_source.MAX_DEPTH); write the values out instead",
                path,
            )
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(
                node,
                f"the document expands to more than {MAX_NODES} values (sim.scenario.yaml_source.MAX_NODES) "
                "(an alias/anchor bomb?); write the values out instead",
                path,
            )
        self.lines.setdefault(path, node.start_mark.line + 1)
        if id(node) in self.active:
            raise self.fail(node, "a recursive alias (an anchor used inside itself)", path)
        if node.tag in _SPECIAL_TAGS:  # a plain `<<` or `=` as a value
            raise self.fail(node, f"{node.value!r} has a special meaning in YAML; put it in quotes", path)
        if node.tag not in (_SCALAR_TAGS if isinstance(node, yaml.ScalarNode) else _COLLECTION_TAGS):
            raise self.fail(node, f"the tag {node.tag!r} is not supported; remove it", path)
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
            return self._scalar(node, path)
        finally:
            self.active.discard(id(node))

    def _scalar(self, node: yaml.Node, path: Path) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError, KeyError) as exc:  # KeyError: `!!bool maybe`
            reason = getattr(exc, "problem", None) or str(exc)
            raise self.fail(node, f"cannot read this value: {reason}", path) from None

    def _mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        try:
            self.loader.flatten_mapping(node)
        except yaml.YAMLError as exc:
            reason = getattr(exc, "problem", None) or str(exc)
            raise self.fail(node, f"bad merge key: {reason}", path) from None
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, "a key must be plain text, not a list or mapping", path)
            key = str(key_node.value)
            if key in result:
                raise self.fail(
                    key_node,
                    f"duplicate key {key!r} (YAML would silently keep only the last one); remove or rename one of them",
                    (*path, key),
                )
            self.lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = self.build(value_node, (*path, key))
        return result
