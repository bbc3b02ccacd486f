"""What is asked: the Messages API request built from settings and cell options
(``params``), thinking fitted to the model (``thinking``), what the Models API says
of a model (``models``), prompt-cache breakpoints (``cache``), ``--schema``
(``schema``) and a request's size before it is sent (``tokens``, ``budget``).

May import ``core`` only.
"""
