"""Stream events reduced to plain state: the blocks as far as they arrived
(``state``), the one function that folds an event into them (``reducer``), the
Message rebuilt from them (``partial``) and why a turn ended (``stops``).

Pure data, testable without Jupyter or HTTP. May import ``core`` and, though it needs
neither today, ``request`` and ``wire``, the stages before it.
"""
