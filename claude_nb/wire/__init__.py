"""Transport: one SDK client per settings (``client``), visible retries
(``retry``), the SDK's own stream and accumulator followed event by event
(``transport``), an answer resumed over several HTTP attempts (``resume``,
``splice``), and what the in-process endpoint and the transport agree on
(``protocol``).

May import ``core`` and ``request``: it knows nothing of how an answer is shown, so
the reducer, which folds what it yields, comes after it.
"""
