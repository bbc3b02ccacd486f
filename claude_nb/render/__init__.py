"""Markdown to sanitized HTML, incrementally: the renderer (``markdown``), math as
MathML (``math``), the URL policy and sanitizer (``safety``), code found in text
(``code``), display-only repair of the growing block (``heal``), the last list item
and line re-rendered alone (``lists``, ``tail``), the block-incremental parse that
owns them (``incremental``), the inert markdown fallback (``inert``), and the small
pieces around an answer (``citations``, ``pieces``).

May import ``core`` and ``reduce``.
"""
