"""The files a new admin copies from: .env.example and manifest.yml tell the same story,
and .env.example's comments state the real defaults."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from bot.config import Settings

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / ".env.example"
MANIFEST = ROOT / "manifest.yml"
VARIABLE = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


def example_blocks() -> dict[str, tuple[bool, str]]:
    """NAME -> (optional, the comment lines right above it)."""
    blocks, comments = {}, []
    for line in EXAMPLE.read_text().splitlines():
        match = VARIABLE.match(line)
        if match:
            blocks[match.group(2)] = (bool(match.group(1)), " ".join(comments))
            comments = []
        elif line.startswith("#"):
            comments.append(line.lstrip("# "))
        else:
            comments = []
    return blocks


@pytest.fixture
def clean_environment(monkeypatch):
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


PLACEHOLDER_LINES = re.compile(r"^([A-Z][A-Z0-9_]*)=(\S*your-\S*)$", re.M)


def test_env_example_as_it_is_is_refused_naming_each_placeholder(clean_environment):
    placeholders = PLACEHOLDER_LINES.findall(EXAMPLE.read_text())
    assert len(placeholders) >= 5

    with pytest.raises(ValidationError) as raised:
        Settings(_env_file=EXAMPLE)

    refused = {str(problem["loc"][0]).upper() for problem in raised.value.errors()}
    assert refused == {name for name, _ in placeholders}


def test_env_example_filled_in_runs_the_mode_the_manifest_sets_up(clean_environment, tmp_path):
    manifest = yaml.safe_load(MANIFEST.read_text())
    filled = PLACEHOLDER_LINES.sub(
        lambda line: f"{line[1]}={line[2].replace('your-', 'real-')}", EXAMPLE.read_text()
    )
    (tmp_path / ".env").write_text(filled)

    settings = Settings(_env_file=tmp_path / ".env")

    assert settings.socket_mode is manifest["settings"]["socket_mode_enabled"] is True


def test_the_manifest_names_as_many_http_mode_lines_as_it_has():
    text = MANIFEST.read_text()
    commented_urls = re.findall(r"^\s*#\s*(?:url|request_url):\s*https://", text, re.M)

    assert len(commented_urls) == 3  # the command, interactivity, event subscriptions
    assert "uncomment the three lines" in " ".join(text.split())


def shown(default: object) -> str:
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, float) and default.is_integer():
        return str(int(default))
    return str(default)


# Optional to Settings, but required by the default setup (CXONE_API=journey).
REQUIRED_BY_THE_DEFAULT_MODE = {"cxone_outbound_campaign_id", "cxone_base_url"}


def test_every_optional_line_says_what_leaving_it_out_means_and_the_defaults_are_real():
    blocks = example_blocks()

    for name, field in Settings.model_fields.items():
        optional, comment = blocks[name.upper()]
        required = field.is_required() or name in REQUIRED_BY_THE_DEFAULT_MODE
        assert optional is not required or name == "slack_app_token", name
        if not optional:
            continue
        assert "Left out:" in comment, name
        if isinstance(field.default, str | int | float) and field.default is not None:
            assert f"Left out: {shown(field.default)}" in comment, name
