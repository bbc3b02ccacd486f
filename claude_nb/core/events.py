"""The events claude_nb adds to a stream beside the API's own: what the transport,
the tool loop and the request say happened (a request sent, a retry, a resume, a
tool's run, a new turn, a note), so the reducer folds one sequence of events and
the view learns of everything the same way. Also the SDK's synthesized copies,
which carry nothing new.
"""

from __future__ import annotations

SYNTHESIZED = frozenset({"text", "thinking", "signature", "citation", "input_json"})
"""Events the SDK adds after each raw delta (copies of it): nothing new to reduce."""

REQUEST = "claude_nb.request"
"""Client event: a request is being sent (times count from here)."""
NOTICE = "claude_nb.notice"
"""Client event: ``text`` says what the transport is doing (waiting to retry, resuming)."""
RESUME = "claude_nb.resume"
"""Client event: a broken stream continues. ``discard``: indices of unfinished blocks
to drop; the kept text loses its trailing whitespace; later block indices are shifted
by ``offset``; ``reason`` is why it broke."""
TOOL = "claude_nb.tool"
"""Client event: a tool call (``id``) is ``running``, or ended ``done``/``error``/``skipped``
with ``content`` (what the model is sent) after ``seconds``."""
TURN = "claude_nb.turn"
"""Client event: the model's turn ended and another follows in the same view (tool
results sent, or a paused turn continued). ``messages``: what the turn added to the
conversation (the assistant turn, then the user turn of tool results, if any)."""
NOTE = "claude_nb.note"
"""Client event: ``text`` is a lasting remark on the answer (why a tool loop stopped)."""
FORMAT = "claude_nb.format"
"""Client event: the answer is ``format`` (``"json"``, asked for with a schema), shown as code."""
OPENED = "claude_nb.opened"
"""Client event: an attempt's response arrived; ``request_id`` is the API's id for it
(its ``request-id`` header), kept with the answer as its provenance."""
