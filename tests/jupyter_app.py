"""Start JupyterLab or Notebook 7 on loopback, isolated from the user's settings,
and drive it with Playwright in Debian's Chromium."""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class JupyterApp:
    def __init__(
        self, app: str, root: Path, env: dict[str, str], *, theme: str | None = None, disabled: tuple[str, ...] = ()
    ) -> None:
        self.app = app
        self.root = root
        self.port = free_port()
        self.token = secrets.token_hex(16)
        state = root.parent / f"{app}-state"
        settings = state / "settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True, exist_ok=True)
        (settings / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False})
        )
        if theme:
            (settings / "themes.jupyterlab-settings").write_text(json.dumps({"theme": theme}))
        if disabled:  # what `jupyter labextension disable` writes
            labconfig = state / "config" / "labconfig"
            labconfig.mkdir(parents=True, exist_ok=True)
            page_config = {"disabledExtensions": dict.fromkeys(disabled, True)}
            (labconfig / "page_config.json").write_text(json.dumps(page_config))
        self.env = {
            **env,
            "JUPYTER_CONFIG_DIR": str(state / "config"),
            "JUPYTER_DATA_DIR": str(state / "data"),  # the notebook signatures' secret and database
            "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(state / "settings"),
            "JUPYTERLAB_WORKSPACES_DIR": str(state / "workspaces"),
        }
        cmd = [
            sys.executable,
            "-m",
            "jupyter",
            "lab" if app == "lab" else "notebook",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={root}",
            "--ServerApp.allow_root=True",
        ]
        if app == "lab":
            cmd += ["--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        self.log = open(root.parent / f"{app}-server.log", "w")
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_ready()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self, path: str, method: str = "GET") -> Any:
        return self.api_at(self.base, self.token, path, method)

    @staticmethod
    def api_at(base: str, token: str, path: str, method: str = "GET") -> Any:
        request = urllib.request.Request(f"{base}{path}", method=method, headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
            return json.loads(body) if body else None

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter {self.app} exited; see {self.log.name}")
            try:
                self.api("/api/status")
                return
            except OSError:
                time.sleep(0.25)
        raise TimeoutError(f"jupyter {self.app} did not start")

    def url(self, notebook: str) -> str:
        """The notebook's page; in JupyterLab with a fresh workspace (``reset``), so a
        page does not reopen the notebooks of earlier pages on the same server."""
        if self.app == "lab":
            return f"{self.base}/lab/tree/{notebook}?reset&token={self.token}"
        return f"{self.base}/notebooks/{notebook}?token={self.token}"

    def shutdown_kernels(self) -> None:
        for kernel in self.api("/api/kernels"):
            self.api(f"/api/kernels/{kernel['id']}", method="DELETE")

    def stop(self) -> None:
        try:
            self.api("/api/shutdown", method="POST")
            self.proc.wait(timeout=15)
        except Exception:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


@contextmanager
def browser_context(profile: Path) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium (make test does)")
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            yield context
        finally:
            context.close()


def wait_kernel_idle(app: JupyterApp, page: Any, timeout: float = 60) -> None:
    page.wait_for_selector(".jp-Cell", state="attached", timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            kernels = app.api("/api/kernels")
        except urllib.error.HTTPError as exc:
            # jupyter_server can answer 500 while a kernel it lists is still starting.
            if exc.code < 500:
                raise
            time.sleep(0.25)
            continue
        if kernels and all(k["execution_state"] == "idle" and k["connections"] >= 1 for k in kernels):
            if page.query_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]') or app.app == "notebook":
                return
        time.sleep(0.25)
    raise TimeoutError("the kernel did not become idle")


def run_all_cells(page: Any) -> None:
    """Run > Run All Cells, through the menu as a person would."""
    page.locator(".lm-MenuBar-itemLabel").filter(has_text=re.compile(r"^Run$")).first.click()
    page.locator(".lm-Menu-itemLabel").filter(has_text=re.compile(r"^Run All Cells$")).first.click()
