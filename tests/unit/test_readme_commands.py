"""The README's commands work as written on a fresh clone: each shell command of its `bash` blocks
and its inline commands is checked, and run where it can run here without side effects.

- `make TARGET …` is a target of the Makefile, and `make -n` accepts it with the variables given;
- `.venv/bin/flask --app wsgi CMD …` is a command of the app, and its `--help` lists every option
  the README uses; `flask --app …` without the virtualenv's path is refused (it runs whatever
  `flask` is on PATH); `flask CMD` named in prose is a command of the app;
- `.venv/bin/python FILE …` and `.venv/bin/pip install -r FILE`: the file exists, with each
  option the README gives it;
- Procfile lines quoted (`celery …`, `gunicorn …`, `honcho start NAME`) are the Procfile's;
- `VAR=value` before a command names a variable something reads (config.py, the Makefile, the
  Procfile, gunicorn.conf.py or the test suite); every file a command names exists.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
FLASK = ROOT / ".venv" / "bin" / "flask"
COMMAND_START = re.compile(r"^(?:[A-Z_]+=\S+ )*(?:make |\.venv/bin/|flask |docker compose |honcho |celery |gunicorn |\. \.venv)")
READERS = ("config.py", "Makefile", "Procfile", "gunicorn.conf.py", "tests/conftest.py")


def bash_blocks() -> list[str]:
    commands = []
    for block in re.findall(r"^```(?:bash|sh|shell)\n(.*?)^```", README, re.MULTILINE | re.DOTALL):
        for line in block.splitlines():
            line = line.split("  #", 1)[0].strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def inline_commands() -> list[str]:
    """Inline code spans that are commands (a span may wrap onto the next line of the paragraph)."""
    spans = (re.sub(r"\s*\n\s*", " ", span) for span in re.findall(r"(?<!`)`([^`]+)`(?!`)", README))
    return [span for span in spans if COMMAND_START.match(span) and "|" not in span]


COMMANDS = sorted(set(bash_blocks()) | set(inline_commands()))


def split(command: str) -> tuple[dict, list[str]]:
    """Leading VAR=value assignments, then the words."""
    words = shlex.split(command.replace("…", "x"))
    assignments = {}
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        name, _, value = words.pop(0).partition("=")
        assignments[name] = value
    return assignments, words


@cache
def readers_text() -> str:
    return "\n".join((ROOT / name).read_text() for name in READERS)


@cache
def flask_help(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")}
    env.update(APP_ENV="testing", DATA_DIR=str(Path(tempfile.gettempdir()) / "songcraft-readme-check"))
    result = subprocess.run([str(FLASK), "--app", "wsgi", *args, "--help"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def procfile_line(process: str) -> str:
    lines = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if ": " in line)
    return lines[process]


def test_the_readme_has_commands_to_check():
    assert {"make run", "make demo", "make test", "make flower"} <= {c.split("  ")[0] for c in COMMANDS}
    assert any(c.startswith(".venv/bin/flask --app wsgi create-admin") for c in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_readme_command_works_as_written(command):
    assignments, words = split(command)
    for name in assignments:
        assert re.search(rf"\b{name}\b", readers_text()), f"{command!r}: nothing reads {name}"
    for word in words:
        path = word.split("=", 1)[-1]
        if re.fullmatch(r"[\w.-]+(/[\w.-]+)+|[\w-]+\.(py|yml|txt|toml|cfg)", path) and ":" not in path:
            assert (ROOT / path).exists(), f"{command!r} names {path}, which does not exist"
    program = words[0]
    if program == "make":
        run_make(command, words[1:], assignments)
    elif program in ("flask", ".venv/bin/flask"):
        check_flask(command, words)
    elif program in (".venv/bin/python", ".venv/bin/pip"):
        check_script(command, words)
    elif program in ("celery", "gunicorn"):
        check_procfile_quote(command)
    elif program == "honcho":
        assert (ROOT / ".venv" / "bin" / "honcho").exists()
        for process in words[2:]:
            assert procfile_line(process), process
    elif program == ".":
        assert (ROOT / words[1]).exists()
    else:
        assert program == "docker", command  # files checked above; Docker itself is not run here


def run_make(command: str, args: list[str], assignments: dict) -> None:
    targets = [a for a in args if "=" not in a]
    for variable in (a.split("=", 1)[0] for a in args if "=" in a):
        assert f"$${variable}" in (ROOT / "Makefile").read_text() or f"$({variable})" in (ROOT / "Makefile").read_text(), \
            f"{command!r}: the Makefile does not use {variable}"
    env = {**os.environ, **assignments}
    for name in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        env.pop(name, None)
    dry = subprocess.run(["make", "-n", "-o", ".venv/bin/.installed", *targets, *[a for a in args if "=" in a]], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert dry.returncode == 0, f"{command!r}: {dry.stderr}"
    assert ".venv/bin/" in dry.stdout, f"{command!r} does not run the virtualenv's programs:\n{dry.stdout}"


def check_flask(command: str, words: list[str]) -> None:
    if "--app" not in words:  # a command named in prose: `flask check-providers`
        assert re.search(rf"^\s+{re.escape(words[1])}\s", flask_help(), re.MULTILINE), f"{command!r}: no such command"
        return
    assert words[0] == ".venv/bin/flask", f"{command!r} runs whatever flask is on PATH: write .venv/bin/flask"
    name = words[words.index("--app") + 2]
    usage = flask_help(name)
    for option in (w.split("=", 1)[0] for w in words if w.startswith("--") and w != "--app"):
        assert option in usage, f"{command!r}: {name} has no option {option}"


def check_script(command: str, words: list[str]) -> None:
    if words[0].endswith("pip"):
        assert words[1:3] == ["install", "-r"] and (ROOT / words[3]).exists(), command
        return
    script = (ROOT / words[1]).read_text()
    for option in (w for w in words[2:] if w.startswith("--")):
        assert f'"{option}"' in script, f"{command!r}: {words[1]} has no option {option}"


def check_procfile_quote(command: str) -> None:
    """A Procfile line as the README quotes it (`celery … worker --queues ai,media …`): its options are the line's."""
    lines = [line.split(": ", 1)[1] for line in (ROOT / "Procfile").read_text().splitlines() if ": " in line]
    head = command.split("…")[-1].split("--")[0].strip() or command.split()[0]
    options = [w.split("=", 1)[0] for w in command.split() if w.startswith("--")]
    assert any(head in line and all(option in line for option in options) for line in lines), f"{command!r} is not a Procfile line"

