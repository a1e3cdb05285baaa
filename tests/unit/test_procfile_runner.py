"""scripts/procfile.py, the runner behind `make run`: output relayed per process, SIGTERM to each
process itself on Ctrl-C, and everything stopped when one process ends on its own."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNNER = [sys.executable, str(ROOT / "scripts" / "procfile.py")]


def waits_for_sigterm(name: str) -> str:
    """A Procfile command that says when it starts and when SIGTERM stops it."""
    code = (f"import signal, sys, time; signal.signal(signal.SIGTERM, lambda *a: (print('{name} stopping', flush=True), sys.exit(0)));"
            f" print('{name} ready', flush=True); time.sleep(60)")
    return f'{sys.executable} -c "{code}"'


def run(tmp_path: Path, procfile: str, *names: str) -> subprocess.Popen:
    (tmp_path / "Procfile").write_text(procfile)
    return subprocess.Popen([*RUNNER, *names], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_when_one_process_ends_the_others_are_stopped_and_its_exit_code_returned(tmp_path):
    runner = run(tmp_path, f"long: {waits_for_sigterm('long')}\nshort: sh -c 'sleep 1.5; exit 3'\n")
    output, _ = runner.communicate(timeout=30)
    assert runner.returncode == 3
    assert "short ended (exit code 3)" in output
    assert "long  | long stopping" in output and output.rstrip().endswith("all stopped")


def test_ctrl_c_sends_sigterm_to_each_process_and_ends_with_success(tmp_path):
    runner = run(tmp_path, f"one: {waits_for_sigterm('one')}\ntwo: {waits_for_sigterm('two')}\nthree: echo never started\n",
                 "one", "two")
    time.sleep(2)
    runner.send_signal(signal.SIGINT)
    output, _ = runner.communicate(timeout=30)
    assert runner.returncode == 0, output
    assert "one stopping" in output and "two stopping" in output and "never started" not in output


def test_an_unknown_process_name_is_refused(tmp_path):
    runner = run(tmp_path, "web: true\n", "wbe")
    output, _ = runner.communicate(timeout=30)
    assert runner.returncode == 2 and "not in the Procfile: wbe" in output
