"""A digest's e-mail: the HTML (inline CSS, table layout: what Gmail, Outlook and Apple Mail
render alike) and its plain-text alternative, from texts and PNGs @sightline/charts made on the
server (subscriptions.charts). The charts are inline images (`cid:`) of a multipart/related
message: related[alternative[text/plain, text/html], image/png...]. Every digest carries the
one-click unsubscribe link in its body and as `List-Unsubscribe` / `List-Unsubscribe-Post`
headers (RFC 8058)."""

import hashlib
from dataclasses import dataclass
from email.mime.image import MIMEImage
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from dashboards.spec import WidgetSpec

PERIOD_WORDS = {"24h": ("Daily", "last 24 hours"), "7d": ("Weekly", "last 7 days")}
KPIS_PER_ROW = 3
CHART_WIDTH = 560  # CSS pixels of a chart in the 600 px message


@dataclass(frozen=True)
class WidgetBlock:
    widget: WidgetSpec
    card: dict[str, Any]  # widgetCard's answer, or {"error": ...}


@dataclass(frozen=True)
class DigestContent:
    name: str
    period: str  # "24h" | "7d" (or another rolling period)
    period_text: tuple[str, str]  # from, to: formatted in the grant's locale and time zone
    timezone: str
    blocks: list[WidgetBlock]
    theme: dict[str, str]
    colors: dict[str, str]  # the mode's colours (@sightline/charts MODE_COLORS)
    states: dict[str, str]  # the cards' empty / error texts (STATE_TEXT)


def digest_subject(content: DigestContent) -> str:
    cadence, span = PERIOD_WORDS.get(content.period, ("", f"last {content.period}"))
    return f"{content.name}: {f'{cadence.lower()} ' if cadence else ''}digest ({span})"


