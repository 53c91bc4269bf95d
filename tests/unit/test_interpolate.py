"""interpolate.py against compose-go's own tests (compose-spec/compose-go at e70e961):
template/template_test.go, template/variables_test.go, interpolation/interpolation_test.go.
Each case names its upstream test function. Not ported: the tests of custom
substitution/replacement functions and of log warnings (no such options here), the
type casts of TestInterpolateWithCast and TestPathMatches (tree paths)."""

from __future__ import annotations

import pytest

from pyinfra_compose.errors import SettingsError
from pyinfra_compose.interpolate import (
    InvalidTemplateError,
    MissingRequiredError,
    Variable,
    extract_variables,
    interpolate,
    interpolate_tree,
    substitution_symbol,
)

# template_test.go's defaults
DEFAULTS = {"FOO": "first", "BAR": "", "JSON": '{"json":2}'}

TEMPLATE_CASES = [
    ("TestEscaped", "$${foo}", "${foo}"),
    ("TestSubstituteNoMatch", "foo", "foo"),
    ("TestUnescaped", "a $ string", "a $ string"),
    ("TestUnescaped", "^REGEX$", "^REGEX$"),
    ("TestUnescaped", "$}", "$}"),
    ("TestUnescaped", "$", "$"),
    ("TestNonBraced", "$FOO-bar", "first-bar"),
    ("TestNoValueNoDefault", "This ${missing} var", "This  var"),
    ("TestNoValueNoDefault", "This ${BAR} var", "This  var"),
    ("TestValueNoDefault", "This $FOO var", "This first var"),
    ("TestValueNoDefault", "This ${FOO} var", "This first var"),
    ("TestNoValueWithDefault", "ok ${missing:-def}", "ok def"),
    ("TestNoValueWithDefault", "ok ${missing-def}", "ok def"),
    ("TestLazyDefaultDoesNotWarn", "${A:+${A},}B", "B"),
    ("TestLazyDefaultWarnsWhenUsed", "${A:-${B}}", ""),
    ("TestEmptyValueWithSoftDefault", "ok ${BAR:-def}", "ok def"),
    ("TestValueWithSoftDefault", "ok ${FOO:-def}", "ok first"),
    ("TestEmptyValueWithHardDefault", "ok ${BAR-def}", "ok "),
    ("TestPresentValueWithUnset", "ok ${UNSET_VAR:+presence_value}", "ok "),
    ("TestPresentValueWithUnset2", "ok ${UNSET_VAR+presence_value}", "ok "),
    ("TestPresentValueWithNonEmpty", "ok ${FOO:+presence_value}", "ok presence_value"),
    ("TestPresentValueAndNonEmptyWithNonEmpty", "ok ${FOO+presence_value}", "ok presence_value"),
    ("TestPresentValueWithSet", "ok ${BAR+presence_value}", "ok presence_value"),
    ("TestPresentValueAndNotEmptyWithSet", "ok ${BAR:+presence_value}", "ok "),
    ("TestNonAlphanumericDefault", "ok ${BAR:-/non:-alphanumeric}", "ok /non:-alphanumeric"),
    ("TestInterpolationExternalInterference", "-ok ${BAR:-defaultValue}", "-ok defaultValue"),
    ("TestInterpolationExternalInterference", "+ok ${UNSET:-${BAR-defaultValue}}", "+ok "),
    ("TestInterpolationExternalInterference", "-ok ${FOO:-defaultValue}", "-ok first"),
    ("TestInterpolationExternalInterference", ":-ok ${UNSET-defaultValue}", ":-ok defaultValue"),
    ("TestInterpolationExternalInterference", ":-ok ${BAR-defaultValue}", ":-ok "),
    ("TestInterpolationExternalInterference", ":?ok ${BAR-defaultValue}", ":?ok "),
    ("TestInterpolationExternalInterference", ":?ok ${BAR:-defaultValue}", ":?ok defaultValue"),
    ("TestInterpolationExternalInterference", ":+ok ${BAR:-defaultValue}", ":+ok defaultValue"),
    ("TestInterpolationExternalInterference", "+ok ${BAR-defaultValue}", "+ok "),
    ("TestInterpolationExternalInterference", "?ok ${BAR:-defaultValue}", "?ok defaultValue"),
    ("TestDefaultsWithNestedExpansion", "ok ${UNSET_VAR-$FOO}", "ok first"),
    ("TestDefaultsWithNestedExpansion", "ok ${UNSET_VAR-${FOO}}", "ok first"),
    ("TestDefaultsWithNestedExpansion", "ok ${UNSET_VAR-${FOO} ${FOO}}", "ok first first"),
    ("TestDefaultsWithNestedExpansion", "ok ${BAR:-$FOO}", "ok first"),
    ("TestDefaultsWithNestedExpansion", "ok ${BAR:-${FOO}}", "ok first"),
    ("TestDefaultsWithNestedExpansion", "ok ${BAR:-${FOO} ${FOO}}", "ok first first"),
    ("TestDefaultsWithNestedExpansion", "ok ${BAR+$FOO}", "ok first"),
    ("TestDefaultsWithNestedExpansion", "ok ${BAR+$FOO ${FOO:+second}}", "ok first second"),
    ("TestDefaultsForMandatoryVariables", "ok ${FOO:?err}", "ok first"),
    ("TestDefaultsForMandatoryVariables", "ok ${FOO?err}", "ok first"),
    ("TestDefaultsForMandatoryVariables", "ok ${BAR?err}", "ok "),
    ("TestSubstituteWithReplacementFunc", "ok ${SUBDOMAIN:-redis}.${FOO:?}", "ok redis.first"),
    ("TestPrecedence", "${UNSET_VAR-myerror?msg}", "myerror?msg"),
    ("TestPrecedence", "${FOO?bar-baz}", "first"),
    ("TestPrecedence", "${BAR:-default_value_for_empty_var}", "default_value_for_empty_var"),
    ("TestPrecedence", "${UNSET_VAR-default_value_for_unset_var}", "default_value_for_unset_var"),
    ("TestNoValueWithCurlyBracesDefault", 'ok ${missing:-{"json":1}}', 'ok {"json":1}'),
    ("TestNoValueWithCurlyBracesDefault", 'ok ${missing-{"json":1}}', 'ok {"json":1}'),
    ("TestValueWithCurlyBracesDefault", 'ok ${JSON:-{"json":1}}', 'ok {"json":2}'),
    ("TestValueWithCurlyBracesDefault", 'ok ${JSON-{"json":1}}', 'ok {"json":2}'),
]


