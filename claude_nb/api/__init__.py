"""The programmatic entry points: ``stream``, ``astream``, ``client``,
``resumable`` and ``last_view`` (``stream``), and answers run in a thread of their
own pinned to their cell (``background``).

May import every stage before it: ``core`` through ``offline``.
"""
