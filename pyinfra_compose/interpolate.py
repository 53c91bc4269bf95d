"""Compose's variable interpolation, ported from compose-spec/compose-go.

`template/template.go` (Substitute, its regex and its brace counting) and
`interpolation/interpolation.go` (walking the parsed file, error messages with
the dotted path) are kept close to the Go so that odd inputs behave the same:
`${VAR:-{"json":1}}`, `${A:-x}${B}`, `${` (an "Invalid template" error), a
required-variable message that is itself interpolated. Used to resolve the
*local* copy of a compose file without docker on the machine running pyinfra.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pyinfra_compose.errors import SettingsError

# compose-go's names are "[_a-z][_a-z0-9]*" under (?i); Go's case folding adds
# KELVIN SIGN (K) and LONG S (s), so they are spelled out here.
_FIRST = "_a-zA-Z\u017f\u212a"
_NAME = f"[{_FIRST}][{_FIRST}0-9]*"
PATTERN = re.compile(
    rf"\$(?:(?P<escaped>\$)|(?P<named>{_NAME})|\{{(?:(?P<braced>{_NAME}(?::?[-+?](.*))?)\}}|(?P<invalid>)))"
)

Lookup = Callable[[str], "tuple[str, bool]"]


def _go_quote(text: str) -> str:
    """Go's %#v of a string (strconv.Quote) for the "Invalid template" message."""
    out = []
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif char in "\a\b\f\n\r\t\v":
            out.append("\\" + "abfnrtv"["\a\b\f\n\r\t\v".index(char)])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif not char.isprintable() and code > 0x7F:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


class InvalidTemplateError(SettingsError):
    def __init__(self, template: str | None = None) -> None:
        self.template = template
        super().__init__()

    def __str__(self) -> str:
        return f"Invalid template: {_go_quote(self.template or '')}"


class MissingRequiredError(SettingsError):
    def __init__(self, variable: str, reason: str) -> None:
        self.variable, self.reason = variable, reason
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.reason:
            return f"required variable {self.variable} is missing a value: {self.reason}"
        return f"required variable {self.variable} is missing a value"


def _partition(text: str, sep: str) -> tuple[str, str]:
    name, _, rest = text.partition(sep)
    return name, rest


def _when_absent(sep: str) -> Callable[[str, Lookup], tuple[str, bool]]:
    def substitute_default(substitution: str, mapping: Lookup) -> tuple[str, bool]:
        if sep not in substitution:
            return "", False
        name, default = _partition(substitution, sep)
        value, ok = mapping(name)
        if not ok or (sep == ":-" and value == ""):
            return substitute(default, mapping), True
        return value, True

    return substitute_default


def _when_present(sep: str) -> Callable[[str, Lookup], tuple[str, bool]]:
    def substitute_presence(substitution: str, mapping: Lookup) -> tuple[str, bool]:
        if sep not in substitution:
            return "", False
        name, alternative = _partition(substitution, sep)
        value, ok = mapping(name)
        if ok and (sep == "+" or value != ""):
            return substitute(alternative, mapping), True
        return value, True

    return substitute_presence


def _required(sep: str) -> Callable[[str, Lookup], tuple[str, bool]]:
    def substitute_required(substitution: str, mapping: Lookup) -> tuple[str, bool]:
        if sep not in substitution:
            return "", False
        name, message = _partition(substitution, sep)
        value, ok = mapping(name)
        if not ok or (sep == ":?" and value == ""):
            raise MissingRequiredError(name, substitute(message, mapping))
        return value, True

    return substitute_required


_FUNCTIONS = [
    (":?", _required(":?")),
    ("?", _required("?")),
    (":-", _when_absent(":-")),
    ("-", _when_absent("-")),
    (":+", _when_present(":+")),
    ("+", _when_present("+")),
]


def substitution_symbol(template: str) -> tuple[str, Callable[[str, Lookup], tuple[str, bool]]]:
    """getSubstitutionFunctionForTemplate: the operator that occurs first in the text."""
    found = [(template.find(sep), n) for n, (sep, _) in enumerate(_FUNCTIONS) if sep in template]
    return _FUNCTIONS[min(found)[1]] if found else _FUNCTIONS[0]


