"""Render emgcoach's icon (emgcoach/resources/icons/emgcoach.svg) to the PNG sizes a desktop asks for:
`make icons`. The PNGs are committed beside the SVG, so installing needs no SVG renderer.

Qt's own SVG renderer (QtSvg), offscreen: no display needed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parents[1] / "emgcoach" / "resources" / "icons"
SIZES = (16, 32, 48, 64, 128, 256)


def render(svg: Path = ICONS / "emgcoach.svg", out_dir: Path = ICONS, sizes: tuple[int, ...] = SIZES) -> list[Path]:
    """Write `emgcoach-<size>.png` for each size into `out_dir`; returns the files written."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])  # QImage text and painting want one
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"render_icons: {svg}: not an SVG Qt can read")
    written = []
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        path = out_dir / f"emgcoach-{size}.png"
        if not image.save(str(path), "PNG"):
            raise SystemExit(f"render_icons: could not write {path}")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in render():
        print(p.relative_to(Path.cwd()) if p.is_relative_to(Path.cwd()) else p)
    sys.exit(0)
