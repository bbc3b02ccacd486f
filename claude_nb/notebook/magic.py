"""``%%claude`` and ``%claude``: a thin shell over the public API.

Parse the options, interpolate the prompt, build the request from the conversation,
stream it through a ``StreamView``, bind the result. Nothing here renders or talks
HTTP itself.
"""

from __future__ import annotations

import getpass
from typing import Any

from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from ..agent.session import Agent
from ..api.background import cell_parent
from ..core.config import Claude
from ..core.errors import ClaudeError, describe_exception
from ..offline.cassette import Recorder
from ..offline.tapes import Tapes
from ..prompt.context import Prompt, build
from ..request.params import build_params
from ..request.schema import parse, schema_named, with_format
from ..request.thinking import describe_thinking, thinking_option
from ..tools.toolbox import lookup_functions
from ..view.stop import StopPressed
from ..wire import client as _client
from .commands import error_report, insert_code, insert_runs, print_models, with_error
from .conversation import Conversation, assistant_param


def _cell_metadata(shell: Any) -> dict[str, Any]:
    """The execute request's metadata (JupyterLab/Notebook 7 put ``cellId`` there)."""
    parent: Any = cell_parent(shell)
    if not parent:
        parent = getattr(shell, "parent_header", None)
    metadata = (parent or {}).get("metadata") or {}
    return metadata if isinstance(metadata, dict) else {}


