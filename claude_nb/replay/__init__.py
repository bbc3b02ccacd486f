"""A loopback stand-in for the Anthropic Messages API, for tests, demos and benchmarks.

``python -m claude_nb.replay`` serves the built-in scenarios and prints the base URL
to put in ``ANTHROPIC_BASE_URL``.

A stage of its own, after ``wire``: it may import ``core``, ``request`` (the token
estimate it answers ``count_tokens`` with) and ``wire.protocol`` (what the
in-process endpoint and the transport agree on), and nothing that shows answers.
"""

from ._scenarios import SCENARIOS, pick_scenario
from ._script import HttpError, Script, Step, block_events, message_script
from ._server import RecordedRequest, ReplayServer

__all__ = [
    "SCENARIOS",
    "HttpError",
    "RecordedRequest",
    "ReplayServer",
    "Script",
    "Step",
    "block_events",
    "message_script",
    "pick_scenario",
]
