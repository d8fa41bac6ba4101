"""Real integrations written for the reference validate cleanly; broken copies fail precisely."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ocean_runtime.validation import Finding, validate_integration_dir

CopyFactory = Callable[[str], Path]
REFERENCE = Path(__file__).parents[2] / "fixtures" / "reference_integrations"
REFERENCE_NAMES = sorted(p.name for p in REFERENCE.iterdir() if (p / ".port").is_dir())


# Real defects of the published folders: each must be named (and nothing else reported as an error).
KNOWN_DEFECTS = {
    "fake-integration": {
        "resources[1].port.entity.mappings.properties.name",
        "resources[1].port.entity.mappings.properties.department",
    },
    "pagerduty": {"resources[4].port.entity.mappings.properties.description"},
}


def edit(path: Path, old: str, new: str) -> None:
    """Replaces exactly one occurrence of ``old`` in the file."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    """1-based line of the first line containing ``needle``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def errors(findings: list[Finding]) -> list[Finding]:
    """The errors, less the published folders' own real defects (``KNOWN_DEFECTS``)."""
    known = set().union(*KNOWN_DEFECTS.values())
    return [finding for finding in findings if finding.severity == "error" and finding.location not in known]


def only(findings: list[Finding], **expected: object) -> Finding:
    matching = [f for f in findings if all(getattr(f, key) == value for key, value in expected.items())]
    assert len(matching) == 1, f"expected one finding with {expected}, got {findings}"
    return matching[0]


def test_there_are_several_reference_integrations() -> None:
    assert len(REFERENCE_NAMES) >= 4


@pytest.mark.parametrize("name", REFERENCE_NAMES)
def test_reference_integration_has_no_errors_but_its_real_defects(name: str) -> None:
    findings = validate_integration_dir(REFERENCE / name, environ={})

    found = {finding.location for finding in findings if finding.severity == "error"}
    assert found == KNOWN_DEFECTS.get(name, set())


def test_a_mapped_property_the_own_blueprint_lacks_is_an_error_naming_file_key_and_fix() -> None:
    findings = validate_integration_dir(REFERENCE / "fake-integration", environ={})

    finding = only(findings, location="resources[1].port.entity.mappings.properties.department")
    assert finding.severity == "error"
    assert finding.file == ".port/resources/port-app-config.yml"
    assert "blueprint 'fake-person'" in finding.message and "no property 'department'" in finding.message
    assert "add the property to the blueprint" in finding.message


def test_a_relation_without_many_or_required_is_valid(reference_copy: CopyFactory) -> None:
    folder = reference_copy("jira")
    blueprints = folder / ".port/resources/blueprints.json"
    data = json.loads(blueprints.read_text())
    relation = next(r for b in data for r in (b.get("relations") or {}).values())
    relation.pop("many", None)
    relation.pop("required", None)
    blueprints.write_text(json.dumps(data))

    assert errors(validate_integration_dir(folder, environ={})) == []


def test_relations_outside_mappings_is_an_error(reference_copy: CopyFactory) -> None:
    folder = reference_copy("jira")
    mapping = folder / ".port/resources/port-app-config.yaml"
    text = mapping.read_text()
    mapping.write_text(
        text.replace(
            "        mappings:\n", "        relations:\n          project: .x\n        mappings:\n", 1
        )
    )

    finding = only(
        errors(validate_integration_dir(folder, environ={})), file=".port/resources/port-app-config.yaml"
    )
    assert finding.location.endswith("port.entity.relations")
    assert "must be inside 'mappings'" in finding.message


