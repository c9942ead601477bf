"""The terminal's image support, asked while the app is still importing.

textual-image asks the terminal what it can draw (sixel, the kitty graphics protocol, the
cell size in pixels) when it is imported, and must be imported before Textual takes the
terminal over. Asking means waiting for answers (tmux gives them in 15-40 ms; a terminal
that does not know a question never answers it and costs a 0.1 s timeout each), and
importing PIL for the renderables: neither needs the app's own modules, so both are done
in a thread started first thing, while those import; the app waits for it only just
before it starts (:meth:`ImageProbe.mode`).

The thread imports only textual-image's renderables (PIL and rich, no Textual); rich's
console is imported before it starts, on the calling thread: two threads importing
modules that import each other could be handed a half-made module. The widget module
(Textual) is imported after the join, its questions answered from textual-image's cache.
"""

from __future__ import annotations

import threading

__all__ = ["ImageProbe"]


class ImageProbe:
    """textual-image's terminal questions, asked in a thread (nothing to ask for ``off``)."""

    def __init__(self, mode: str) -> None:
        self._wanted = mode
        self._ok = False
        self._thread: threading.Thread | None = None
        if mode != "off":
            import rich.console  # noqa: F401  (see the module's note)

            self._thread = threading.Thread(target=self._ask, name="kyso-image-probe", daemon=True)
            self._thread.start()

    def _ask(self) -> None:
        try:
            import textual_image.renderable  # noqa: F401  (asks for sixel and the kitty protocol)
            from textual_image._terminal import get_cell_size

            get_cell_size()  # asks for the cell size; cached for the widget module
        except Exception:  # no textual-image, no terminal: pages as text
            return
        self._ok = True

    def mode(self) -> str:
        """The image mode to run the app with: the wanted one, or ``off`` when the terminal
        could not be asked. Waits for the answers (call it before the app starts)."""
        if self._thread is None:
            return "off"
        self._thread.join()
        if self._ok:
            try:
                import textual_image.widget  # noqa: F401  (the answers are cached now)
            except Exception:
                return "off"
            return self._wanted
        return "off"
