"""The message strip at the top of a form: what went wrong (a conflict, a refusal) and a
way to start again from what is saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

if TYPE_CHECKING:
    from vcsedesk.domain.errors import UserError


def reload_banner(
    *, accessible_name: str, reload_name: str, on_reload: Callable[[], None]
) -> tuple[QFrame, QLabel, QPushButton]:
    """A hidden strip with selectable text and a "Reload" button (Alt+R) calling ``on_reload``.

    Returns the strip, its text label and the button, for the form to keep.
    """
    from PySide6.QtCore import QCoreApplication

    banner = QFrame()
    banner.setFrameShape(QFrame.Shape.StyledPanel)
    banner.setAccessibleName(accessible_name)
    layout = QHBoxLayout(banner)
    text = QLabel()
    text.setWordWrap(True)
    text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    layout.addWidget(text, 1)
    button = QPushButton(QCoreApplication.translate("banner", "&Reload"))
    button.setAccessibleName(reload_name)
    button.clicked.connect(on_reload)
    layout.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
    banner.hide()
    return banner, text, button


def show_refusal(
    banner: QFrame,
    text: QLabel,
    reload_button: QPushButton,
    exc: UserError,
    *,
    not_saved: str,
    conflict_advice: str,
) -> None:
    """Say on the strip why a save was refused: problems shown beside the fields
    (``not_saved``), someone else's save in between (the service's words, ``conflict_advice``
    and the Reload button), or the service's words."""
    from vcsedesk.domain.errors import ConflictError, ValidationError

    if isinstance(exc, ValidationError):
        text.setText("⚠ " + not_saved)
        reload_button.hide()
    elif isinstance(exc, ConflictError):
        text.setText("⚠ " + str(exc) + " " + conflict_advice)
        reload_button.show()
    else:
        text.setText("⚠ " + str(exc))
        reload_button.hide()
    banner.show()
