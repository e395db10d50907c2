"""The code location: ``dagster dev``, ``dg``, the daemon and ``workspace.yaml`` load ``defs``.

The environment is read and validated here, when the location loads (an invalid setting
fails the load with a message naming its variable), never at import time.
"""

from __future__ import annotations

import dagster as dg

from bedrock_assets.defs import build_defs
from bedrock_assets.settings import load_settings


@dg.definitions
def defs() -> dg.Definitions:
    return build_defs(load_settings())
