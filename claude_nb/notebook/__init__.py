"""The notebook's shell: ``%%claude`` and ``%claude`` (``magic``), the commands
around an answer (``commands``) and the conversation the cells make
(``conversation``). A thin layer over ``api``.

May import every stage; nothing imports it but the package's ``load_ipython_extension``.
"""
