"""Which dialect a delimited text table is written in: separator, decimal mark, and where its rows start.

csv.Sniffer picks a separator from character counts, and cannot tell `1,5;2,5` (semicolons, decimal commas:
the European spreadsheet default) from four comma-separated numbers. Here every candidate (separator,
decimal mark) is tried on the file's last sampled lines, which are data in any export, and the one that
splits every such line into the same number (two or more, or one for a single-column file) of numbers
wins; ties go to the decimal point, then to more columns. The data then start at the first line from
which every sampled line parses that way; the line before it, if it has as many cells, is the header,
and anything above is a preamble (an export's own metadata lines) that is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SEPARATORS = (",", ";", "\t", " ")  # " ": runs of spaces/tabs
_NAMES = {",": "','", ";": "';'", "\t": "tab", " ": "whitespace"}
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(nan|inf|infinity)$", re.IGNORECASE)


@dataclass(frozen=True)
class Dialect:
    """separator: ',', ';', '\\t' or ' ' (runs of whitespace); decimal: '.' or ','; header_line: index of
    the header line in the file's lines (None: no header); data_line: index of the first data line."""

    separator: str
    decimal: str
    header_line: int | None
    data_line: int

    def split(self, line: str) -> list[str]:
        """The cells of one line, stripped of spaces and quotes; a trailing empty cell (a line ending in
        the separator, as some exporters write) dropped."""
        raw = line.split() if self.separator == " " else line.split(self.separator)
        cells = [c.strip().strip('"').strip("'").strip() for c in raw]
        if len(cells) > 1 and cells[-1] == "":
            cells.pop()
        return cells

    def number(self, cell: str) -> float | None:
        """The cell as a float in this dialect, None when it is not a number."""
        text = cell.replace(",", ".") if self.decimal == "," else cell
        if not _NUMBER.match(text):
            return None
        return float(text)

    def describe(self) -> str:
        """E.g. "';'-separated, decimal comma"."""
        return f"{_NAMES[self.separator]}-separated, decimal {'comma' if self.decimal == ',' else 'point'}"


def _numeric_width(d: Dialect, lines: list[str]) -> int | None:
    """The number of cells every line splits into, all numbers; None when the lines do not agree."""
    width = None
    for line in lines:
        cells = d.split(line)
        if not cells or any(d.number(c) is None for c in cells):
            return None
        if width is None:
            width = len(cells)
        elif len(cells) != width:
            return None
    return width


def _numeric_run(d: Dialect, lines: list[str], limit: int) -> tuple[int, int]:
    """(how many of the last lines, up to `limit`, read as rows of numbers of one width; that width)."""
    width = None
    run = 0
    for line in reversed(lines):
        w = _numeric_width(d, [line])
        if w is None or (width is not None and w != width):
            break
        width = w
        run += 1
        if run >= limit:
            break
    return run, width or 0


def detect_dialect(lines: list[str], tail: int = 8) -> Dialect | None:
    """The dialect of a table from its first lines (a few dozen: preamble, header and some data rows);
    None when no candidate reads even the last line as a row of numbers. Candidates are ranked by how
    many of the last `tail` lines they read as rows of numbers of one width, then whether the line above
    them (the header) has as many cells, then decimal point over comma, then more columns. A headerless
    single column with decimal commas (`0,5`) reads as two columns: nothing in it says otherwise."""
    body_idx = [i for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")]
    body = [lines[i] for i in body_idx]
    if not body:
        return None
    best: tuple[tuple[int, bool, bool, int, int], Dialect] | None = None
    for sep in SEPARATORS:
        for dec in (".", ","):
            if sep == dec:
                continue
            d = Dialect(sep, dec, None, 0)
            run, width = _numeric_run(d, body, tail)
            if run == 0 or (width == 1 and sep != " "):
                continue  # one column reads the same with any separator: whitespace takes it
            used = sum(sep in ln for ln in body[-run:]) if sep != " " else 0
            whole, _ = _numeric_run(d, body, len(body))
            fits = whole < len(body) and len(d.split(body[-whole - 1])) == width  # a header of as many cells
            key = (run, fits, dec == ".", width, used)
            if best is None or key > best[0]:
                best = (key, d)
    if best is None:
        return None
    d = best[1]
    run, width = _numeric_run(d, body, len(body))
    start = len(body) - run
    if start > 0 and _numeric_width(d, [body[start - 1]]) is not None:
        return None  # rows of numbers of different lengths: a damaged table, which the plain reading reports
    data_line = body_idx[start]
    header = body_idx[start - 1] if start > 0 else None
    if header is not None and len(d.split(lines[header])) != width:
        header = None
    return Dialect(d.separator, d.decimal, header, data_line)
