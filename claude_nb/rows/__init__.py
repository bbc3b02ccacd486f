"""``claude_nb.map``: one question asked of every row, live within rate limits or as
a Message Batch: the call (``map``, ``call``), the rows (``table``), running them
(``run``, ``live``, ``batch``, ``pacing``), where it stands (``stats``,
``progress``) and what arrived, on disk (``checkpoint``).

May import every stage before it: ``core`` through ``api``.
"""
