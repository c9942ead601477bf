"""Helpers for Pilot tests of the terminal app."""

from __future__ import annotations

from typing import Any

FLOW_GROUPS = {"sign-flow", "transition-flow"}
"""Async workers that wait for a dialog: never waited for, or a test would hang."""


async def settle(app: Any, pilot: Any, rounds: int = 4) -> None:
    """Let messages flow and every thread worker finish."""
    for _ in range(rounds):
        await pilot.pause()
        pending = [w for w in app.workers if w.group not in FLOW_GROUPS and not w.is_finished]
        if pending:
            await app.workers.wait_for_complete(pending)
    await pilot.pause()


async def wait_until(pilot: Any, condition: Any, what: str, timeout: float = 10.0) -> None:
    """Let the app run until ``condition()`` holds (timers included, unlike :func:`settle`)."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"timed out waiting for: {what}")
