"""A real ipykernel driven over ZMQ with jupyter_client, as a notebook frontend drives it.
Used by the tests and the benchmark."""

from __future__ import annotations

import json
import queue
from dataclasses import dataclass, field
from typing import Any

from jupyter_client.manager import KernelManager


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

    def stop(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)