@pytest.mark.parametrize(("test", "template", "expected"), TEMPLATE_CASES)
def test_template_substitute(test, template, expected):
    assert interpolate(template, DEFAULTS) == expected, test


def test_lazy_required_message_is_not_evaluated():
    """TestLazyRequiredMessageDoesNotWarn"""
    assert interpolate("${A?${B}}", {"A": "value"}) == "value"


@pytest.mark.parametrize("template", ["${", "${}", "${ }", "${ foo}", "${foo }", "${foo!}"])
def test_template_invalid(template):
    """TestInvalid"""
    with pytest.raises(InvalidTemplateError, match="Invalid template") as error:
        interpolate(template, DEFAULTS)
    assert str(error.value) == f'Invalid template: "{template}"'


@pytest.mark.parametrize(
    ("test", "template", "message"),
    [
        ("TestMandatoryVariableErrors", "not ok ${UNSET_VAR:?Mandatory Variable Unset}",
         "required variable UNSET_VAR is missing a value: Mandatory Variable Unset"),
        ("TestMandatoryVariableErrors", "not ok ${BAR:?Mandatory Variable Empty}",
         "required variable BAR is missing a value: Mandatory Variable Empty"),
        ("TestMandatoryVariableErrors", "not ok ${UNSET_VAR:?}", "required variable UNSET_VAR is missing a value"),
        ("TestMandatoryVariableErrors", "not ok ${UNSET_VAR?Mandatory Variable Unset}",
         "required variable UNSET_VAR is missing a value: Mandatory Variable Unset"),
        ("TestMandatoryVariableErrors", "not ok ${UNSET_VAR?}", "required variable UNSET_VAR is missing a value"),
        ("TestMandatoryVariableErrorsWithNestedExpansion", "not ok ${UNSET_VAR:?Mandatory Variable ${FOO}}",
         "required variable UNSET_VAR is missing a value: Mandatory Variable first"),
        ("TestMandatoryVariableErrorsWithNestedExpansion", "not ok ${UNSET_VAR?Mandatory Variable ${FOO}}",
         "required variable UNSET_VAR is missing a value: Mandatory Variable first"),
        ("TestPrecedence", "${UNSET_VAR?bar-baz}", "required variable UNSET_VAR is missing a value: bar-baz"),
    ],
)
def test_template_required(test, template, message):
    with pytest.raises(MissingRequiredError) as error:
        interpolate(template, DEFAULTS)
    assert str(error.value) == message, test


@pytest.mark.parametrize(
    ("text", "symbol"),
    [
        ("VARNAME:?val?ue", ":?"), ("VARNAME?val:?ue", "?"), ("VARNAME?va-lu+e:?e", "?"), ("VARNAME?va+lu-e:?e", "?"),
        ("VARNAME:-value", ":-"), ("VARNAME-va:-lu:?e", "-"), ("VARNAME-va+lu?e", "-"), ("VARNAME-va?lu+e", "-"),
        ("VARNAME:+va:?lu:-e", ":+"), ("VARNAME+va:+lue", "+"), ("VARNAME+va?lu-e", "+"), ("VARNAME+va-lu?e", "+"),
    ],
)
def test_substitution_function_choice(text, symbol):
    """TestSubstitutionFunctionChoice"""
    assert substitution_symbol(text)[0] == symbol


