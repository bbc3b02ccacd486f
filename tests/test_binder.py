"""What mybinder.org builds from ``binder/``: checked with repo2docker itself (it writes
the Dockerfile without Docker), and by installing binder's requirements into a fresh
venv and running every notebook there, headless, with no key."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from .test_notebook import NOTEBOOKS, check_ran

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.binder

RUN_ALL = """
import sys, nbformat
from nbclient import NotebookClient
out = sys.argv[1]
for path in sys.argv[2:]:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3").execute()
    nbformat.write(nb, f"{out}/{path.rsplit('/', 1)[-1]}")
    print("ran", path)
"""

# Recorded answers stream at full speed here: the pace is for people watching.
FULL_SPEED = "c.Claude.demo_tokens_per_second = 0\n"


def _git_status() -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT, capture_output=True, text=True
    ).stdout


def test_repo2docker_builds_binder_as_intended() -> None:
    tool = shutil.which("jupyter-repo2docker", path=str(Path(sys.executable).parent))
    assert tool is not None, "jupyter-repo2docker is a test dependency: pip install -e '.[test]'"
    out = subprocess.run(
        [tool, "--no-build", "--no-run", "--debug", "--user-id", "1000", "--user-name", "jovyan", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    dockerfile = out.stdout + out.stderr
    assert "python=3.11" in dockerfile  # binder/runtime.txt
    copy, install = dockerfile.index("COPY --chown=1000:1000 src/ "), dockerfile.index('-r "binder/requirements.txt"')
    assert copy < install  # the whole repository is there when "." is installed
    assert 'R2D_ENTRYPOINT="${REPO_DIR}/binder/start"' in dockerfile  # which turns demo mode on


def test_every_notebook_runs_in_a_fresh_binder_environment(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE_NB_", "PYTHON"))}
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "-r", "binder/requirements.txt"],
        cwd=ROOT,  # as repo2docker runs it: "." is the repository
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    profile = tmp_path / "ipython" / "profile_default"
    profile.mkdir(parents=True)
    (profile / "ipython_kernel_config.py").write_text(FULL_SPEED)
    out = tmp_path / "ran"
    out.mkdir()
    run = subprocess.run(
        [str(venv / "bin" / "jupyter"), "--version"], env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0 and "jupyterlab" in run.stdout
    # The start script binder runs everything under, then every notebook where it is
    # (as a user opens it): running them writes no file of the repository.
    before = _git_status()
    run = subprocess.run(
        [str(ROOT / "binder" / "start"), str(python), "-c", RUN_ALL, str(out), *map(str, NOTEBOOKS)],
        cwd=ROOT / "notebooks",
        env={**env, "PATH": f"{venv / 'bin'}:{env.get('PATH', '')}", "IPYTHONDIR": str(tmp_path / "ipython")},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.count("ran ") == len(NOTEBOOKS) >= 4
    assert _git_status() == before, "running the notebooks changed files of the repository"
    for path in NOTEBOOKS:
        check_ran(nbformat.read(out / path.name, as_version=4))
    where = subprocess.run(
        [str(python), "-c", "import claude_nb; print(claude_nb.__file__)"],
        cwd=ROOT / "notebooks",
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert str(venv) in where  # the installed package ran, not the source tree
