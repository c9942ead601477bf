"""Phát hành: the clerk (văn thư) issues a document the leader signed.

The screen shows the number that will be taken from the registry book (số/ký hiệu), the
issuance date (today, editable), the "Chỉ điền số KH, ngày tháng năm" toggle, the seal
image, and the leader-signed file with where the number, the date line and the seal will
go (the boxes of :func:`kyso.core.issue_service.seal_preview`, drawn on a character map
of the page and on the thumbnail). "Áp dụng" asks the token PIN (not in only-number
mode), then issues in a worker and shows each step: download, allocate, sign, upload,
sync; then the result (số/ký hiệu, signatures checked) or the error, with what became of
the number (cancelled in the book by the service when the server refused).

The parts: :mod:`.screen` (the screen and its flow), :mod:`.seal_page` (the page with
the boxes), :mod:`.page_map` (dates and boxes, pure), :mod:`.panels` (the number/seal
and progress text), :mod:`.tasks` (what runs in the workers), :mod:`.messages` and
:mod:`.reason` (the dialog for cancelling a held number).
"""

from kyso.tui.screens.issuance.page_map import boxes_map, date_words, parse_date
from kyso.tui.screens.issuance.panels import STEPS
from kyso.tui.screens.issuance.reason import ReasonScreen
from kyso.tui.screens.issuance.screen import IssuanceScreen

__all__ = [
    "STEPS",
    "IssuanceScreen",
    "ReasonScreen",
    "boxes_map",
    "date_words",
    "parse_date",
]
