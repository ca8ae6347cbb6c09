"""Asking before a client is erased: what erasing them deletes and leaves (coach.client_records.plan_erase),
and their label typed again, so a slip of the mouse erases no one."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from emgcoach.coach.client_records import ErasePlan


class ConfirmEraseDialog(QDialog):
    """The plan, a line to type the label into, and Erase, enabled only while the label typed is exactly
    the client's. Accepted: the caller erases."""

    def __init__(self, plan: ErasePlan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = plan.label
        self.setWindowTitle(f"Erase {plan.label}")
        self.plan_text = QPlainTextEdit("\n".join(plan.lines()))
        self.plan_text.setReadOnly(True)  # the paths can be copied, not changed
        self.plan_text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        ask = QLabel(f"This cannot be undone. Type <b>{plan.label}</b> to erase this client:")
        ask.setWordWrap(True)
        self.typed = QLineEdit()
        self.typed.setPlaceholderText(plan.label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.erase_button = self.buttons.addButton("Erase", QDialogButtonBox.ButtonRole.DestructiveRole)
        self.erase_button.setEnabled(False)
        for button in self.buttons.buttons():  # Enter neither cancels nor erases by itself: it asks _erase
            if isinstance(button, QPushButton):  # all of this box's are; only a push button can be a default
                button.setAutoDefault(False)
                button.setDefault(False)
        self.erase_button.clicked.connect(self._erase)
        self.typed.returnPressed.connect(self._erase)
        self.buttons.rejected.connect(self.reject)
        self.typed.textChanged.connect(lambda text: self.erase_button.setEnabled(text == self.label))
        lay = QVBoxLayout(self)
        lay.addWidget(self.plan_text, 1)
        lay.addWidget(ask)
        lay.addWidget(self.typed)
        lay.addWidget(self.buttons)
        self.resize(720, 360)

    def _erase(self) -> None:
        if self.typed.text() == self.label:  # the button's state, checked again at the moment it counts
            self.accept()