def first_brace_closing_index(text: str) -> int:
    """getFirstBraceClosingIndex, quirks included (the character after a "{" is skipped)."""
    depth, i = 0, 0
    while i < len(text):
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        if text[i] == "{":
            depth += 1
            i += 1
        i += 1
    return -1


def _replacement(substring: str, mapping: Lookup) -> str:
    """DefaultReplacementAppliedFunc for one match of PATTERN."""
    _, function = substitution_symbol(substring)
    closing = first_brace_closing_index(substring)
    rest = ""
    if closing > -1:
        substring, rest = substring[: closing + 1], substring[closing + 1 :]
    match = PATTERN.search(substring)
    if match is None:
        raise InvalidTemplateError()
    if match.group("escaped"):
        return match.group("escaped")
    substitution, braced = match.group("named") or "", False
    if not substitution:
        substitution, braced = match.group("braced") or "", True
    if not substitution:
        raise InvalidTemplateError()
    if braced:
        value, applied = function(substitution, mapping)
        if applied:
            return value + substitute(rest, mapping)
    return mapping(substitution)[0]


def substitute(template: str, mapping: Lookup) -> str:
    """template.Substitute; raises the first error (compose reports only that one)."""

    def replace(match: re.Match[str]) -> str:
        try:
            return _replacement(match.group(0), mapping)
        except InvalidTemplateError as error:
            if error.template is None:
                error.template = template
            raise

    return PATTERN.sub(replace, template)


def env_lookup(env: Mapping[str, str]) -> Lookup:
    return lambda name: (env[name], True) if name in env else ("", False)


def interpolate(value: str, env: Mapping[str, str]) -> str:
    """Resolve the variables in one string the way compose does."""
    return substitute(value, env_lookup(env))


def _path_error(path: str, error: SettingsError) -> SettingsError:
    """interpolation.newPathError's two messages."""
    if isinstance(error, InvalidTemplateError):
        return SettingsError(
            f"invalid interpolation format for {path}.\nYou may need to escape any $ with another $.\n{error.template}"
        )
    return SettingsError(f"error while interpolating {path}: {error}")


def interpolate_tree(node: object, env: Mapping[str, str], path: str = "") -> object:
    """Interpolate every string in a parsed YAML tree (keys are left alone, as compose does)."""
    if isinstance(node, str):
        try:
            return interpolate(node, env)
        except (InvalidTemplateError, MissingRequiredError) as error:
            raise _path_error(path, error) from None
    if isinstance(node, list):
        return [interpolate_tree(item, env, f"{path}.[]" if path else "[]") for item in node]
    if isinstance(node, dict):
        return {key: interpolate_tree(value, env, f"{path}.{key}" if path else str(key)) for key, value in node.items()}
    return node


@dataclass(frozen=True)
class Variable:
    name: str
    default: str = ""
    presence: str = ""
    required: bool = False


def extract_variables(value: str) -> list[Variable]:
    """template.extractVariable: every variable a string refers to, defaults included."""
    found = []
    for match in PATTERN.finditer(value):
        if match.group("escaped"):
            continue
        text = match.group("named") or ""
        if not text:
            text = match.group("braced") or ""
            whole = match.group(0)
            closing = first_brace_closing_index(whole)
            if closing > 0:
                text = whole[2:closing]
                found += extract_variables(whole[closing + 1 :])
        name, default, presence, required = text, "", "", False
        cut = re.search(r"[^A-Za-z0-9_]", text)
        if cut and cut.start() > 0:
            name, rest = text[: cut.start()], text[cut.start() :]
            if rest.startswith((":?", "?")):
                required = True
            elif rest.startswith((":-", "-")):
                default = rest[2:] if rest.startswith(":-") else rest[1:]
            elif rest.startswith((":+", "+")):
                presence = rest[2:] if rest.startswith(":+") else rest[1:]
        found.append(Variable(name, default, presence, required))
        for nested in (default, presence):
            if nested:
                found += extract_variables(nested)
    return found


def variable_names(value: str) -> set[str]:
    """Names of the variables a string refers to, defaults included (`$$` is no variable)."""
    return {v.name for v in extract_variables(value) if v.name}
