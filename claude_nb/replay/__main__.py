"""Serve the built-in scenarios; optionally run a command with the API pointed here.

python -m claude_nb.replay                      # serve until Ctrl+C
python -m claude_nb.replay -- jupyter lab       # run a command against it
python -m claude_nb.replay --if-no-key -- CMD   # only when ANTHROPIC_API_KEY is unset
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from ._server import ReplayServer

DEMO_KEY = "replay-demo-key"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m claude_nb.replay")
    parser.add_argument("--if-no-key", action="store_true", help="use the real API when a key is set")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = [c for c in args.command if c != "--"] if args.command else []
    if args.if_no_key and os.environ.get("ANTHROPIC_API_KEY") and command:
        return subprocess.call(command)
    with ReplayServer() as server:
        if not command:
            print(f"ANTHROPIC_BASE_URL={server.base_url}", flush=True)
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                return 0
        env = {**os.environ, "ANTHROPIC_BASE_URL": server.base_url, "NO_PROXY": "127.0.0.1,localhost"}
        env.setdefault("ANTHROPIC_API_KEY", DEMO_KEY)
        print(f"claude_nb demo: answers come from the loopback server at {server.base_url}", file=sys.stderr)
        try:
            return subprocess.call(command, env=env)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    sys.exit(main())
