"""Serve the built-in scenarios until interrupted."""

import time

from ._server import ReplayServer


def main() -> None:
    with ReplayServer() as server:
        print(f"ANTHROPIC_BASE_URL={server.base_url}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
