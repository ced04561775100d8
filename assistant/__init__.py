"""政策问答助手 — an offline assistant for Chinese policy documents.

The pipeline, one module per stage:
loaders → cleaning → chunking → embedding → index → search → answer → cli / ui.
"""

from __future__ import annotations

__version__ = "0.1.0"
