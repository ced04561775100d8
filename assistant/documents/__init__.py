"""Documents: files in a corpus folder → cleaned ``Document`` → cited ``Chunk``.

``readers`` (one module per format) → ``cleaning`` (with the ``headings``
grammar) → ``metadata`` (title, 文号, issuer, date) → ``chunking``; ``ingest``
runs them over a corpus and reports every file. Imports only
:mod:`assistant.types` and :mod:`assistant.settings` from outside this package.
"""
