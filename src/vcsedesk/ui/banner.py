"""The message strip at the top of a form: what went wrong (a conflict, a refusal) and a
way to start again from what is saved."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton


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