def test_an_exception_in_the_config_class_is_a_finding_not_a_traceback(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "jira"
    shutil.copytree(REFERENCE / "jira", folder)

    def crashing_loader(path: Path) -> type:
        from ocean_runtime import PortAppConfig

        class Crashing(PortAppConfig):
            @classmethod
            def model_validate(cls, *args: object, **kwargs: object) -> PortAppConfig:  # type: ignore[override]
                raise RuntimeError("validator bug")

        return Crashing

    (folder / "integration.py").write_text("")
    findings = validate_integration_dir(folder, environ={}, config_class_loader=crashing_loader)

    finding = only(errors(findings), file=".port/resources/port-app-config.yaml")
    assert "RuntimeError: validator bug" in finding.message


def test_custom_selector_fields_are_warnings_with_lines() -> None:
    folder = REFERENCE / "jira"
    findings = validate_integration_dir(folder, environ={})

    finding = only(findings, location="resources[1].selector.jql")
    assert finding.severity == "warning"
    assert finding.file == ".port/resources/port-app-config.yaml"
    assert finding.line == line_of(folder / finding.file, "jql:")


def test_integration_resolved_values_are_warnings_not_jq_errors() -> None:
    findings = validate_integration_dir(REFERENCE / "gitlab", environ={})

    finding = only(findings, location="resources[0].port.entity.mappings.properties.readme")
    assert finding.severity == "warning"
    assert "file://" in finding.message


def test_yaml_syntax_error_in_port_app_config(reference_copy: CopyFactory) -> None:
    folder = reference_copy("jira")
    mapping = folder / ".port/resources/port-app-config.yaml"
    edit(mapping, "          title: .name\n", "          title: .name\n         bad: indentation\n")

    findings = validate_integration_dir(folder, environ={})

    finding = only(errors(findings), file=".port/resources/port-app-config.yaml")
    assert "invalid YAML" in finding.message
    assert finding.line == line_of(mapping, "bad: indentation")


def test_jq_syntax_error_names_key_path_line_and_jq_message(reference_copy: CopyFactory) -> None:
    folder = reference_copy("jira")
    mapping = folder / ".port/resources/port-app-config.yaml"
    edit(mapping, "title: .fields.summary", "title: .fields.summary |")

    findings = validate_integration_dir(folder, environ={})

    finding = only(errors(findings))
    assert finding.file == ".port/resources/port-app-config.yaml"
    assert finding.location == "resources[1].port.entity.mappings.title"
    assert finding.line == line_of(mapping, "title: .fields.summary |")
    assert finding.message.startswith('jq error in ".fields.summary |": ')
    assert "syntax error" in finding.message


def test_jq_errors_in_selector_items_to_parse_and_search_queries(reference_copy: CopyFactory) -> None:
    folder = reference_copy("fake-integration")
    mapping = folder / ".port/resources/port-app-config.yml"
    person_resource = (
        "      query: 'true'\n    port:\n      entity:\n        mappings:\n          identifier: .id\n"
        "          title: .name\n          blueprint: '\"fake-person\"'"
    )
    broken = (
        "      query: '.age >'\n    port:\n      itemsToParse: .items[\n      entity:\n        mappings:\n"
        "          identifier:\n            combinator: and\n            rules:\n"
        "              - property: '\"$identifier\"'\n"
        "                operator: '\"=\"'\n"
        "                value: .id]\n"
        "          title: .name\n          blueprint: '\"fake-person\"'"
    )
    edit(mapping, person_resource, broken)

    findings = errors(validate_integration_dir(folder, environ={}))

    assert {f.location for f in findings} == {
        "resources[1].selector.query",
        "resources[1].port.itemsToParse",
        "resources[1].port.entity.mappings.identifier.combinator",
        "resources[1].port.entity.mappings.identifier.rules[0].value",
    }
    assert all(f.message.startswith("jq error in ") for f in findings)
    assert only(findings, location="resources[1].selector.query").line == line_of(mapping, ".age >")


def test_bad_property_type_in_blueprints(reference_copy: CopyFactory) -> None:
    folder = reference_copy("pagerduty")
    blueprints = folder / ".port/resources/blueprints.json"
    text = blueprints.read_text()
    blueprints.write_text(
        text.replace(
            '"title": "Escalation Levels",\n          "type": "number"',
            '"title": "Escalation Levels",\n          "type": "integer"',
        )
    )

    findings = validate_integration_dir(folder, environ={})

    finding = only(errors(findings))
    assert finding.file == ".port/resources/blueprints.json"
    assert finding.location == "[0].schema.properties.escalationLevels.type"
    assert finding.line == line_of(blueprints, '"type": "integer"')
    assert "blueprint 'pagerdutyService'" in finding.message
    assert (
        '"integer" is not allowed; expected one of string, number, boolean, object, array' in finding.message
    )


def test_missing_configuration_type_in_spec(reference_copy: CopyFactory) -> None:
    folder = reference_copy("jira")
    spec = folder / ".port/spec.yaml"
    edit(
        spec,
        "  - name: jiraHost\n    required: true\n    type: string\n",
        "  - name: jiraHost\n    required: true\n",
    )

    findings = validate_integration_dir(folder, environ={})

    finding = only(errors(findings))
    assert (finding.file, finding.location) == (".port/spec.yaml", "configurations[1]")
    assert finding.line == line_of(spec, "name: jiraHost")
    assert finding.message == "required key 'type' is missing"


def test_unknown_relation_target_is_a_warning(reference_copy: CopyFactory) -> None:
    folder = reference_copy("gitlab")
    blueprints = folder / ".port/resources/blueprints.json"
    text = blueprints.read_text()
    blueprints.write_text(
        text.replace(
            '"target": "gitlabRepository",\n        "required": false',
            '"target": "gitlabRepo",\n        "required": false',
        )
    )

    findings = validate_integration_dir(folder, environ={})

    assert errors(findings) == []
    finding = only(findings, location="[1].relations.repository.target")
    assert finding.severity == "warning"
    assert "'gitlabRepo'" in finding.message and "not defined" in finding.message
    assert finding.line == line_of(blueprints, '"target": "gitlabRepo"')


def test_mapping_relation_and_property_the_blueprint_lacks(reference_copy: CopyFactory) -> None:
    folder = reference_copy("jira")
    mapping = folder / ".port/resources/port-app-config.yaml"
    edit(
        mapping,
        "            subtasks: .fields.subtasks | map(.key)\n",
        "            subtasks: .fields.subtasks | map(.key)\n            epic: .fields.epic.key\n",
    )
    edit(mapping, "            status: .fields.status.name\n", "            statuz: .fields.status.name\n")

    findings = validate_integration_dir(folder, environ={})

    relation = only(errors(findings), location="resources[1].port.entity.mappings.relations.epic")
    assert relation.message == (
        "blueprint 'jiraIssue' in .port/resources/blueprints.json has no relation 'epic': Port refuses "
        "the entity — add the relation to the blueprint or remove this line"
    )
    prop = only(errors(findings), location="resources[1].port.entity.mappings.properties.statuz")
    assert prop.line == line_of(mapping, "statuz:")
    assert len(errors(findings)) == 2


def test_kind_and_blueprint_not_declared_are_warnings(reference_copy: CopyFactory) -> None:
    folder = reference_copy("jira")
    mapping = folder / ".port/resources/port-app-config.yaml"
    edit(mapping, "  - kind: project\n", "  - kind: projects\n")
    edit(mapping, "blueprint: '\"jiraProject\"'", "blueprint: '\"jiraProjekt\"'")

    findings = validate_integration_dir(folder, environ={})

    assert errors(findings) == []
    kind = only(findings, location="resources[0].kind")
    assert "kind 'projects' is not listed in .port/spec.yaml" in kind.message
    blueprint = only(findings, location="resources[0].port.entity.mappings.blueprint")
    assert "blueprint 'jiraProjekt' is not defined in .port/resources/blueprints.json" in blueprint.message


def test_structure_errors_come_from_the_mapping_models(reference_copy: CopyFactory) -> None:
    folder = reference_copy("github")
    mapping = folder / ".port/resources/port-app-config.yml"
    edit(
        mapping,
        "  - kind: team\n    selector:\n      query: 'true'\n",
        "  - kind: team\n    selector:\n      qurey: 'true'\n",
    )
    edit(
        mapping,
        "deleteDependentEntities: true\n",
        "deleteDependentEntities: true\nentityDeletionThreshold: 2\n",
    )

    findings = validate_integration_dir(folder, environ={})

    missing = only(errors(findings), location="resources[0].selector.query")
    assert missing.message == "required key 'query' is missing"
    assert missing.line == line_of(mapping, "selector:")  # a missing key is reported at its parent
    threshold = only(errors(findings), location="entityDeletionThreshold")
    assert "between 0 and 1" in threshold.message
    typo = only(findings, location="resources[0].selector.qurey")
    assert typo.severity == "warning"


def test_spec_defaults_and_enums_must_fit_the_type(reference_copy: CopyFactory) -> None:
    folder = reference_copy("gitlab")
    spec = folder / ".port/spec.yaml"
    edit(spec, "    default: false\n", "    default: sometimes\n")
    edit(
        spec,
        "    default: https://gitlab.com\n",
        "    default: gitlab.com\n    enum: [https://gitlab.com, 5]\n",
    )
    edit(spec, "deploymentMethodOverride:", "deploymentMethodOveride:")

    findings = validate_integration_dir(folder, environ={})

    assert {(f.severity, f.location) for f in findings if f.file == ".port/spec.yaml"} == {
        ("error", "configurations[3].default"),
        ("error", "configurations[2].default"),
        ("error", "configurations[2].enum[1]"),
        ("warning", "deploymentMethodOveride"),
    }
    boolean = only(findings, location="configurations[3].default")
    assert boolean.message == "default \"sometimes\" of 'useSystemHook': expected true or false"


def test_duplicated_blueprint_and_required_property(reference_copy: CopyFactory) -> None:
    folder = reference_copy("fake-integration")
    blueprints = folder / ".port/resources/blueprints.json"
    data = json.loads(blueprints.read_text())
    data[0]["schema"]["required"] = ["name", "missing"]
    data.append(dict(data[0]))
    blueprints.write_text(json.dumps(data, indent=2))

    findings = errors(validate_integration_dir(folder, environ={}))

    assert {f.location for f in findings} == {
        "[2].identifier",
        "[0].schema.required[1]",
        "[2].schema.required[1]",
    }
    assert only(findings, location="[2].identifier").message == "duplicated blueprint 'fake-department'"


def test_other_resources_are_checked(reference_copy: CopyFactory) -> None:
    folder = reference_copy("gitlab")
    resources = folder / ".port/resources"
    scorecards = json.loads((resources / "scorecards.json").read_text())
    del scorecards[0]["data"]
    (resources / "scorecards.json").write_text(json.dumps(scorecards, indent=2))
    (resources / "actions.json").write_text('{"identifier": "not-a-list"}')
    (resources / "pages.json").write_text('[{"title": "no identifier"}]')

    findings = errors(validate_integration_dir(folder, environ={}))

    assert {(f.file, f.location) for f in findings} == {
        (".port/resources/scorecards.json", "[0]"),
        (".port/resources/actions.json", ""),
        (".port/resources/pages.json", "[0]"),
    }
    assert "'data'" in only(findings, file=".port/resources/scorecards.json").message


def test_two_files_for_one_resource_is_an_error(reference_copy: CopyFactory) -> None:
    folder = reference_copy("github")
    resources = folder / ".port/resources"
    (resources / "port-app-config.yaml").write_text((resources / "port-app-config.yml").read_text())

    findings = errors(validate_integration_dir(folder, environ={}))

    assert [f.message for f in findings] == [
        "two 'port-app-config' files: .port/resources/port-app-config.yaml"
        " and .port/resources/port-app-config.yml"
    ]


def test_bare_port_folder_without_spec(tmp_path: Path) -> None:
    (tmp_path / ".port/resources").mkdir(parents=True)
    (tmp_path / ".port/resources/port-app-config.yml").write_text(
        "resources:\n  - kind: x\n    selector: {query: 'true'}\n"
        "    port: {entity: {mappings: {identifier: .id, blueprint: '\"thing\"'}}}\n"
    )

    findings = validate_integration_dir(tmp_path, environ={})

    assert errors(findings) == []
    assert {f.file for f in findings} == {".port/spec.yaml", ".port/resources/port-app-config.yml"}


def test_yaml_one_one_boolean_keys_in_spec_dependencies(tmp_path: Path) -> None:
    # GitHub's spec writes `dependencies: [{on: authenticationMode, ...}]`; YAML 1.1 reads `on` as true.
    (tmp_path / ".port").mkdir()
    (tmp_path / ".port/spec.yaml").write_text(
        "features: [{type: exporter, resources: [{kind: repository}]}]\n"
        "configurations:\n"
        "  - name: authenticationMode\n    type: string\n"
        "    enum: [Token, Github App]\n    default: Github App\n"
        "  - name: githubToken\n    type: string\n    required: false\n    sensitive: true\n"
        "    dependencies:\n      - on: authenticationMode\n        when: {equals: Token}\n"
        "        then: {required: true}\n"
    )

    assert validate_integration_dir(tmp_path, environ={}) == []
