"""Asking the user before the agent's code runs: in the cell, under the answer, with
the code highlighted and its purpose, and buttons heard while the cell runs; in a
terminal, a prompt. Where nobody can answer (an execute request that does not allow
input, as nbclient sends), the answer is no, at once.

Everything from the model (code, purpose, question, options) is shown escaped: the
code through the renderer's sanitized highlighting, labels as widget text."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..core.hearing import wait_until
from ..render.markdown import shared_renderer
from ..view.consent import code_html


@dataclass
class Decision:
    action: str
    """``run``, ``run_all`` (this and the rest of the cell's runs), ``skip`` or ``stop``."""
    code: str
    edited: bool = False
    reason: str = ""


def page_can_answer(shell: Any) -> bool:
    """True when a page runs this cell and may click: the kernel's execute request
    allowed input (a notebook page does; nbclient and papermill do not)."""
    kernel = getattr(shell, "kernel", None)
    if kernel is None:
        return False
    try:
        parent = kernel.get_parent("shell")
    except Exception:
        parent = getattr(kernel, "_parent_header", {}) or {}
    return bool((parent or {}).get("content", {}).get("allow_stdin", False))


def ask_terminal(code: str, purpose: str) -> Decision:
    print(f"Claude asks to run ({purpose}):\n{code}")
    answer = input("Run it? [y]es / [a]ll / [n]o / [s]top: ").strip().lower()[:1]
    action = {"y": "run", "a": "run_all", "s": "stop"}.get(answer, "skip")
    return Decision(action, code)


def ask_page(code: str, purpose: str) -> Decision:
    """Buttons in the row of the call, in the live view running it (else widgets
    under the answer); waits, hearing clicks, until one is pressed."""
    from ..view.consent import consuming

    view = consuming()
    if view is not None:
        answer = view.consent.ask_to_run(view.state, code, purpose)
        if answer is not None:
            ran = answer["code"]
            edited = answer["action"] in ("run", "run_all") and ran != code
            return Decision(answer["action"], ran, edited=edited, reason=answer["reason"])
    return _ask_with_widgets(code, purpose)


def _ask_with_widgets(code: str, purpose: str) -> Decision:
    import ipywidgets as w
    from IPython.display import display

    chosen: list[Decision] = []
    text = w.HTML(f'<div class="cnb">{code_html(shared_renderer(), code, purpose)}</div>')
    editor = w.Textarea(value=code, layout=w.Layout(width="100%", height="10em", display="none"))
    reason = w.Text(placeholder="why not (optional, Claude is told)", layout=w.Layout(width="24em"))
    labels = (
        ("Run", "run"),
        ("Run all for this cell", "run_all"),
        ("Edit", "edit"),
        ("Skip", "skip"),
        ("Stop", "stop"),
    )
    buttons = {action: w.Button(description=label, layout=w.Layout(width="auto")) for label, action in labels}
    buttons["run"].button_style = "primary"

    def press(action: str) -> None:
        if action == "edit" and editor.layout.display == "none":
            editor.layout.display = ""
            buttons["edit"].description = "Run edited"
            return
        if action == "edit":
            chosen.append(Decision("run", editor.value, edited=editor.value != code))
        else:
            chosen.append(Decision(action, code, reason=reason.value.strip()))

    for action, button in buttons.items():
        button.on_click(lambda _b, action=action: press(action))
    box = w.VBox([text, editor, w.HBox([*buttons.values(), reason])])
    handle = display(box, display_id=True)
    try:
        wait_until(lambda: bool(chosen))
    finally:
        decision = chosen[0] if chosen else Decision("stop", code)
        handle.update(
            {"text/html": _decided_html(decision, purpose), "text/plain": f"{decision.action}: {purpose}"}, raw=True
        )
        box.close()
        for widget in (text, editor, reason, *buttons.values()):
            widget.close()
    return decision


def _decided_html(decision: Decision, purpose: str) -> str:
    said = {"run": "approved", "run_all": "approved (all for this cell)", "skip": "declined", "stop": "stopped"}
    how = "edited and approved" if decision.edited else said.get(decision.action, decision.action)
    return f'<div class="cnb cnb-consent-done">code run {html.escape(how)}: {html.escape(purpose)}</div>'


def ask_choice(question: str, options: Sequence[str], shell: Any) -> str | None:
    """The user's answer to a question (an option's text, or what they typed); None
    where nobody can answer."""
    if getattr(shell, "kernel", None) is None:
        print(question + (f" ({' / '.join(options)})" if options else ""))
        return input("> ")
    if not page_can_answer(shell):
        return None
    from ..view.consent import consuming

    view = consuming()
    if view is not None and view.consent.enabled:
        asked: str | None = view.consent.ask_in_row(view.state, question, list(options))
        return asked
    import ipywidgets as w
    from IPython.display import display

    answered: list[str] = []
    label = w.HTML(f'<div class="cnb"><b>Claude asks</b>: {html.escape(question)}</div>')
    buttons = [w.Button(description=str(option)[:60]) for option in options[:8]]
    typed = w.Text(placeholder="or type an answer" if options else "type an answer")
    send = w.Button(description="Send")
    for button, option in zip(buttons, options, strict=False):
        button.on_click(lambda _b, option=option: answered.append(str(option)))
    send.on_click(lambda _b: answered.append(typed.value))
    buttons.append(send)
    box = w.VBox([label, w.HBox([*buttons, typed])])
    handle = display(box, display_id=True)
    try:
        wait_until(lambda: bool(answered))
    finally:
        reply = answered[0] if answered else ""
        said = f"Claude asked: {html.escape(question)} · answer: {html.escape(reply)}"
        handle.update({"text/html": f'<div class="cnb">{said}</div>'}, raw=True)
        for widget in (box, label, typed, *buttons):
            widget.close()
    return reply
