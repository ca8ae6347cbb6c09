"""The second sling's levels in the feedback views, for four sensors (both lats, both glutes): its lat and
glute bars and its co-activation gauge, the same widgets the coached sling's are drawn with, beside them,
and under them the two slings' left-right symmetry (`coach.slings`). Hidden with one sling."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from emgcoach.coach.live_feedback import Figures
from emgcoach.dsp.coactivation import CciBasis
from emgcoach.ui.feedback import CciGauge, TargetBar
from emgcoach.ui.theme import Theme


class OtherSlingLevels(QWidget):
    """Bars and gauge of the other sling, laid out as the coached sling's, and the symmetry line."""

    def __init__(self, parent: QWidget | None = None, in_a_row: bool = False) -> None:
        super().__init__(parent)
        self.lat_bar = TargetBar("Lat")
        self.glute_bar = TargetBar("Glute")
        self.gauge = CciGauge()
        self.symmetry = QLabel("")
        self.symmetry.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.symmetry.setWordWrap(True)
        self.symmetry.setToolTip("The glutes' levels compared right against left with Robinson et al. (1987)'s "
                                 "symmetry index, (R - L) / (0.5 (R + L)) x 100 %: 0 is even, negative means the "
                                 "right sling's glute (the left glute) works less")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        if in_a_row:  # the client screen: bars and gauge side by side, as its coached sling's
            row = QHBoxLayout()
            row.setSpacing(16)
            for w in (self.lat_bar, self.glute_bar, self.gauge):
                row.addWidget(w, 1)
            lay.addLayout(row, 1)
        else:
            bars = QHBoxLayout()
            bars.addWidget(self.lat_bar)
            bars.addWidget(self.glute_bar)
            lay.addLayout(bars, 3)
            lay.addWidget(self.gauge, 2)
        if in_a_row:
            lay.addWidget(self.symmetry)
        # else the column places the symmetry line under both slings, so the two slings' bars and gauges
        # are laid out alike and line up
        self.symmetry.setVisible(False)
        self.setVisible(False)

    def show_levels(self, fig: Figures | None, lat_label: str, glute_label: str, symmetry: str = "") -> None:
        """The other sling's frame (None: one sling, hidden) and the symmetry line ('' none)."""
        if self.isHidden() == (fig is not None):
            self.setVisible(fig is not None)
        shown = fig is not None and bool(symmetry)
        if self.symmetry.isHidden() == shown:
            self.symmetry.setVisible(shown)
        if fig is None:
            return
        self.lat_bar.title, self.glute_bar.title = lat_label, glute_label
        self.lat_bar.set_value(fig.lat, fig.lat_band, fig.unit)
        self.glute_bar.set_value(fig.glute, fig.glute_band, fig.unit)
        self.gauge.set_value(fig.cci, fig.cci_level_pct, "%MVC" if fig.cci_basis == CciBasis.MVC else "% of peak level")
        if self.symmetry.text() != symmetry:
            self.symmetry.setText(symmetry)

    def bars(self) -> tuple[TargetBar, TargetBar]:
        return self.lat_bar, self.glute_bar

    def set_theme(self, theme: Theme) -> None:
        for widget in (self.lat_bar, self.glute_bar, self.gauge):
            widget.track = QColor(theme.bar_track)
            widget.update()
