"""Run Procfile processes side by side in one terminal: `make run` and `make flower` use it.

Like honcho or foreman, with two differences that make Ctrl-C clean:
- each process gets SIGTERM itself, not its whole process group, so a Celery worker closes its
  own pool (its pool processes are never signalled behind its back) and gunicorn stops its own
  workers;
- each has STOP_SECONDS to finish what it is doing (a Celery task in progress, a request)
  before it is killed, and that is said plainly. A second Ctrl-C kills at once.

Every process sees the same environment, PORT included, with this virtualenv first on PATH.
Each Procfile line is one command, which replaces the shell that expands its variables (`exec`).

Usage: python scripts/procfile.py [NAME ...]   (default: every process of ./Procfile)
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

STOP_SECONDS = 30
COLOURS = ("36", "33", "32", "35", "34", "31")


def read_procfile(path: Path) -> dict[str, str]:
    processes = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, command = line.partition(":")
            processes[name.strip()] = command.strip()
    return processes


class Runner:
    def __init__(self, commands: dict[str, str]):
        self.commands = commands
        self.width = max(map(len, commands))
        self.children: dict[str, subprocess.Popen] = {}
        self.print_lock = threading.Lock()
        self.stopping = threading.Event()
        self.interrupts = 0

    def say(self, name: str, text: str, colour: str = "1") -> None:
        prefix = f"{name:<{self.width}} |"
        if sys.stdout.isatty():
            prefix = f"\033[{colour}m{prefix}\033[0m"
        with self.print_lock:
            print(f"{prefix} {text}", flush=True)

    def start(self) -> None:
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               "PYTHONUNBUFFERED": "1"}
        for index, (name, command) in enumerate(self.commands.items()):
            # `exec`: the signal reaches the program itself, not a shell waiting for it.
            child = subprocess.Popen(["/bin/sh", "-c", f"exec {command}"], env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
            self.children[name] = child
            colour = COLOURS[index % len(COLOURS)]
            threading.Thread(target=self._relay, args=(name, child, colour), daemon=True).start()

    def _relay(self, name: str, child: subprocess.Popen, colour: str) -> None:
        for raw in child.stdout:
            self.say(name, raw.decode(errors="replace").rstrip(), colour)

    def on_signal(self, signum, frame) -> None:
        self.interrupts += 1
        if self.interrupts > 1:
            self.say("system", "second interrupt: killing every process now")
            self._kill_all()
        self.stopping.set()

    def _kill_all(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGKILL)

    def wait(self) -> int:
        """Until Ctrl-C or until a process ends; then stop the others. Returns the exit code."""
        ended = None
        while not self.stopping.wait(0.2):
            ended = next((name for name, child in self.children.items() if child.poll() is not None), None)
            if ended:
                self.say("system", f"{ended} ended (exit code {self.children[ended].returncode}): stopping the others")
                break
        self.stop()
        return (self.children[ended].returncode or 1) if ended else 0

    def stop(self) -> None:
        running = {name: child for name, child in self.children.items() if child.poll() is None}
        self.say("system", f"stopping {', '.join(running) or 'nothing'}")
        for child in running.values():
            child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for name, child in running.items():
            try:
                child.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say("system", f"{name} did not stop within {STOP_SECONDS} s: killing it")
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        self.say("system", "all stopped")


def main(names: list[str]) -> int:
    processes = read_procfile(Path("Procfile"))
    unknown = [name for name in names if name not in processes]
    if unknown:
        print(f"not in the Procfile: {', '.join(unknown)} (it has {', '.join(processes)})", file=sys.stderr)
        return 2
    runner = Runner({name: processes[name] for name in names or processes})
    for stop_signal in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGHUP: the terminal was closed
        signal.signal(stop_signal, runner.on_signal)
    runner.start()
    return runner.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
