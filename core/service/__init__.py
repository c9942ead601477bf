"""The use cases every front end calls (app, kiosk, web mode, CLI), as one typed API.

- :mod:`.model`: what front ends see (``Document``, ``Person``, ``SyncStatus``…).
- :mod:`.api`: the abstract :class:`Service`; :mod:`.store_service`: the real one.
- :mod:`.sign_plan` and :mod:`.signing`: the signing use case (pre-flight before the PIN,
  placement, one token session, sign, verify, record for upload); :mod:`.sign_items`
  its data; :mod:`.sign_flow`: all of it in one call for a script.
- :mod:`.office`: the session (login, logout, sync, the local cache, conflicts, names).
- :mod:`.sign_documents`: ``kyso sign --doc`` on the same steps, the PIN read only after
  every check (a callback), the command line's token, trust and level, the transition's
  rule checked before the PIN too.
- :mod:`.demo_token`: the demo's SoftHSM token.
- :mod:`.tokens`: one token walk, TokenOptions builder, TokenStatus with the PIN state,
  token sessions (and refusing a locked token before the PIN).

No Textual or click here: a plain script can drive every use case.
"""

from kyso.core.service.api import Service
from kyso.core.service.model import (
    ACTION_LABELS,
    ROLE_LABELS,
    SCOPES,
    STATE_LABELS,
    Attachment,
    ConflictInfo,
    Document,
    FlowStep,
    InboxRow,
    Opinion,
    Person,
    SyncStatus,
    TokenStatus,
    UserInfo,
    Version,
)

__all__ = [
    "ACTION_LABELS",
    "ROLE_LABELS",
    "SCOPES",
    "STATE_LABELS",
    "Attachment",
    "ConflictInfo",
    "Document",
    "FlowStep",
    "InboxRow",
    "Opinion",
    "Person",
    "Service",
    "SyncStatus",
    "TokenStatus",
    "UserInfo",
    "Version",
]