def _variables(tree: object) -> dict[str, Variable]:
    """template.ExtractVariables over a tree: later occurrences of a name win, as in Go's map."""
    found: dict[str, Variable] = {}
    if isinstance(tree, str):
        found.update({v.name: v for v in extract_variables(tree)})
    elif isinstance(tree, dict):
        for value in tree.values():
            found.update(_variables(value))
    elif isinstance(tree, list):
        for value in tree:
            found.update(_variables(value))
    return found


@pytest.mark.parametrize(
    ("name", "tree", "expected"),
    [
        ("empty", {}, {}),
        ("no-variables", {"foo": "bar"}, {}),
        ("variable-without-curly-braces", {"foo": "$bar"}, {"bar": Variable("bar")}),
        ("variable-without-curly-braces-and-with-number-suffix", {"foo": "$bar_1"}, {"bar_1": Variable("bar_1")}),
        ("variable", {"foo": "${bar}"}, {"bar": Variable("bar")}),
        ("required-variable", {"foo": "${bar?:foo}"}, {"bar": Variable("bar", required=True)}),
        ("required-variable-with-number-suffix", {"foo": "${bar_1?:foo}"}, {"bar_1": Variable("bar_1", required=True)}),
        ("required-variable2", {"foo": "${bar?foo}"}, {"bar": Variable("bar", required=True)}),
        ("default-variable", {"foo": "${bar:-foo}"}, {"bar": Variable("bar", "foo")}),
        ("default-variable2", {"foo": "${bar-foo}"}, {"bar": Variable("bar", "foo")}),
        ("default-variable-with-number-suffix", {"foo": "${bar_1:-foo}"}, {"bar_1": Variable("bar_1", "foo")}),
        ("default-variable2-with-number-suffix", {"foo": "${bar_1-foo}"}, {"bar_1": Variable("bar_1", "foo")}),
        (
            "multiple-values",
            {"foo": "${bar:-foo}", "bar": {"foo": "${fruit:-banana}", "bar": "vegetable"},
             "baz": ["foo", "$docker:${project:-cli}", "$toto"]},
            {"bar": Variable("bar", "foo"), "fruit": Variable("fruit", "banana"), "toto": Variable("toto"),
             "docker": Variable("docker"), "project": Variable("project", "cli")},
        ),
        ("presence-value-nonEmpty", {"foo": "${bar:+foo}"}, {"bar": Variable("bar", presence="foo")}),
        ("presence-value", {"foo": "${bar+foo}"}, {"bar": Variable("bar", presence="foo")}),
        (
            "concat",
            {"domainname": "${SUBDOMAIN:-redis}.${ROOTDOMAIN:?}"},
            {"ROOTDOMAIN": Variable("ROOTDOMAIN", required=True), "SUBDOMAIN": Variable("SUBDOMAIN", "redis")},
        ),
        (
            "nested",
            {"domainname": "${SUBDOMAIN:-$ROOTDOMAIN}"},
            {"ROOTDOMAIN": Variable("ROOTDOMAIN"), "SUBDOMAIN": Variable("SUBDOMAIN", "$ROOTDOMAIN")},
        ),
        (
            "nested-array-of-maps",
            {"volumes": [{"source": "${SOURCE_LOCATION}", "target": "/location", "type": "volume", "volume": {}}]},
            {"SOURCE_LOCATION": Variable("SOURCE_LOCATION")},
        ),
    ],
)
def test_extract_variables(name, tree, expected):
    """variables_test.go TestExtractVariables"""
    assert _variables(tree) == expected, name


# interpolation_test.go
INTERPOLATION_DEFAULTS = {"USER": "jenny", "FOO": "bar", "count": "5", "REQUIRED": "true"}


def test_interpolation_interpolate():
    """TestInterpolate"""
    services = {"servicea": {"image": "example:${USER}", "volumes": ["$FOO:/target"],
                             "logging": {"driver": "${FOO}", "options": {"user": "$USER"}}}}
    assert interpolate_tree(services, INTERPOLATION_DEFAULTS) == {
        "servicea": {"image": "example:jenny", "volumes": ["bar:/target"],
                     "logging": {"driver": "bar", "options": {"user": "jenny"}}}
    }


def test_interpolation_invalid():
    """TestInvalidInterpolation"""
    with pytest.raises(SettingsError) as error:
        interpolate_tree({"servicea": {"image": "${"}}, INTERPOLATION_DEFAULTS)
    assert str(error.value) == "invalid interpolation format for servicea.image.\nYou may need to escape any $ with another $.\n${"


