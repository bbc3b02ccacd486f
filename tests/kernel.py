"""A real ipykernel driven over ZMQ with jupyter_client, as a notebook frontend drives it.
Used by the tests and the benchmark."""

from __future__ import annotations

import json
import queue
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from jupyter_client.manager import KernelManager


def view_opened(msg: dict[str, Any]) -> str | None:
    """The comm id of a claude_nb live view this message opens (an anywidget), else None."""
    if msg["msg_type"] == "comm_open" and "_esm" in msg["content"]["data"]["state"]:
        return str(msg["content"]["comm_id"])
    return None


def frame_of(msg: dict[str, Any]) -> dict[str, Any]:
    """The content of a widget's custom message (a view's frame), else {}."""
    if msg["msg_type"] != "comm_msg":
        return {}
    content = msg["content"].get("data", {}).get("content", {})
    return content if isinstance(content, dict) else {}


@dataclass
class CellRun:
    reply: dict[str, Any]
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.reply["content"]["status"] == "ok")

    @property
    def stdout(self) -> str:
        return "".join(
            m["content"]["text"]
            for m in self.messages
            if m["msg_type"] == "stream" and m["content"]["name"] == "stdout"
        )

    @property
    def error_lines(self) -> list[str]:
        for m in self.messages:
            if m["msg_type"] == "error":
                return list(m["content"]["traceback"])
        return []

    def of_type(self, msg_type: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["msg_type"] == msg_type]

    def json_out(self) -> Any:
        return json.loads(self.stdout.strip().splitlines()[-1])


class Kernel:
    """A real ipykernel driven over ZMQ, as a notebook frontend drives it."""

    def __init__(self, env: dict[str, str]) -> None:
        self.km = KernelManager(kernel_name="python3")
        self.km.start_kernel(env=env, extra_arguments=[])
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)
        self.all_messages: list[dict[str, Any]] = []

    def run(self, code: str, *, cell_id: str | None = None, timeout: float = 60) -> CellRun:
        content = {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        }
        msg = self.kc.session.msg("execute_request", content)
        if cell_id is not None:
            msg["metadata"]["cellId"] = cell_id
        self.kc.shell_channel.send(msg)
        msg_id = msg["header"]["msg_id"]
        run = CellRun(reply={})
        while True:
            try:
                iopub = self.kc.get_iopub_msg(timeout=timeout)
            except queue.Empty:
                raise TimeoutError(f"no output from the kernel for {timeout}s running:\n{code}") from None
            self.all_messages.append(iopub)
            if iopub["parent_header"].get("msg_id") != msg_id:
                continue
            run.messages.append(iopub)
            if iopub["msg_type"] == "status" and iopub["content"]["execution_state"] == "idle":
                break
        while True:
            reply = self.kc.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                run.reply = reply
                return run

    # -- a page's side of a running cell: its messages as they come, widget messages sent
    def messages_of(self, msg_id: str, timeout: float = 30) -> Iterator[dict[str, Any]]:
        """IOPub messages of one cell as they arrive (others are skipped), up to its idle."""
        while True:
            msg = self.kc.get_iopub_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            yield msg
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return

    def send_to_widget(self, comm_id: str, content: dict[str, Any]) -> None:
        """A widget's custom message, as the page sends it on a click."""
        data = {"method": "custom", "content": content}
        self.kc.shell_channel.send(self.kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data}))

    def until_idle(self, *msg_ids: str, timeout: float = 60) -> tuple[list[str], dict[str, CellRun]]:
        """Read IOPub until every cell in ``msg_ids`` is idle: the order they ended in,
        and each one's messages (its reply left unread)."""
        runs = {i: CellRun(reply={}) for i in msg_ids}
        idle: list[str] = []
        while len(idle) < len(msg_ids):
            msg = self.kc.get_iopub_msg(timeout=timeout)
            parent = msg["parent_header"].get("msg_id")
            if parent not in runs:
                continue
            runs[parent].messages.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                idle.append(parent)
        return idle, runs

    def stop(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)
