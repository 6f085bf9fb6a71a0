"""Bugs: a global exception hook and a crash dialog with copyable details and the recent log.

After qutebrowser's ``misc/crashsignal.py`` and ``misc/crashdialog.py``: an exception nobody
expected (one that is not a :class:`~vcsedesk.domain.errors.VcsedeskError`) opens a dialog
that says plainly what happened, shows the details a maintainer needs (traceback, versions,
platform, the recent log) in a read-only text box, offers to copy them, and says where the
full log file is.  The app keeps running: every change is saved in its own transaction, so
nothing half-done was written.
"""

from __future__ import annotations

import logging
import platform
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot, qVersion
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vcsedesk import __version__
from vcsedesk.logs import recent

log = logging.getLogger(__name__)

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def version_info() -> str:
    """vcsedesk, Python, Qt and platform versions, one per line."""
    import PySide6

    return "\n".join(
        [
            f"vcsedesk {__version__}",
            f"Python {platform.python_version()} ({platform.python_implementation()})",
            f"Qt {qVersion()}, PySide6 {PySide6.__version__}",
            f"Platform {platform.platform()}",
            f"Qt platform plugin {QGuiApplication.platformName() or '(none)'}",
        ]
    )


def format_exception(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    return "".join(traceback.format_exception(exc_type, exc, tb)).rstrip()


def details_text(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    """Everything a maintainer needs, as one copyable text."""
    log_text = recent.text() or "(nothing logged yet)"
    return (
        f"{format_exception(exc_type, exc, tb)}\n\n"
        f"-- Versions --\n{version_info()}\n\n"
        f"-- Recent log --\n{log_text}\n"
    )


class CrashDialog(QDialog):
    """Says a bug happened, shows copyable details, and where the log file is."""

    def __init__(self, details: str, log_file: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("vcsedesk hit a problem"))
        self.setAccessibleName(self.tr("Crash report"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)

        intro = QLabel(
            self.tr(
                "<b>Something went wrong inside vcsedesk.</b> This is a fault in the program, "
                "not something you did. Anything you had already saved is safe; the change you "
                "were making may not have been saved, so please check it.<br><br>"
                "Please send the details below to whoever looks after vcsedesk for you: "
                "they say what happened, but hold none of your records."
            )
        )
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(intro)

        details_label = QLabel(self.tr("&Details:"))
        layout.addWidget(details_label)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setPlainText(details)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setAccessibleName(self.tr("Crash details"))
        self.details.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        details_label.setBuddy(self.details)
        layout.addWidget(self.details, 1)

        if log_file is not None:
            where = self.tr("The full log is in {path}").format(path=log_file)
        else:
            where = self.tr("No log file could be written on this computer; the recent log is above.")
        self.log_label = QLabel(where)
        self.log_label.setWordWrap(True)
        self.log_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.log_label)

        buttons = QDialogButtonBox()
        self.copy_button = QPushButton(self.tr("&Copy details"))
        self.copy_button.setAccessibleName(self.tr("Copy details"))
        self.copy_button.clicked.connect(self.copy_details)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.quit_button = buttons.addButton(
            self.tr("&Quit vcsedesk"), QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.quit_button.clicked.connect(self._quit)
        self.close_button = buttons.addButton(self.tr("C&ontinue"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.close_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        layout.addWidget(buttons)

        metrics = self.fontMetrics()
        self.resize(metrics.averageCharWidth() * 90, metrics.height() * 30)

    def append(self, details: str) -> None:
        """Another bug while this dialog is open: add its details rather than stack dialogs."""
        self.details.appendPlainText("\n" + "=" * 40 + "\n" + details)

    @Slot()
    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())
        self.copy_button.setText(self.tr("Copied"))

    @Slot()
    def _quit(self) -> None:
        self.reject()
        QCoreApplication.quit()


class CrashHandler(QObject):
    """Routes unexpected exceptions, from any thread, to one crash dialog in the GUI thread."""

    _reported = Signal(str)

    def __init__(self, log_file: Path | None = None) -> None:
        super().__init__()
        self.log_file = log_file
        self.dialog: CrashDialog | None = None
        self.parent_widget: Callable[[], QWidget | None] = lambda: None
        self._reported.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self._previous_hooks: tuple[object, object] | None = None

    def install(self) -> None:
        self._previous_hooks = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook

    def uninstall(self) -> None:
        if self._previous_hooks is not None:
            sys.excepthook, threading.excepthook = self._previous_hooks  # type: ignore[assignment]
            self._previous_hooks = None

    def excepthook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt) or QCoreApplication.instance() is None:
            sys.__excepthook__(exc_type, exc, tb)
            return
        self.report(exc_type, exc, tb)

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        self.excepthook(args.exc_type, args.exc_value, args.exc_traceback)

    def report(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        """Log the bug and show it (queued to the GUI thread if raised elsewhere)."""
        try:
            log.error("Unexpected error", exc_info=(exc_type, exc, tb))
            details = details_text(exc_type, exc, tb)
        except Exception:  # pragma: no cover - the reporter itself must not crash
            sys.__excepthook__(exc_type, exc, tb)
            return
        if QThread.isMainThread():
            self._show(details)
        else:
            self._reported.emit(details)

    def report_exception(self, exc: BaseException) -> None:
        self.report(type(exc), exc, exc.__traceback__)

    @Slot(str)
    def _show(self, details: str) -> None:
        if not isinstance(QCoreApplication.instance(), QApplication):
            print(details, file=sys.stderr)
            return
        try:
            if self.dialog is not None and self.dialog.isVisible():
                self.dialog.append(details)
                return
            self.dialog = CrashDialog(details, self.log_file, self.parent_widget())
            self.dialog.destroyed.connect(self._forget)
            self.dialog.show()
        except Exception:  # pragma: no cover - never recurse into the hook
            print(details, file=sys.stderr)

    @Slot()
    def _forget(self) -> None:
        self.dialog = None


_handler: CrashHandler | None = None


def handler() -> CrashHandler:
    """The app's crash handler (made on first use; ``install`` hooks it in)."""
    global _handler
    if _handler is None:
        _handler = CrashHandler()
    return _handler


def install(log_file: Path | None = None) -> CrashHandler:
    """Send every unexpected exception, in any thread, to the crash dialog."""
    hook = handler()
    hook.log_file = log_file
    hook.install()
    return hook
