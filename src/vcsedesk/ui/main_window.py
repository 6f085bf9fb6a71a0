"""The main window: a sidebar of areas beside the area shown, menus, and a status bar.

An area appears only once its issue has built it.  Until the data is open the window shows
what it is doing ("Opening your data…"); this module imports no SQLAlchemy, so the window can
be painted before the database layer has even been imported.
"""

from __future__ import annotations

import base64
import logging
import platform
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QDateTime, QLocale, QSize, Qt, QTimer, Signal, Slot, qVersion
from PySide6.QtGui import QAction, QCloseEvent, QFont, QKeySequence, QPaintEvent, QShowEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from vcsedesk import __version__

if TYPE_CHECKING:
    from vcsedesk.services.base import Changes
    from vcsedesk.store.backup import BackupFile
    from vcsedesk.ui.context import AppContext

log = logging.getLogger(__name__)


@dataclass
class Area:
    key: str
    title: str
    widget: QWidget
    action: QAction


def heading_font(base: QFont, scale: float = 1.4) -> QFont:
    """A heading font scaled from the system font, so headings grow with it."""
    font = QFont(base)
    if font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * scale)
    else:
        font.setPixelSize(round(font.pixelSize() * scale))
    font.setBold(True)
    return font


def describe_time(at: datetime, now: datetime | None = None) -> str:
    """'today at 14:02', 'yesterday at 09:15' or '3 Nov 2026 at 14:02', in local time."""
    from PySide6.QtCore import QCoreApplication

    local = at.astimezone()
    today = (now or datetime.now(UTC)).astimezone().date()
    locale = QLocale()
    clock = locale.toString(
        QDateTime.fromSecsSinceEpoch(int(at.timestamp())).time(), QLocale.FormatType.ShortFormat
    )
    if local.date() == today:
        return QCoreApplication.translate("describe_time", "today at {time}").format(time=clock)
    if (today - local.date()).days == 1:
        return QCoreApplication.translate("describe_time", "yesterday at {time}").format(time=clock)
    day = locale.toString(QDateTime.fromSecsSinceEpoch(int(at.timestamp())).date(), "d MMM yyyy")
    return QCoreApplication.translate("describe_time", "{day} at {time}").format(day=day, time=clock)


class LazyArea(QWidget):
    """An area whose page is built the first time it is shown (or asked for), so building it
    never delays the area shown at start-up."""

    def __init__(self, factory: Callable[[], QWidget]) -> None:
        super().__init__()
        self._factory = factory
        self._page: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    @property
    def built(self) -> bool:
        return self._page is not None

    def page(self) -> QWidget:
        if self._page is None:
            self._page = self._factory()
            self.setAccessibleName(self._page.accessibleName())
            layout = self.layout()
            assert layout is not None
            layout.addWidget(self._page)
        return self._page

    def showEvent(self, event: QShowEvent) -> None:
        self.page()
        super().showEvent(event)


