"""What the user sees: ``StreamView``, the live widget (``stream_view``), its frame
clock (``clock``), what each frame says (``frame_builder``), pane patches
(``patch``), the tool table (``tool_table``), the terminal echo (``terminal``) and
the static snapshot a saved notebook keeps (``snapshot``).

May import ``core``, ``reduce``, ``request``, ``wire`` and ``render``.
"""
