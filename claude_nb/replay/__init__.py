"""A loopback stand-in for the Anthropic Messages API, for tests, demos and benchmarks.

``python -m claude_nb.replay`` serves the built-in scenarios and prints the base URL
to put in ``ANTHROPIC_BASE_URL``.
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
