"""One application-wide "changed" signal (after Anki's ``qt/aqt/operations``).

Every service call the UI makes that changes data goes through :meth:`ChangeHub.perform`: it
runs on the worker and, once it succeeds, the hub emits ``changed`` with the service's
:class:`~vcsedesk.services.base.Changes`.  Each view listens and refreshes what concerns it
(``changes.touches("users")``) instead of views telling each other what they did.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:  # the services import SQLAlchemy, which stays off the start-up path
    from vcsedesk.domain.errors import UserError
    from vcsedesk.services.base import Changes
    from vcsedesk.ui.worker import Worker


class ChangeHub(QObject):
    """Emits ``changed(Changes)`` after every successful change made through the UI."""

    changed = Signal(object)

    def __init__(self, worker: Worker) -> None:
        super().__init__()
        self.worker = worker

    def perform(
        self,
        fn: Callable[..., Changes],
        *args: Any,
        on_done: Callable[[Changes], None] | None = None,
        on_error: Callable[[UserError], None] | None = None,
        on_settled: Callable[[], None] | None = None,
        label: str = "",
    ) -> int:
        """Run the service call ``fn(*args)`` on the worker, then announce what it changed.

        ``on_done`` runs before the announcement, so the caller can note its own new state
        (a form's new version) before every view refreshes.
        """

        def done(changes: Changes) -> None:
            if on_done is not None:
                on_done(changes)
            self.announce(changes)

        return self.worker.submit(
            fn, *args, on_done=done, on_error=on_error, on_settled=on_settled, label=label
        )

    def announce(self, changes: Changes) -> None:
        if changes:
            self.changed.emit(changes)
