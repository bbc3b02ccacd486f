"""Answers with no key and no network: demo mode's recorded answers (``demo``,
``demo_short``), cassettes of real streams (``cassette``, ``tapes``), and the
in-process endpoint that plays them (``endpoint``, ``playback``) through the
loopback server in ``claude_nb.replay``.

May import every stage before it, ``replay`` included.
"""
