"""A misspelt setting is refused with its name (never dropped), from a config file, an override
or the command line."""
import json

import pytest
from typer.testing import CliRunner

from cli.main import app
from core.settings import UnknownSetting, load_settings


def test_a_misspelt_key_in_the_config_file_is_refused_with_its_name_and_the_closest_setting(tmp_path, monkeypatch):
    config = tmp_path / "surveyqa.toml"
    config.write_text("top_k = 8\ntop_kk = 9\n", encoding="utf-8")
    monkeypatch.setenv("SURVEYQA_CONFIG", str(config))
    with pytest.raises(UnknownSetting, match=r"surveyqa.toml: unknown setting 'top_kk'; did you mean 'top_k'\?"):
        load_settings()
    config.write_text("top_k = 8\n", encoding="utf-8")
    assert load_settings().top_k == 8


def test_an_unknown_override_and_a_json_config_are_refused_too(tmp_path, monkeypatch):
    with pytest.raises(UnknownSetting, match="unknown setting 'no_such_thing'; the README lists every setting"):
        load_settings(no_such_thing=1)
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"retrieval_mdoe": "dense"}), encoding="utf-8")
    monkeypatch.setenv("SURVEYQA_CONFIG", str(config))
    result = CliRunner().invoke(app, ["search", "anything"])
    assert result.exit_code == 2
    assert "unknown setting 'retrieval_mdoe'; did you mean 'retrieval_mode'?" in " ".join(result.output.split())
