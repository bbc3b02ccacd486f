"""Tools: notebook functions and the API's server tools as definitions, run and
reported (``toolbox``), and the loop that runs calls between model turns in one
view (``loop``).

May import every stage before it: ``core`` through ``prompt``.
"""
