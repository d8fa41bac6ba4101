"""ocean validate on configuration values from config.yaml, .env and the environment."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ocean_runtime.validation import Finding, validate_integration_dir

CopyFactory = Callable[[str], Path]


def config_findings(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.file in ("config.yaml", ".env", "(environment)", ".port/spec.yaml")]


def test_no_values_given_means_nothing_to_check(reference_copy: CopyFactory) -> None:
    folder = reference_copy("jira")

    assert config_findings(validate_integration_dir(folder, environ={})) == []


def test_invalid_value_in_config_yaml_is_an_error_with_its_line(reference_copy: CopyFactory) -> None:
    folder = reference_copy("gitlab")
    (folder / "config.yaml").write_text(
        'integration:\n  config:\n    tokenMapping: {"t": ["g/**"]}\n    useSystemHook: perhaps\n'
    )

    findings = config_findings(validate_integration_dir(folder, environ={}))

    assert findings == [
        Finding(
            "error",
            "config.yaml",
            "integration.config.useSystemHook",
            4,
            "configuration 'useSystemHook' = 'perhaps' is not valid: expected true or false",
        )
    ]


def test_invalid_environment_value_names_the_variable_and_hides_secrets(reference_copy: CopyFactory) -> None:
    folder = reference_copy("gitlab")

    findings = config_findings(
        validate_integration_dir(
            folder, environ={"OCEAN__INTEGRATION__CONFIG__TOKEN_MAPPING": "not-json-secret"}
        )
    )

    assert len(findings) == 1
    finding = findings[0]
    assert (finding.severity, finding.file) == ("error", "(environment)")
    assert finding.location == "OCEAN__INTEGRATION__CONFIG__TOKEN_MAPPING"
    assert "not valid JSON" in finding.message
    assert "not-json-secret" not in finding.message  # tokenMapping is sensitive


def test_missing_required_is_a_warning_unless_strict(reference_copy: CopyFactory) -> None:
    folder = reference_copy("jira")
    (folder / ".env").write_text("OCEAN__INTEGRATION__CONFIG__JIRA_HOST=https://example.atlassian.net\n")

    relaxed = config_findings(validate_integration_dir(folder, environ={}))
    strict = config_findings(validate_integration_dir(folder, environ={}, strict=True))

    assert [(f.severity, f.location) for f in relaxed] == [
        ("warning", "configurations[2]"),
        ("warning", "configurations[3]"),
    ]
    assert "OCEAN__INTEGRATION__CONFIG__ATLASSIAN_USER_EMAIL" in relaxed[0].message
    spec_lines = (folder / ".port/spec.yaml").read_text().splitlines()
    assert relaxed[0].line == spec_lines.index("  - name: atlassianUserEmail") + 1
    assert [f.severity for f in strict] == ["error", "error"]


def test_values_not_declared_in_the_spec_are_warnings(reference_copy: CopyFactory) -> None:
    folder = reference_copy("pagerduty")

    findings = config_findings(
        validate_integration_dir(
            folder,
            environ={
                "OCEAN__INTEGRATION__CONFIG__TOKEN": "t0ken",
                "OCEAN__INTEGRATION__CONFIG__API_UR": "typo",
            },
        )
    )

    assert [(f.severity, f.location) for f in findings] == [("warning", "OCEAN__INTEGRATION__CONFIG__API_UR")]
    assert "'api_ur' is not declared in .port/spec.yaml" in findings[0].message


def test_bad_framework_setting_is_reported(reference_copy: CopyFactory) -> None:
    folder = reference_copy("jira")

    findings = config_findings(
        validate_integration_dir(folder, environ={"OCEAN__SCHEDULED_RESYNC_INTERVAL": "abc"})
    )

    assert [(f.severity, f.location) for f in findings] == [("error", "OCEAN__SCHEDULED_RESYNC_INTERVAL")]
    assert 'got "abc", expected a whole number' in findings[0].message
