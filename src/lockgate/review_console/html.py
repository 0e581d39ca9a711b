"""HTML building blocks: escaping, the page shell with its navigation and style, tables, errors."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path
from urllib.parse import urlencode

NAV = (("/runs", "Runs"), ("/models", "Models"), ("/endpoints", "Endpoints"), ("/alarms", "Alarms & actions"))

STYLE = (Path(__file__).parent / "console.css").read_text()  # vendored: no CDN, no network


def esc(value: object) -> str:
    """Text for HTML (attributes included)."""
    return escape(str(value), quote=True)


def link(path: str, text: str, **query: str) -> str:
    """<a> to a console page with a query string."""
    href = path + ("?" + urlencode(query) if query else "")
    return f'<a href="{esc(href)}">{esc(text)}</a>'


def badge(text: str) -> str:
    """A coloured status word (the CSS class is the word itself)."""
    return f'<span class="badge {esc(text)}">{esc(text)}</span>'


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], empty: str = "nothing yet") -> str:
    """A table of already-escaped cells; cells starting with '\\x00num:' are right-aligned numbers."""
    body = []
    for row in rows:
        cells = []
        for cell in row:
            if cell.startswith("\x00num:"):
                cells.append(f'<td class="num">{cell.removeprefix(chr(0) + "num:")}</td>')
            else:
                cells.append(f"<td>{cell}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        return f'<p class="muted">{esc(empty)}</p>'
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    thead = f"<thead><tr>{head}</tr></thead>" if any(headers) else ""
    return f"<table>{thead}<tbody>{''.join(body)}</tbody></table>"


def num(value: float | int | None, digits: int = 3) -> str:
    """A right-aligned number cell ('-' for None)."""
    if value is None:
        return "\x00num:-"
    text = f"{value:,}" if isinstance(value, int) else f"{value:.{digits}f}"
    return "\x00num:" + esc(text)


def page(title: str, body: str, where: str, active: str = "") -> str:
    """The whole document: head, navigation, body."""
    nav = "".join(
        f'<a href="{path}"{' class="on" aria-current="page"' if path == active else ""}>{esc(text)}</a>'
        for path, text in NAV
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{esc(title)} · Lockgate</title><link rel="icon" '
        f'href="data:,"><style>{STYLE}</style></head><body>'
        f'<header><span class="brand">Lockgate</span><nav aria-label="pages">{nav}</nav>'
        f"<span "
        f'class="where">{esc(where)}</span></header><main><h1>{esc(title)}</h1>{body}</main></body></html>'
    )


def error_page(status: int, message: str, where: str) -> str:
    """One line saying what went wrong, in the page shell."""
    return page(f"Error {status}", f'<p class="error" role="alert">{esc(message)}</p>', where)
