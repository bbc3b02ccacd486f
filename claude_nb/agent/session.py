"""One agent cell: its tools, its limits, and the record of what ran.

The tools are plain functions (described to the model by the SDK's ``beta_tool`` from
their signatures and docstrings) bound to this cell's session. Reading tools run
without asking; ``run_code`` asks first unless approval is ``auto`` (or the user
chose "Run all for this cell"), and never runs where nobody can answer. Stop
(the button, or an interrupt during a run) ends the whole answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import ClaudeError
from ..prompt import attachments as _attachments
from ..tools.toolbox import ToolResult
from ..view.consent import consuming
from ..view.stop import StopPressed, heard_while_running
from . import consent as _consent
from . import execute as _execute
from . import namespace as _namespace

APPROVALS = ("ask", "auto")
_LAST: list[Agent] = []


def last_agent() -> Agent | None:
    """The agent of the last answer that had one (what ``%claude runs`` inserts)."""
    return _LAST[0] if _LAST else None


def approval_said(approval: str) -> str:
    """How a run was approved, as the tool result and the saved answer say it."""
    return {"approved": "approved by the user", "edited": "edited and approved by the user"}.get(approval, approval)


@dataclass
class Run:
    """One ``run_code`` call as the saved answer and ``%claude runs`` show it."""

    code: str
    purpose: str
    approval: str
    """``approved``, ``approved automatically``, ``edited``, ``declined`` or ``not asked``."""
    result: str = ""
    ok: bool = True
    """False when the code raised or timed out."""


@dataclass
class Agent:
    """The agent's settings for one answer (``agent=Agent(...)`` or ``agent=True``)."""

    approval: str = "ask"
    max_runs: int = 10
    run_timeout: float = 60.0
    runs: list[Run] = field(default_factory=list)
    inserted: list[str] = field(default_factory=list)
    shell: Any = None

    def __post_init__(self) -> None:
        if self.approval not in APPROVALS:
            raise ClaudeError(f"agent approval takes one of {', '.join(APPROVALS)}, not {self.approval!r}")
        if self.max_runs < 0:
            raise ClaudeError("--max-runs needs a number of runs, 0 or more")
        if self.run_timeout <= 0:
            raise ClaudeError("--run-timeout needs a number of seconds above 0")
        self._failed: set[str] = set()
        self._all = self.approval == "auto"

    @classmethod
    def configured(
        cls,
        settings: Any,
        *,
        auto: bool = False,
        max_runs: int | None = None,
        run_timeout: float | None = None,
        shell: Any = None,
    ) -> Agent:
        """The ``Claude.agent_*`` settings, with what a cell's options say instead."""
        return cls(
            "auto" if auto else settings.agent_approval,
            settings.agent_max_runs if max_runs is None else max_runs,
            settings.agent_run_timeout if run_timeout is None else run_timeout,
            shell=shell,
        )

    def _shell(self) -> Any:
        if self.shell is None:
            from IPython import get_ipython

            self.shell = get_ipython()
            if self.shell is None:
                raise ClaudeError("the agent's tools need IPython: run it in a notebook or an IPython shell")
        return self.shell

    def tools(self) -> list[Callable[..., Any]]:
        """The notebook tools, bound to this session (the last agent: ``last_agent``)."""
        agent = self
        _LAST[:] = [self]

        def list_variables() -> str:
            """List the notebook's variables: name, type, shape or length and a short
            repr of each (private names, modules and secrets are left out or redacted)."""
            shell = agent._shell()
            return _namespace.list_variables(shell.user_ns, getattr(shell, "user_ns_hidden", None))

        def inspect(name: str) -> Any:
            """Describe one variable of the notebook in detail: a DataFrame's columns,
            types and rows, an array's shape and dtype, a function's signature and docs.

            Args:
                name: The variable's name, as list_variables gives it.
            """
            shell = agent._shell()
            text = _namespace.inspect_value(name, shell.user_ns, getattr(shell, "user_ns_hidden", None))
            return _as_seen(name, shell.user_ns.get(name), text)

        def read_cells(count: int = 5) -> str:
            """Read the notebook's most recent cells: their code and the output kept.

            Args:
                count: How many cells, most recent last (1 to 20).
            """
            return _namespace.read_cells(agent._shell(), count)

        def get_error() -> str:
            """The notebook's last error: type, message, the traceback through the
            user's own code, and the failing cell's source."""
            return _namespace.get_error()

        def run_code(code: str, purpose: str) -> Any:
            """Run Python code in the notebook's kernel, in the user's namespace, after
            the user approves it. Returns what it printed, displayed and returned, the
            error if it raised, the time it took and which variables it set.

            Args:
                code: The Python code to run.
                purpose: One short sentence for the user: what running it will find out or do.
            """
            return agent.run_code(code, purpose)

        def insert_cell(code: str) -> str:
            """Put code into a new cell below this one for the user to read and run
            themselves (it is not run).

            Args:
                code: The cell's code.
            """
            return agent.insert_cell(code)

        def ask_user(question: str, options: list[str] | None = None) -> str:
            """Ask the user a question and wait for the answer.

            Args:
                question: The question.
                options: Answers to offer as buttons (the user may also type one).
            """
            reply = _consent.ask_choice(question, options or [], agent._shell())
            return "Nobody can answer here (the notebook runs without a page)." if reply is None else reply

        return [list_variables, inspect, read_cells, get_error, run_code, insert_cell, ask_user]

    def run_code(self, code: str, purpose: str) -> Any:
        shell = self._shell()
        if len([r for r in self.runs if r.approval != "declined"]) >= self.max_runs:
            return f"Not run: the limit of {self.max_runs} code runs for this cell is reached; say what you found."
        if code in self._failed:
            # The same failing call again: a loop that would not end by itself.
            said = "Not run: this exact code already failed."
            return ToolResult(
                said, is_error=True, ends="the agent stopped: it asked to run the same failing code again"
            )
        approval = "approved automatically"
        if not self._all:
            decision = self._ask(code, purpose)
            if decision is None:
                self.runs.append(Run(code, purpose, "declined", "nobody could approve it"))
                return (
                    "Not run: nobody can approve code here (the notebook runs without a page). "
                    "Run the cell with --auto to let code run, or show the code to the user instead."
                )
            if decision.action == "stop":
                self.runs.append(Run(code, purpose, "declined", "stopped by the user"))
                raise StopPressed  # the user's choice, as the view's Stop: the cells after it run
            if decision.action == "skip":
                why = f" Their reason: {decision.reason}" if decision.reason else ""
                self.runs.append(Run(code, purpose, "declined", decision.reason))
                return f"Not run: the user declined to run this code.{why}"
            if decision.action == "run_all":
                self._all = True
            code = decision.code
            approval = "edited" if decision.edited else "approved"
        view = consuming()
        try:
            with heard_while_running(view):
                ran = _execute.run_code(shell, code, self.run_timeout)
        except KeyboardInterrupt:  # the kernel's interrupt, or the view's Stop (StopPressed)
            self.runs.append(Run(code, purpose, approval, "interrupted", False))
            raise
        if not ran.ok and not ran.timed_out:
            self._failed.add(code)
        text = f"{approval_said(approval)}; {ran.report()}"
        if approval == "edited":
            text = "The user edited the code before running it; it ran as:\n" + code + "\n" + text
        self.runs.append(Run(code, purpose, approval, text, ran.ok))
        if view is not None and ran.ok:
            view.consent.ran(f"# {purpose} ({approval})\n{code}")
        if ran.images:
            return ToolResult(text, ran.images)
        return text

    def _ask(self, code: str, purpose: str) -> _consent.Decision | None:
        shell = self._shell()
        if getattr(shell, "kernel", None) is None:
            return _consent.ask_terminal(code, purpose)
        if not _consent.page_can_answer(shell):
            return None
        return _consent.ask_page(code, purpose)

    def insert_cell(self, code: str) -> str:
        self.inserted.append(code)
        shell = self._shell()
        shell.set_next_input("\n\n".join(self.inserted), replace=False)
        return "The code is in a new cell below this one, for the user to run."

    def runs_source(self) -> str:
        """Every code run that ran, as one cell's source, each headed by its purpose and
        how it was approved; one that failed is kept commented out, so the cell runs."""
        parts = []
        for run in self.runs:
            if run.approval == "declined":
                continue
            if run.ok:
                parts.append(f"# {run.purpose} ({run.approval})\n{run.code}")
            else:
                failed = "\n".join(f"# {line}" for line in run.code.splitlines())
                parts.append(f"# {run.purpose} ({run.approval}; it failed, so it is left out)\n{failed}")
        return "\n\n".join(parts)


def _as_seen(name: str, value: Any, text: str) -> Any:
    """A figure or an image is sent as the image itself, as ``{name}`` context sends it."""
    if isinstance(value, (bytes, bytearray, memoryview)) or _namespace.REDACTED in text:
        return text  # bytes are described, not sent; a secret stays redacted
    try:
        found = _attachments.attachment(name, value, file_chars=0)
    except Exception:  # an image the API cannot take: the description will do
        return text
    if isinstance(found, _attachments.Attachment):
        return ToolResult(f"{text}\n{found.placeholder}", [found.block])
    return text
