"""The notebook agent: tools that let Claude look at this kernel's data and, with the
user's consent, run code in it, inside the cell that asked.

``namespace`` reads the notebook (variables, one value, recent cells, the last
error) with every result bounded and secrets redacted; ``execute`` runs code in the
user's namespace and reports what it printed, showed, raised and changed;
``consent`` asks the user in the cell (buttons heard while the cell runs) or the
terminal; ``session`` binds them into one cell's tools with its limits and its record
of runs, which the saved answer and ``%claude runs`` read.

May import every stage before it: ``core`` through ``tools``.
"""
