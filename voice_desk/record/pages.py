"""A4 pages built top to bottom with matplotlib: headings, wrapped text, tables and figures placed
at a cursor, a new page when one is full, and a header and footer on every page (with "page i of n").

Plain matplotlib (``Figure`` and the PDF backend, no pyplot, the process's backend left alone): safe
in a worker thread of the window, no window of its own.
Text is embedded as TrueType (``pdf.fonttype`` 42), so it can be searched, copied and read aloud.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

A4 = (8.27, 11.69)           # inches
MARGIN = 0.6
TOP = 0.85                   # below the header
BOTTOM = 0.7                 # above the footer
INK = "#1a1a1a"
MUTED = "#555555"
RULE = "#bbbbbb"
FONT = "DejaVu Sans"


@lru_cache(maxsize=8)
def _font(size: float, weight: str):
    from matplotlib.font_manager import FontProperties

    return FontProperties(family=FONT, size=size, weight=weight)


@lru_cache(maxsize=4096)
def text_width(text: str, size: float, weight: str = "normal") -> float:
    """The width of one line of ``text`` in inches, as matplotlib will draw it."""
    from matplotlib.textpath import TextToPath

    return TextToPath().get_text_width_height_descent(text, _font(size, weight), ismath=False)[0] / 72


def wrap(text: str, width_in: float, size: float, weight: str = "normal") -> list[str]:
    """``text`` broken at spaces into lines that fit ``width_in`` inches at ``size`` points (its own
    line breaks kept; a word longer than a line is broken inside)."""
    lines: list[str] = []
    for paragraph in str(text).splitlines() or [""]:
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if text_width(candidate, size, weight) <= width_in:
                line = candidate
                continue
            if line:
                lines.append(line)
            while text_width(word, size, weight) > width_in and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and text_width(word[:cut], size, weight) > width_in:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


def line_height(size: float) -> float:
    return size * 1.32 / 72


@dataclass
class Column:
    header: str
    width: float             # inches
    align: str = "left"      # 'left' or 'right'


class Book:
    """Pages of one document. ``header(fig, number)`` and ``footer(fig, number, total)`` draw on each."""

    def __init__(self, header=None, footer=None):
        self.pages: list = []
        self.header = header
        self.footer = footer
        self.width = A4[0] - 2 * MARGIN
        self.y = 0.0
        self.new_page()

    # -- pages ----------------------------------------------------------------------------------

    def new_page(self) -> None:
        from matplotlib.figure import Figure

        self.fig = Figure(figsize=A4)
        self.pages.append(self.fig)
        self.y = TOP

    def room(self) -> float:
        return A4[1] - BOTTOM - self.y

    def need(self, height: float) -> None:
        """Start a new page unless ``height`` inches fit on this one."""
        if height > self.room() and self.y > TOP + 0.01:
            self.new_page()

    def space(self, height: float) -> None:
        self.y += height

    def _fy(self, y: float) -> float:
        return 1.0 - y / A4[1]

    def _fx(self, x: float) -> float:
        return x / A4[0]

    # -- text ------------------------------------------------------------------------------------

    def text(self, x: float, y: float, text: str, size: float = 9, **kwargs) -> None:
        """One line at (x, y) inches from the page's left and top edge (its baseline's top)."""
        kwargs.setdefault("color", INK)
        self.fig.text(self._fx(x), self._fy(y), text, fontsize=size, va="top", **kwargs)

    def heading(self, text: str, size: float = 12, rule: bool = True, keep: float = 0.9) -> None:
        """A heading, on a new page unless ``keep`` inches of what follows fit under it."""
        self.need(line_height(size) + 0.2 + keep)
        self.space(0.12)
        self.text(MARGIN, self.y, text, size, weight="bold")
        self.y += line_height(size) + 0.02
        if rule:
            self.rule()
        self.space(0.06)

    def rule(self, color: str = RULE) -> None:
        from matplotlib.lines import Line2D

        self.fig.add_artist(Line2D([self._fx(MARGIN), self._fx(A4[0] - MARGIN)], [self._fy(self.y)] * 2,
                                   color=color, lw=0.6))

    def paragraph(self, text: str, size: float = 9, indent: float = 0.0, color: str = INK, **kwargs) -> None:
        for line in wrap(text, self.width - indent, size, kwargs.get("weight", "normal")):
            self.need(line_height(size))
            self.text(MARGIN + indent, self.y, line, size, color=color, **kwargs)
            self.y += line_height(size)

    def fields(self, pairs: list[tuple[str, str]], size: float = 9, label_width: float = 1.3) -> None:
        """'Label   value' lines, the values wrapped in their own column."""
        for label, value in pairs:
            lines = wrap(value, self.width - label_width, size)
            self.need(line_height(size) * len(lines))
            self.text(MARGIN, self.y, label, size, color=MUTED)
            for line in lines:
                self.text(MARGIN + label_width, self.y, line, size)
                self.y += line_height(size)

    def notice(self, text: str, size: float = 9.5) -> None:
        """A boxed line that cannot be missed (the research-use notice)."""
        from matplotlib.patches import Rectangle

        lines = wrap(text, self.width - 0.3, size, "bold")
        height = line_height(size) * len(lines) + 0.14
        self.need(height)
        self.fig.add_artist(Rectangle((self._fx(MARGIN), self._fy(self.y + height)), self.width / A4[0],
                                      height / A4[1], facecolor="#fff4d6", edgecolor="#b07d00", lw=0.8))
        y = self.y + 0.07
        for line in lines:
            self.text(MARGIN + 0.15, y, line, size, weight="bold", color="#5c4000")
            y += line_height(size)
        self.y += height

    # -- tables ----------------------------------------------------------------------------------

    def table(self, columns: list[Column], rows: list[list[str]], size: float = 8,
              marks: list[bool] | None = None) -> None:
        """Rows of cells, each cell wrapped in its column; the header again on a new page.
        ``marks``: rows drawn in bold (a value outside its range)."""
        gap = 0.08
        height = line_height(size)

        titles = [wrap(col.header, col.width, size, "bold") for col in columns]

        def header() -> None:
            x = MARGIN
            for col, title in zip(columns, titles):
                for k, line in enumerate(title):
                    self._cell(x, col, line, size, dy=k * height, weight="bold", color=MUTED)
                x += col.width + gap
            self.y += height * max(len(t) for t in titles) + 0.03
            self.rule()
            self.y += 0.04

        self.need(height * 3)
        header()
        for i, row in enumerate(rows):
            bold = bool(marks and marks[i])
            cells = [wrap(str(value), col.width, size, "bold" if bold else "normal") for col, value in zip(columns, row)]
            lines = max(len(c) for c in cells)
            if lines * height > self.room():
                self.new_page()
                header()
            x = MARGIN
            for col, cell in zip(columns, cells):
                for k, line in enumerate(cell):
                    self._cell(x, col, line, size, dy=k * height, weight="bold" if bold else "normal")
                x += col.width + gap
            self.y += lines * height + 0.025
        self.y += 0.05

    def _cell(self, x: float, col: Column, text: str, size: float, dy: float = 0.0, **kwargs) -> None:
        if col.align == "right":
            self.text(x + col.width, self.y + dy, text, size, ha="right", **kwargs)
        else:
            self.text(x, self.y + dy, text, size, **kwargs)

    # -- figures ---------------------------------------------------------------------------------

    def axes(self, x: float, y: float, width: float, height: float):
        """Axes whose box spans ``width`` x ``height`` inches from (x, y) (left, top) on this page."""
        return self.fig.add_axes([self._fx(x), self._fy(y + height), width / A4[0], height / A4[1]])

    # -- the document ----------------------------------------------------------------------------

    def save(self, path, metadata: dict | None = None) -> None:
        import matplotlib
        from matplotlib.backends.backend_pdf import PdfPages

        total = len(self.pages)
        with matplotlib.rc_context({"pdf.fonttype": 42, "font.family": "DejaVu Sans"}):
            for number, fig in enumerate(self.pages, 1):
                self.fig = fig
                if self.header:
                    self.header(self, number)
                if self.footer:
                    self.footer(self, number, total)
            with PdfPages(path, metadata=metadata or {}) as pdf:
                for fig in self.pages:
                    pdf.savefig(fig)
