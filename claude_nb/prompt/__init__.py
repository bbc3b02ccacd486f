"""The notebook as context: ``{name}`` interpolation without evaluation
(``interpolate``), values as the blocks the API reads (``context``), figures,
images, PDFs and files (``attachments``), DataFrames described (``dataframes``),
the last error as a question (``fix``).

May import ``core``, ``request`` and ``render`` (code spans are left alone).
"""