class WarningBanner(QFrame):
    """A non-blocking warning across the top of the window, with a Dismiss button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(self.tr("Warning"))
        layout = QHBoxLayout(self)
        icon = QLabel()
        icon.setPixmap(
            self.style().standardIcon(self.style().StandardPixmap.SP_MessageBoxWarning).pixmap(24, 24)
        )
        layout.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text, 1)
        self.dismiss = QPushButton(self.tr("&Dismiss"))
        self.dismiss.setAccessibleName(self.tr("Dismiss warning"))
        self.dismiss.clicked.connect(self.hide)
        layout.addWidget(self.dismiss, 0, Qt.AlignmentFlag.AlignTop)
        self.hide()

    def show_text(self, text: str) -> None:
        self.text.setText(self.tr("Warning: {text}").format(text=text))
        self.show()


class MainWindow(QMainWindow):
    """Sidebar of areas, the area shown, menus (File, Edit, Go, Help) and a status bar."""

    #: Emitted once, after the window has first been painted.
    first_painted = Signal()

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.areas: list[Area] = []
        self._painted = False
        self.setWindowTitle(self.tr("vcsedesk"))
        self.setAccessibleName(self.tr("vcsedesk main window"))

        self.sidebar = QListWidget()
        self.sidebar.setAccessibleName(self.tr("Areas"))
        self.sidebar.setAccessibleDescription(self.tr("Choose an area; Ctrl+1 to Ctrl+9 jump to one."))
        self.sidebar.setFrameShape(QFrame.Shape.NoFrame)
        self.sidebar.setUniformItemSizes(True)
        self.sidebar.currentRowChanged.connect(self._show_row)
        self.stack = QStackedWidget()
        self.stack.setAccessibleName(self.tr("Area"))
        self.opening = QLabel(self.tr("Opening your data…"))
        self.opening.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.opening.setWordWrap(True)
        self.opening.setAccessibleName(self.tr("Status"))
        self.stack.addWidget(self.opening)

        self.banner = WarningBanner()
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.banner)
        right_layout.addWidget(self.stack, 1)

        body = QWidget()
        body_layout = QHBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.setSpacing(0)
        body_layout.addWidget(self.sidebar)
        body_layout.addWidget(right, 1)
        self.setCentralWidget(body)
        self.sidebar.hide()

        self.data_label = QLabel()
        self.data_label.setAccessibleName(self.tr("Where the data lives"))
        self.data_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.backup_label = QLabel()
        self.backup_label.setAccessibleName(self.tr("Last backup"))
        self.statusBar().addPermanentWidget(self.data_label, 1)
        self.statusBar().addPermanentWidget(self.backup_label)

        self._build_menus()
        self._restore_geometry()

    # -- menus -----------------------------------------------------------------------------
    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("&File"))
        self.backup_action = QAction(self.tr("&Back up now"), self)
        self.backup_action.setShortcut(QKeySequence("Ctrl+B"))
        self.backup_action.setStatusTip(self.tr("Take a backup copy of the data now"))
        self.backup_action.setEnabled(False)
        file_menu.addAction(self.backup_action)
        file_menu.addSeparator()
        self.quit_action = QAction(self.tr("&Quit"), self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)

        edit_menu = bar.addMenu(self.tr("&Edit"))
        self.undo_action = QAction(self.tr("&Undo my last change"), self)
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.setStatusTip(self.tr("Reverse the most recent change you made"))
        self.undo_action.setEnabled(False)
        edit_menu.addAction(self.undo_action)

        self.go_menu = bar.addMenu(self.tr("&Go"))
        self.go_menu.setEnabled(False)

        help_menu = bar.addMenu(self.tr("&Help"))
        self.about_action = QAction(self.tr("&About vcsedesk"), self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)

    # -- areas -----------------------------------------------------------------------------
    def add_area(self, key: str, title: str, widget: QWidget, *, position: int | None = None) -> Area:
        """Add an area to the sidebar, at the end or at ``position`` (0 is first); Ctrl+1 to
        Ctrl+9 follow the sidebar's order."""
        index = len(self.areas) if position is None else max(0, min(position, len(self.areas)))
        current = self.current_area()
        item = QListWidgetItem(title)
        item.setData(Qt.ItemDataRole.UserRole, key)
        self.stack.addWidget(widget)
        action = QAction(title, self)
        action.triggered.connect(lambda _checked=False, k=key: self.show_area(k))
        area = Area(key, title, widget, action)
        self.sidebar.blockSignals(True)
        self.sidebar.insertItem(index, item)
        self.areas.insert(index, area)
        if current is not None:
            self.sidebar.setCurrentRow(self.areas.index(current))
        self.sidebar.blockSignals(False)
        for action_ in self.go_menu.actions():
            self.go_menu.removeAction(action_)
        for number, each in enumerate(self.areas, start=1):
            each.action.setShortcut(QKeySequence(f"Ctrl+{number}") if number <= 9 else QKeySequence())
            self.sidebar.item(number - 1).setToolTip(
                self.tr("{title} (Ctrl+{n})").format(title=each.title, n=number)
                if number <= 9
                else each.title
            )
            self.go_menu.addAction(each.action)
        self.go_menu.setEnabled(True)
        self.sidebar.show()
        metrics = self.sidebar.fontMetrics()
        for row in range(self.sidebar.count()):
            self.sidebar.item(row).setSizeHint(QSize(0, metrics.height() * 2))
        widest = max(metrics.horizontalAdvance(a.title) for a in self.areas)
        self.sidebar.setFixedWidth(
            max(widest + metrics.averageCharWidth() * 8, metrics.averageCharWidth() * 22)
        )
        return area

    def area(self, key: str) -> Area | None:
        return next((a for a in self.areas if a.key == key), None)

    def current_area(self) -> Area | None:
        row = self.sidebar.currentRow()
        return self.areas[row] if 0 <= row < len(self.areas) else None

    def show_area(self, key: str) -> None:
        for row, area in enumerate(self.areas):
            if area.key == key:
                self.sidebar.setCurrentRow(row)
                return

    @Slot(int)
    def _show_row(self, row: int) -> None:
        if 0 <= row < len(self.areas):
            self.stack.setCurrentWidget(self.areas[row].widget)
            self.ctx.settings.set("last_area", self.areas[row].key)

    def show_problem(self, text: str) -> None:
        """The data could not be opened: say so where the areas would be."""
        self.opening.setText(text)
        self.stack.setCurrentWidget(self.opening)

    # -- status ----------------------------------------------------------------------------
    def set_data_location(self, where: str) -> None:
        self.data_label.setText(self.tr("Data: {where}").format(where=where))
        self.data_label.setToolTip(where)

    def set_last_backup(self, latest: BackupFile | None, *, shared: bool = False) -> None:
        if shared:
            text = self.tr("Backups: taken on the database server")
        elif latest is None:
            text = self.tr("No backup yet")
        else:
            text = self.tr("Last backup: {when}").format(when=describe_time(latest.taken_at))
            self.backup_label.setToolTip(str(latest.path))
        self.backup_label.setText(text)

    def show_location_warnings(self, warnings: list[str]) -> None:
        if warnings:
            self.banner.show_text(" ".join(warnings))

    def note(self, text: str, timeout_ms: int = 8000) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def on_changed(self, changes: Changes) -> None:
        if changes.summary:
            self.note(self.tr("Saved: {summary}").format(summary=changes.summary))

    # -- help ------------------------------------------------------------------------------
    @Slot()
    def show_about(self) -> None:
        import PySide6

        log_file = self.ctx.log_file
        QMessageBox.about(
            self,
            self.tr("About vcsedesk"),
            self.tr(
                "<h3>vcsedesk {version}</h3>"
                "<p>Contacts, engagement notes, reimbursement claims and partnership returns "
                "for small voluntary and community organisations — on your own computer.</p>"
                "<p>Data folder: {folder}<br>Log file: {log}</p>"
                "<p>Python {python}, Qt {qt}, PySide6 {pyside}</p>"
            ).format(
                version=__version__,
                folder=self.ctx.folder.root,
                log=log_file if log_file else self.tr("(none)"),
                python=platform.python_version(),
                qt=qVersion(),
                pyside=PySide6.__version__,
            ),
        )

    # -- window state ----------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        return QSize(metrics.averageCharWidth() * 170, metrics.height() * 42)

    def _restore_geometry(self) -> None:
        saved = self.ctx.settings.get("window_geometry")
        restored = False
        if saved:
            try:
                restored = self.restoreGeometry(base64.b64decode(saved))
            except ValueError:
                restored = False
        if not restored:
            hint = self.sizeHint()
            screen = self.screen().availableGeometry() if self.screen() else None
            if screen is not None:
                hint = hint.boundedTo(QSize(int(screen.width() * 0.85), int(screen.height() * 0.85)))
            self.resize(hint)

    def save_state(self) -> None:
        geometry = bytes(self.saveGeometry().data())
        self.ctx.settings.set("window_geometry", base64.b64encode(geometry).decode("ascii"))

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            QTimer.singleShot(0, self.first_painted.emit)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        try:
            self.ctx.settings.save()
        except OSError as exc:
            log.warning("Could not save settings: %s", exc)
        event.accept()