def digest_message(
    content: DigestContent,
    *,
    to: str,
    link_url: str,
    unsubscribe_url: str,
    shared_images: dict[str, MIMEImage] | None = None,
) -> EmailMultiAlternatives:
    """`shared_images` (Content-ID -> part), kept by the caller across messages, encodes a PNG
    that several digests show once (parts are not changed when a message is serialized)."""
    images: dict[str, MIMEImage] = {}
    rows = _rows(content, images, {} if shared_images is None else shared_images)
    cadence, span = PERIOD_WORDS.get(content.period, ("", f"last {content.period}"))
    context = {
        "name": content.name,
        "cadence": cadence,
        "span": span,
        "period_from": content.period_text[0],
        "period_to": content.period_text[1],
        "timezone": content.timezone,
        "rows": rows,
        "c": content.colors,
        "primary": content.theme.get("primaryColor") or "#2563eb",
        "font": content.theme.get("fontFamily") or "Helvetica, Arial, sans-serif",
        "link_url": link_url,
        "unsubscribe_url": unsubscribe_url,
        "lines": _text(rows),
    }
    message = EmailMultiAlternatives(
        subject=digest_subject(content),
        body=render_to_string("subscriptions/digest.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(render_to_string("subscriptions/digest.html", context), "text/html")
    if images:
        message.mixed_subtype = "related"
        for image in images.values():
            message.attach(image)
    return message


def _rows(
    content: DigestContent, images: dict[str, MIMEImage], shared: dict[str, MIMEImage]
) -> list[dict[str, Any]]:
    """The message's rows, top to bottom: a run of consecutive KPIs fills rows of up to three,
    evenly (four make two rows of two); every other widget has its own row."""
    rows: list[dict[str, Any]] = []
    run: list[dict[str, Any]] = []
    for block in [*content.blocks, None]:
        item = _item(block, content, images, shared) if block else None
        if item is not None and item["type"] == "kpi":
            run.append(item)
            continue
        if run:
            count = -(-len(run) // KPIS_PER_ROW)
            per_row = -(-len(run) // count)
            for start in range(0, len(run), per_row):
                chunk = run[start : start + per_row]
                rows.append({"type": "kpis", "items": chunk, "width": f"{100 // len(chunk)}%"})
            run = []
        if item is not None:
            rows.append(item)
    return rows


def _text(rows: list[dict[str, Any]]) -> list[str]:
    """The plain-text lines of the widgets."""
    lines: list[str] = []
    for row in rows:
        if row["type"] == "kpis":
            lines += [_kpi_text(kpi) for kpi in row["items"]]
            continue
        lines += ["", row["title"]]
        if row["type"] in ("chart", "list"):
            lines += [f"  {r['key']}: {r['value']}" for r in row["rows"]] or [
                "  (chart: see the HTML version of this e-mail)"
            ]
        elif row["type"] == "funnel":
            lines += [f"  {s['name']}: {s['users']} ({s['note']})" for s in row["steps"]]
        elif row["type"] == "table":
            table = row["table"]
            lines.append("  " + " | ".join(column["label"] for column in table["columns"]))
            lines += ["  " + " | ".join(cell["text"] for cell in cells) for cells in table["rows"]]
            if table["more"]:
                lines.append(f"  and {table['more']} more rows on the dashboard")
        else:
            lines.append(f"  {row['text']}")
    return lines


def _kpi_text(kpi: dict[str, Any]) -> str:
    if kpi.get("empty"):
        return f"{kpi['title']}: {kpi['text']}"
    text = f"{kpi['title']}: {kpi['value']} ({kpi['change']})"
    if kpi.get("sparkline"):
        text += f"; {kpi['sparkline']['label']}"
    return f"{text}, {kpi['progress']['text']}" if kpi.get("progress") else text


def _item(
    block: WidgetBlock,
    content: DigestContent,
    images: dict[str, MIMEImage],
    shared: dict[str, MIMEImage],
) -> dict[str, Any]:
    widget, card = block.widget, block.card
    item: dict[str, Any] = {"title": widget.title, "id": widget.id}
    if "error" in card:
        return {**item, "type": "state", "text": content.states["error"], "error": True}
    if card.get("empty"):
        empty = {**item, "type": "state", "text": card.get("text") or content.states["empty"]}
        return {**empty, "type": "kpi", "empty": True} if widget.kind == "kpi" else empty
    if "png" in card:
        cid = _inline_image(card["png"], widget.id, images, shared)
        width = min(CHART_WIDTH, card["width"])
        height = round(card["height"] * width / card["width"])
        rows = card.get("rows") or []
        return {**item, "type": "chart", "cid": cid, "width": width, "height": height, "rows": rows}
    if widget.kind == "kpi":
        kpi = card["kpi"]
        progress = kpi.get("progress")
        line = kpi.get("sparkline")
        return {
            **item,
            "type": "kpi",
            "value": kpi["value"],
            "change": kpi["change"]["text"],
            "direction": kpi["change"]["direction"],
            "progress": progress and {**progress, "percent": round(progress["ratio"] * 100)},
            "sparkline": line
            and {
                "cid": _inline_image(line["png"], f"{widget.id}-trend", images, shared),
                "width": line["width"],
                "height": line["height"],
                "label": line["label"],
            },
        }
    if widget.kind == "breakdown":
        return {**item, "type": "list", "rows": _bars(card["rows"])}
    if widget.kind == "funnel":
        return {**item, "type": "funnel", "steps": _bars(card["steps"])}
    if widget.kind == "table":
        table = card["table"]
        numeric = [column["numeric"] for column in table["columns"]]
        cells = [
            [{"text": text, "numeric": flag} for text, flag in zip(row, numeric, strict=True)]
            for row in table["rows"]
        ]
        return {**item, "type": "table", "table": {**table, "rows": cells}}
    return {**item, "type": "state", "text": content.states["error"], "error": True}


def _inline_image(
    png: bytes, name: str, images: dict[str, MIMEImage], shared: dict[str, MIMEImage]
) -> str:
    """The Content-ID of `png` as an inline part of this message (encoded once per run)."""
    cid = f"{name}.{hashlib.sha256(png).hexdigest()[:16]}@sightline"
    if cid not in shared:
        image = MIMEImage(png, "png")
        image.add_header("Content-ID", f"<{cid}>")
        image.add_header("Content-Disposition", "inline", filename=f"{name}.png")
        shared[cid] = image
    images[cid] = shared[cid]
    return cid


def _bars(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each row's share as a whole percentage for a table-cell bar (0 draws none)."""
    return [{**row, "percent": max(0, min(100, round(row["share"] * 100)))} for row in rows]
