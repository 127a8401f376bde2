"""Docs that cannot drift: the README's settings table and command list match the code."""
import re

from core.settings import PROJECT_ROOT, settings_table

README = (PROJECT_ROOT / "README.md").read_text()


def test_readme_settings_table_matches_the_settings_model():
    block = re.search(r"<!-- settings-table:start -->\n(.*?)\n<!-- settings-table:end -->", README, re.S)
    assert block, "README lost its settings table markers"
    assert block.group(1).strip() == settings_table()


def test_readme_quick_start_is_two_commands():
    quick = re.search(r"## Quick start\n\n```bash\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in quick.splitlines() if line.strip()]
    assert commands == ["make run", "make test"]


def test_every_cli_command_is_documented():
    from typer.main import get_command

    from cli.main import app

    for name in get_command(app).commands:
        assert f"surveyqa {name}" in README, name