def test_interpolation_with_defaults():
    """TestInterpolateWithDefaults (the environment is the mapping)"""
    assert interpolate_tree({"networks": {"foo": "thing_${FOO}"}}, {"FOO": "BARZ"}) == {"networks": {"foo": "thing_BARZ"}}


UNEXISTENT = [
    ("{{{ ${FOO:-foo_} }}}", "{{{ foo_ }}}", None),
    ("{{{ ${FOO:-foo-bar-value} }}}", "{{{ foo-bar-value }}}", None),
    ("{{{ ${FOO:-foo?bar?value} }}}", "{{{ foo?bar?value }}}", None),
    ("{{{ ${FOO:-foo:?bar:?value} }}}", "{{{ foo:?bar:?value }}}", None),
    ("{{{ ${FOO:-foo} ${BAR:-DEFAULT_VALUE} }}}", "{{{ foo DEFAULT_VALUE }}}", None),
    ("{{{ ${BAR} }}}", "{{{  }}}", None),
    ("${FOO:-baz} }}}", "baz }}}", None),
    ("${FOO-baz} }}}", "baz }}}", None),
    ("{{{ ${FOO:?foo_} }}}", None, "foo_"),
    ("{{{ ${FOO:?foo-bar-value} }}}", None, "foo-bar-value"),
    ("{{{ ${FOO:?foo} ${BAR:-DEFAULT_VALUE} }}}", None, "foo"),
    ("${FOO:?foo} ${BAR:?bar}", None, "foo"),
    ("${FOO:?baz} }}}", None, "baz"),
    ("${FOO?baz} }}}", None, "baz"),
    ("${FOO:-${BAR:-${ZOT:-qix}}}", "qix", None),
    ("${FOO:-${BAR:-x}_test_${BAR:-y}}", "x_test_y", None),
    ("${FOO:-${BAR:-x}_test}", "x_test", None),
    ("${FOO:-${BAR:-${ZOT:-x}}_test}", "x_test", None),
]


@pytest.mark.parametrize(("test", "expected", "message"), UNEXISTENT)
def test_interpolation_valid_unexistent(test, expected, message):
    """TestValidUnexistentInterpolation (an empty environment)"""
    tree = {"myservice": {"environment": {"TESTVAR": test}}}
    if message is None:
        assert interpolate_tree(tree, {}) == {"myservice": {"environment": {"TESTVAR": expected}}}
        return
    with pytest.raises(SettingsError) as error:
        interpolate_tree(tree, {})
    assert str(error.value) == (
        f"error while interpolating myservice.environment.TESTVAR: required variable FOO is missing a value: {message}"
    )


@pytest.mark.parametrize(
    ("test", "expected"),
    [
        ("{{{ ${FOO:-foo_} }}}", "{{{ bar }}}"),
        ("{{{ ${FOO:-foo-bar-value} }}}", "{{{ bar }}}"),
        ("{{{ ${FOO:-foo} ${BAR:-DEFAULT_VALUE} }}}", "{{{ bar DEFAULT_VALUE }}}"),
        ("{{{ ${BAR} }}}", "{{{  }}}"),
        ("${FOO:-baz} }}}", "bar }}}"),
        ("${FOO-baz} }}}", "bar }}}"),
        ("{{{ ${FOO:-foo} ${USER:-bar} }}}", "{{{ bar jenny }}}"),
        ("{{{ ${USER} }}}", "{{{ jenny }}}"),
    ],
)
def test_interpolation_valid_existent(test, expected):
    """TestValidExistentInterpolation"""
    tree = {"myservice": {"environment": {"TESTVAR": test}}}
    assert interpolate_tree(tree, INTERPOLATION_DEFAULTS) == {"myservice": {"environment": {"TESTVAR": expected}}}


# Our own cases beyond upstream's tables (same semantics).
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$$A", "$A"),
        ("echo $$HOME && ${A}", "echo $HOME && a"),
        ("${UNSET:-x${B}y}-z", "xby-z"),
        ("${UNSET:-$${B}}", "${B}"),
        ("$1", "$1"),
        ("cost: 5$", "cost: 5$"),
        ("${A:-x}${B}", "ab"),
        ("${UNSET:-}}", "}"),
        ("${a}", ""),  # names are case sensitive in the lookup
    ],
)
def test_more_cases(text, expected):
    assert interpolate(text, {"A": "a", "B": "b"}) == expected


def test_a_list_item_path_in_errors():
    with pytest.raises(SettingsError, match=r"^error while interpolating services\.api\.ports\.\[\]: required variable P"):
        interpolate_tree({"services": {"api": {"ports": ["${P:?}"]}}}, {})
