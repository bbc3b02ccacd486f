"""``make demo``: JupyterLab on a scratch copy of the notebooks, opened on the quickstart.

The copy keeps the work tree clean however the notebooks are run. JupyterLab starts
on ``quickstart.ipynb`` (its default URL, so the printed URL and a browser, where one
can be opened, land there) with no news pop-up and no update check: settings of this
environment only (its ``share/jupyter/lab/settings/overrides.json``), not the user's.
Arguments after the script's own go to ``jupyter lab`` (a port, a token, --no-browser).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST = "quickstart.ipynb"
QUIET = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
}


def quiet_settings(prefix: Path) -> Path:
    """Merge the settings that keep pop-ups away into this environment's overrides."""
    path = prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(path.read_text()) if path.exists() else {}
    for plugin, values in QUIET.items():
        current[plugin] = {**current.get(plugin, {}), **values}
    path.write_text(json.dumps(current, indent=2))
    return path


def scratch_copy(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(ROOT / "notebooks", folder)
    return folder


def command(folder: Path, extra: list[str]) -> list[str]:
    args = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        f"--ServerApp.root_dir={folder}",
        f"--LabApp.default_url=/lab/tree/{FIRST}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if os.geteuid() == 0:
        args.append("--allow-root")
    return [*args, *extra]


def main(argv: list[str]) -> None:
    folder = scratch_copy(Path(sys.prefix) / "demo-notebooks")
    quiet_settings(Path(sys.prefix))
    if not os.environ.get("ANTHROPIC_API_KEY"):
        print("no ANTHROPIC_API_KEY: demo mode (recorded answers)", flush=True)
        os.environ["CLAUDE_NB_DEMO"] = "1"
    else:
        os.environ.setdefault("CLAUDE_NB_DEMO", "0")
    args = command(folder, argv)
    os.execv(args[0], args)


if __name__ == "__main__":
    main(sys.argv[1:])
