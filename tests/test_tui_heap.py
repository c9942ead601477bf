"""The heap freeze after a big view loads: only from BIG documents, only once."""

from __future__ import annotations

import gc

from kyso.tui import heap


def test_a_small_view_is_not_frozen_a_big_one_once(monkeypatch):
    monkeypatch.setattr(heap, "_frozen", False)
    gc.unfreeze()
    try:
        heap.freeze_loaded(heap.BIG - 1)
        assert gc.get_freeze_count() == 0
        heap.freeze_loaded(heap.BIG)
        frozen = gc.get_freeze_count()
        assert frozen > 0
        kept = [[] for _ in range(100)]  # new objects: tracked, not frozen again
        heap.freeze_loaded(heap.BIG * 10)
        assert gc.get_freeze_count() == frozen
        assert kept
    finally:
        gc.unfreeze()
