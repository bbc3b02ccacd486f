"""What every stage shares: failures as one short message (``errors``), reading SDK
models and dicts alike (``plain``), the key kept in memory (``secrets``) and the
settings (``config``), the events claude_nb adds to a stream (``events``) and the
SDK's Message built from the API's JSON (``message``).

Imports nothing else of claude_nb; every later stage may import it.
"""
