"""Hostile spec files: each ends in one clear located error, quickly and in bounded memory."""

from __future__ import annotations

import pytest

from crmdeploy.errors import SpecError
from crmdeploy.loader import load
from crmdeploy.yamlpos import MAX_FILE_BYTES

HOSTILE = {
    "deep_flow_list": ("x: " + "[" * 100_000 + "]" * 100_000 + "\n", "nested more than 64 levels deep"),
    "deep_flow_mixed": ("x: " + "[[]," * 30_000 + "]" * 30_000 + "\n", "nested more than 64 levels deep"),
    "deep_flow_map": ("x: " + "{a: " * 5_000 + "1" + "}" * 5_000 + "\n", "nested more than 64 levels deep"),
    "deep_block": ("".join(" " * i + "a:\n" for i in range(3_000)) + " " * 3_000 + "b\n",
                   "nested more than 64 levels deep"),
    "compact_sequences": ("x:\n" + "- " * 20_000 + "a\n", "nested more than 64 levels deep"),
    "escaped_control_chars": ('status_groups:\n  - {code: a, name: "A\\x01\\x07B"}\n',
                              "status_groups[0].name: must be one line with no control characters"),
    "raw_control_char": ("status_groups:\n  - {code: a, name: A\x07B}\n",
                         "2:22: invalid YAML: character #x0007 is not allowed"),
    "nul_in_name": ('status_groups:\n  - {code: a, name: "A\\0B"}\n', "must be one line with no control characters"),
    "very_long_name": ("status_groups:\n  - {code: a, name: " + "я" * 100_000 + "}\n",
                       "status_groups[0].name: "),
    "very_long_code": ("status_groups:\n  - {code: " + "a" * 10_000 + ", name: A}\n",
                       "status_groups[0].code: "),
    "recursive_alias": ("a: &a [*a]\n", "a YAML alias refers to itself"),
    "billion_laughs": ("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" +
                       "".join(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]\n" for i in range(1, 10)),
                       "YAML aliases repeated too often"),
    "tab_indentation": ("status_groups:\n\t- {code: a, name: A}\n", "invalid YAML"),
    "binary_garbage": ("\x89PNG\r\n\x1a\n", "invalid YAML"),
    "scalar_document": ("just a string\n", "a spec file must be a mapping of kinds"),
    "complex_key": ("? [a, b]\n: c\n", "a mapping key must be a plain value"),
    "python_tag": ("statuses: !!python/name:os.system\n", "spec.yaml:1:11: invalid YAML"),
    "whitespace_only": ("   \n\n  \n", "the file is empty"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_spec_gives_one_clear_error(name, write_spec):
    text, expected = HOSTILE[name]
    path = write_spec(text)
    with pytest.raises(SpecError) as info:
        load(path)
    message = str(info.value)
    assert len(info.value.problems) == 1  # one located error, whatever the libraries underneath
    assert expected in message
    assert message.startswith(str(path) + ":")


@pytest.mark.parametrize("depth", [65, 500, 5_000])
def test_nesting_is_refused_in_our_words_whatever_libyaml_says(depth, write_spec, monkeypatch):
    """A libyaml with a nesting limit of its own (0.2.6 refuses flow nesting past 1,000, in its
    words) must not change what the user reads: the depth check never goes through libyaml."""
    import yaml

    def strict_libyaml(*args, **kwargs):
        raise yaml.MarkedYAMLError(problem="exceeded maximum nesting depth (some future wording)",
                                   problem_mark=yaml.Mark("<file>", 0, 0, 9, None, None))

    monkeypatch.setattr(yaml, "compose", strict_libyaml)
    path = write_spec("x:\n" + "".join(" " * (i % 40) + " [\n" for i in range(depth)) + "]" * depth + "\n")
    with pytest.raises(SpecError) as info:
        load(path)
    assert len(info.value.problems) == 1
    problem = info.value.problems[0]
    assert problem.message == "the document is nested more than 64 levels deep"
    assert problem.location.file == str(path) and problem.location.line > 1


def test_nesting_just_past_the_limit_on_short_lines_is_refused(write_spec):
    path = write_spec("x: " + "[\n" * 65 + "]" * 65 + "\n")
    with pytest.raises(SpecError, match="nested more than 64 levels deep"):
        load(path)


def test_oversized_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "big.yaml"
    line = "# " + "x" * 1_000 + "\n"
    path.write_text(line * (50 * 1024 * 1024 // len(line)), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load(path)
    assert f"the limit is {MAX_FILE_BYTES:,}" in str(info.value)


def test_non_utf8_bytes_name_the_offset(tmp_path):
    path = tmp_path / "cp1251.yaml"
    path.write_bytes("status_groups:\n  - {code: a, name: Новый}\n".encode("cp1251"))
    with pytest.raises(SpecError, match=r"cp1251.yaml:2:21: not UTF-8 text \(byte 0xcd at offset 35\)"):
        load(path)
