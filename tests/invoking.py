"""The jejak command, run as a user runs it: in this process through the entry point's own
``main`` (its imports paid once per test run), or in a fresh process through the
installed script. Both answer with a CompletedProcess: exit code, stdout and stderr."""

from __future__ import annotations

import subprocess
import sys
from contextlib import chdir
from pathlib import Path

from typer.testing import CliRunner

JEJAK = str(Path(sys.executable).with_name("jejak"))


def invoke(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``jejak ARGS`` in folder cwd, in this process: what main() prints and its exit code.

    main() turns errors into one line and Typer exits on usage errors, as in a fresh
    process; only a crash under --debug differs (it raises here), so the tests of the
    traceback run the installed script instead (:func:`spawn`).
    """
    from jejak.cli import main

    argv = sys.argv
    with chdir(cwd), CliRunner().isolation() as (stdout, stderr, _):
        sys.argv = ["jejak", *args]
        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = _exit_code(exit_.code)
        finally:
            sys.argv = argv
            sys.stdout.flush()
            sys.stderr.flush()
        out, err = stdout.getvalue().decode(), stderr.getvalue().decode()
    return subprocess.CompletedProcess(["jejak", *args], code, out, err)


def spawn(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """``jejak ARGS`` in folder cwd through the installed script, in a fresh process."""
    return subprocess.run(
        [JEJAK, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def _exit_code(code: object) -> int:
    """The process's exit code for ``sys.exit(code)``, as the interpreter sets it."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)  # sys.exit("message") prints it and exits 1
    return 1