@magics_class
class ClaudeMagics(Magics):
    def __init__(self, shell: Any, settings: Claude) -> None:
        super().__init__(shell)
        self.settings = settings
        self.conversation = Conversation()
        self.tapes = Tapes()

    @magic_arguments("%claude")  # IPython prefixes one more "%": the usage line reads "%%claude ..."
    @argument("-m", "--model", help="Model name (default: Claude.model).")
    @argument("--max-tokens", type=int, help="Maximum tokens in the answer (default: Claude.max_tokens).")
    @argument("-s", "--system", help="System prompt (default: Claude.system).")
    @argument(
        "--thinking",
        help="Thinking: 'adaptive', a budget in tokens (>= 1024) or 'off' (default: Claude.thinking, adaptive "
        "where the model takes it).",
    )
    @argument(
        "--no-thinking",
        action="store_true",
        help="No up-front thinking: 'disabled' where the model takes it, else 'between_tools'.",
    )
    @argument(
        "--thinking-display",
        help="With thinking on: 'summarized' shows the thinking text, 'omitted' only says it happened "
        "(default: Claude.thinking_display).",
    )
    @argument(
        "-t",
        "--temperature",
        type=float,
        help="Deprecated, not sent: API version 2026-10-21 refuses sampling parameters (the footer says so).",
    )
    @argument(
        "--effort",
        help="How much effort the model spends: low, medium, high, xhigh or max (output_config.effort; "
        "default: Claude.effort).",
    )
    @argument("-o", "--out", help="Variable to bind the final Message to (default: _claude).")
    @argument("--new", action="store_true", help="Start a fresh conversation with this cell.")
    @argument(
        "--fix",
        action="store_true",
        help="Add the last error (its type, message, your frames and the cell that raised) to the prompt.",
    )
    @argument("--raw", action="store_true", help="Send the cell as written: no {name} interpolation.")
    @argument(
        "--schema",
        metavar="NAME",
        help="A pydantic model or a JSON-schema dict in the notebook: the answer is JSON of that shape "
        "(output_config.format), and -o gets the model's instance (or the dict).",
    )
    @argument(
        "--tools",
        help="Notebook functions Claude may call, by name: f,g. Described from their signature and "
        "docstring; run when asked, and the answer goes on in the same view.",
    )
    @argument(
        "--server-tools",
        help="The API's own tools: web_search, web_fetch, code_execution (or a versioned type name).",
    )
    @argument(
        "--beta",
        action="append",
        metavar="NAME",
        help="A beta of the API by its header name (repeatable): the request goes through "
        "client.beta.messages, and beta blocks come back whole.",
    )
    @argument(
        "--agent",
        action="store_true",
        help="Notebook tools: Claude reads variables, cells and the last error, and runs code here once you click Run.",
    )
    @argument("--auto", action="store_true", help="With --agent: run Claude's code without asking (still shown).")
    @argument(
        "--max-runs", type=int, help="With --agent: most code runs in this cell (default: Claude.agent_max_runs)."
    )
    @argument(
        "--run-timeout", type=float, help="With --agent: seconds one run may take (default: Claude.agent_run_timeout)."
    )
    @argument("--max-turns", type=int, help="Most model turns in a tool loop (default: Claude.max_turns).")
    @argument(
        "--bg",
        action="store_true",
        help="In the background: the cell returns at once and the answer streams while other cells run; "
        "-o NAME is bound when it ends (a Stop button stops it).",
    )
    @argument("--record", metavar="PATH", help="Save the raw stream of this answer (every turn) as a cassette.")
    @argument("--replay", metavar="PATH", help="Play a cassette back: no key, no network, the same answer.")
    @cell_magic
    def claude(self, line: str, cell: str) -> None:
        """Ask Claude; the cell body is the prompt. ``{name}`` inserts a variable's value.

        The answer streams into a live view; the final anthropic Message is bound to
        ``_claude`` (or ``-o NAME``). Consecutive cells continue one conversation.
        """
        assert self.shell is not None
        args = parse_argstring(self.claude, line)
        for name in ("model", "system", "out", "thinking", "thinking_display"):
            setattr(args, name, _unquote(getattr(args, name)))
        namespace = self.shell.user_ns
        body = cell.strip("\n")
        prompt = (
            Prompt(body, body)
            if args.raw
            else build(body, namespace, context_chars=self.settings.context_chars, file_chars=self.settings.file_chars)
        )
        if args.fix:
            prompt = with_error(prompt, error_report())
        if not prompt.echo.strip():
            raise ClaudeError("the cell is empty: write the prompt below %%claude")
        out = args.out or self.settings.out
        if not out.isidentifier():
            raise ClaudeError(f"-o needs a variable name, not {out!r}")
        metadata = _cell_metadata(self.shell)
        if args.new:
            self.conversation.reset()
        deleted = metadata.get("deletedCells")
        if isinstance(deleted, list) and deleted:
            self.conversation.forget_cells([str(c) for c in deleted])
        cell_id = metadata.get("cellId")
        cell_id = str(cell_id) if cell_id else None
        messages = self.conversation.request_messages(prompt.content, cell_id)
        thinking = thinking_option(args.thinking, args.no_thinking)
        target = schema_named(_unquote(args.schema), namespace)
        extra: dict[str, Any] = {}
        if args.tools:
            extra["tools"] = lookup_functions(args.tools, namespace)
        if args.agent or args.auto or args.max_runs is not None or args.run_timeout is not None:
            if not args.agent:
                raise ClaudeError("--auto, --max-runs and --run-timeout go with --agent")
            agent = Agent.configured(
                self.settings, auto=args.auto, max_runs=args.max_runs, run_timeout=args.run_timeout, shell=self.shell
            )
            extra["tools"] = [*extra.get("tools", []), *agent.tools()]
        if args.server_tools:
            extra["server_tools"] = _unquote(args.server_tools)
        if args.beta:
            extra["betas"] = [str(_unquote(name)) for name in args.beta]
        if args.max_turns is not None:
            if args.max_turns < 1:
                raise ClaudeError("--max-turns needs a number of turns, 1 or more")
            extra["max_turns"] = args.max_turns
        record, replay = self.tapes.paths(args.record, args.replay, cell_id)
        recorder: Recorder | None = None
        prepared: list[Any] = []

        def prepare() -> None:
            # The request (its default model is the SDK's), the SDK and the widget stack,
            # imported when first needed: in the background for --bg, so a cell run right
            # after %load_ext returns at once.
            nonlocal recorder
            params = build_params(
                self.settings,
                messages,
                model=args.model,
                max_tokens=args.max_tokens,
                system=args.system,
                thinking=thinking,
                thinking_display=args.thinking_display,
                temperature=args.temperature,
                effort=_unquote(args.effort),
            )
            params = {**(with_format(params, target) if target is not None else params), **extra}
            offline = self.tapes.load(replay, params) if replay is not None else None
            if replay is None and record is not None:
                recorder = Recorder(params)
            from ..api import stream as _api

            wrap = recorder.client if recorder is not None else None
            prepared.extend(_api.prepare(self.settings, params, offline=offline, wrap=wrap))

        def answer() -> None:
            view, pending = prepared
            try:
                final = view.consume(pending)
            except StopPressed:
                # The page's Stop: what arrived is the answer, bound and kept in the conversation.
                if view.message is None:
                    return
                final = view.message
            except KeyboardInterrupt:
                self._bind_partial(out, view)
                raise ClaudeError(f"stopped; the partial answer is kept in {out}") from None
            except Exception as exc:
                kept = self._bind_partial(out, view)
                detail = describe_exception(exc, mid_stream=kept).detail
                if kept:
                    detail += f"\nThe partial answer is kept in {out}."
                raise ClaudeError(detail) from None
            finally:
                if recorder is not None and record is not None:
                    self.tapes.save(recorder, record)
            namespace[out] = final
            if target is not None:
                text = "".join(getattr(b, "text", "") for b in final.content if getattr(b, "type", "") == "text")
                try:
                    namespace[out] = parse(text, target, args.schema)
                except ClaudeError as exc:
                    where = f"The Message is kept in {out} (stop reason: {final.stop_reason})."
                    raise ClaudeError(f"{exc}\n{where}") from None
            from ..view.snapshot import provenance  # with the view's stack, loaded by the first answer

            about = provenance(view.state, final)
            self.conversation.record(
                cell_id, messages[-1], *(view.messages or [assistant_param(final)]), echo=prompt.echo, about=about
            )

        if args.bg:
            from ..api.background import start

            start(answer, self.shell, name=out, before=prepare)
        else:
            prepare()
            answer()

    def _bind_partial(self, out: str, view: Any) -> bool:
        if view.message is not None and self.shell is not None:
            self.shell.user_ns[out] = view.message
            return True
        return False

    @line_magic("claude")  # type: ignore[arg-type]  # IPython types the name argument oddly
    def claude_line(self, line: str) -> None:
        """%claude [status | reset | history | code [N] | login | logout | demo [off|auto] | record DIR | replay DIR]

        status (or nothing): settings, where requests go (API URL, SDK version), the
        key's source (never the key) and the conversation's length.
        reset: start a new conversation. history: the conversation so far.
        code [N]: the last answer's code in a new cell below (the last Python block, or
        block N). runs: the code the last --agent cell ran, in a new cell below.
        fix [question]: ask why the last error happened and how to fix it.
        models: the endpoint's models, newest first (context window, output, support).
        login: type a key into a hidden prompt (kept in memory only). logout: forget it.
        demo: recorded answers with no key (auto: only when no key is set).
        record DIR / replay DIR: every %%claude cell after it saves its stream to (or
        plays it from) DIR, one cassette per cell; off stops.
        """
        command, _, rest = line.strip().partition(" ")
        command, rest = command.lower(), _unquote(rest.strip()) or ""
        if command == "demo":
            self._demo(rest.lower())
        elif command == "code":
            insert_code(self.shell, rest)
        elif command == "models":
            print_models(self.settings)
        elif command == "runs":
            insert_runs(self.shell)
        elif command == "fix":
            self.claude("--raw", error_report(rest))
        elif command in ("record", "replay"):
            print(self.tapes.folder(command, rest))
        elif command == "reset":
            self.conversation.reset()
            print("Conversation cleared.")
        elif command == "history":
            self._print_history()
        elif command == "login":
            self._login()
        elif command == "logout":
            _client.set_memory_key(None)
            print("In-memory key forgotten.")
        elif command in ("", "status"):
            self._print_status()
        else:
            raise ClaudeError(
                f"unknown %claude command {line.strip()!r}; use status, reset, history, code, runs, fix, models, "
                "login, logout, demo, record or replay"
            )

    def _demo(self, mode: str) -> None:
        if mode in ("", "on"):
            self.settings.demo = True
        elif mode == "off":
            self.settings.demo = False
        elif mode == "auto":
            self.settings.demo = _client.key_source() is None
        else:
            raise ClaudeError("use %claude demo, %claude demo off or %claude demo auto (on when no key is set)")
        if self.settings.demo:
            print("Demo mode: answers are recorded ones, played with no key or network. %claude demo off to stop.")
        else:
            print("Demo mode is off: answers come from the API.")

    def _print_status(self) -> None:
        s = self.settings
        rows = [
            ("model", s.model),
            ("max_tokens", s.max_tokens),
            ("system", s.system or "(none)"),
            ("thinking", describe_thinking(s.thinking, s.thinking_display)),
            (
                "temperature",
                "unset" if s.temperature is None else f"{s.temperature} (not sent: API 2026-10-21 refuses it)",
            ),
            ("effort", s.effort or "API default"),
            ("out", s.out),
            ("allow_remote_images", s.allow_remote_images),
            ("cache", "on (history marked for prompt caching)" if s.cache else "off"),
            ("context", f"frames up to {s.context_chars:,} chars, text files up to {s.file_chars:,}"),
            ("budget_tokens", f"{s.budget_tokens:,} (larger requests are counted before sending)"),
            ("api", "demo mode (recorded answers, no key)" if s.demo else _client.describe_endpoint(s.base_url)),
            ("sdk", _client.sdk_version()),
            ("key", _client.key_source() or "not set (ANTHROPIC_API_KEY or %claude login)"),
            ("conversation", f"{len(self.conversation)} turn(s)"),
        ]
        width = max(len(k) for k, _ in rows)
        for key, value in rows:
            print(f"{key:<{width}}  {value}")

    def _print_history(self) -> None:
        if not self.conversation.turns:
            print("No conversation yet.")
            return
        for i, turn in enumerate(self.conversation.turns, 1):
            print(f"[{i}] you: {_clip(turn.prompt_text)}")
            print(f"    claude: {_clip(turn.answer_text)}")
            if turn.about:
                print(f"    ({_about(turn.about)})")

    def _login(self) -> None:
        try:
            key = getpass.getpass("Anthropic API key (kept in memory only): ")
        except Exception as exc:  # no stdin here (nbclient, some frontends)
            raise ClaudeError(
                "this frontend cannot prompt for input; set ANTHROPIC_API_KEY in the environment instead"
            ) from exc
        if not key.strip():
            print("No key entered.")
            return
        _client.set_memory_key(key.strip())
        print("Key stored in memory for this kernel.")


def _unquote(value: str | None) -> str | None:
    """IPython's argument splitter keeps quotes around a quoted option value."""
    if value and len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _about(about: dict[str, Any]) -> str:
    """A turn's provenance in one line: model, ids, tokens, when."""
    usage = about.get("usage") or {}
    parts = [
        str(about.get("model") or "?"),
        str(about.get("message_id") or ""),
        f"request {about['request_id']}" if about.get("request_id") else "",
        f"{usage.get('input_tokens', 0):,} in / {usage.get('output_tokens', 0):,} out tokens" if usage else "",
        f"stop: {about['stop_reason']}" if about.get("stop_reason") else "",
        str(about.get("finished") or ""),
    ]
    return " · ".join(p for p in parts if p)


def _clip(text: str, width: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
