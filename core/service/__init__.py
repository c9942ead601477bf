"""The use cases every front end calls (app, kiosk, web mode, CLI), as one typed API.

- :mod:`.model`: what front ends see (``Document``, ``Person``, ``SyncStatus``…).
- :mod:`.api`: the abstract :class:`Service`; :mod:`.store_service`: the real one.
- :mod:`.sign_plan` and :mod:`.signing`: the signing use case's steps (pre-flight before
  the PIN, placement, the checks before the PIN, one token session, sign, verify, record
  for upload); :mod:`.sign_items` its data. The app orders them with dialogs between.
- :mod:`.sign_documents`: the same steps in one call (``kyso sign --doc``, a script): the
  PIN read through a callback only after every check, the caller's token, trust and
  level, then the transition (its rule checked before the PIN too) and a sync.
- :mod:`.office`: the session (login, logout, sync, the local cache, conflicts, names).
- :mod:`.demo_token`: the demo's SoftHSM token.
- :mod:`.tokens`: one token walk, TokenOptions builder, TokenStatus with the PIN state,
  token sessions (and refusing a locked token before the PIN).

No Textual or click here: a plain script can drive every use case.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from kyso.core.service.api import Service as Service
    from kyso.core.service.model import *  # noqa: F403 (its names are listed once, in its __all__)


def __getattr__(name: str) -> Any:
    """``Service`` and the model's names (and ``__all__``), imported on first use: a
    command that only reads the cache (``kyso inbox --json``) does not load the model,
    nor the token layer behind it (~70 ms of a 250 ms budget)."""
    if name.startswith("__") and name != "__all__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # import_module, not ``from kyso.core.service import model``: that asks this very
    # function for the attribute ``model`` first.
    model = importlib.import_module("kyso.core.service.model")
    if name == "__all__":
        return ["Service", *model.__all__]
    if name == "Service":
        return importlib.import_module("kyso.core.service.api").Service
    if name in model.__all__:
        return getattr(model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
