"""Variants: a customer's own view of a published dashboard, laid over whatever is published.

A variant holds the designer's own widgets (the spec's widget rules, `dashboards.spec`), the
order and grid positions of the widgets it shows (published and own), and the own widgets it
keeps but hides. The published widgets are never copied into it: a new version shows through,
a published widget the owner removed simply drops out of the layout (`layered`).

What a designer may put in a variant is bounded by a `VariantGrant`, which the embed session
computes from its token: the events it may chart, the locked filter keys it may not touch and
the widgets hidden from it (never included, referenced or re-created). The same grant is
applied again when a session reads a variant (`layered`), so a variant shared by a tenant
never shows a viewer more than that viewer's own session allows.

This module is pure (no database): `dashboards.variant_services` stores, the selectors read.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from core.errors import Forbidden, InvalidInput
from dashboards.layout import reflow
from dashboards.spec import DashboardSpec, WidgetSpec, widget_to_dict
from dashboards.spec.fields import MISSING, SpecErrors, as_int, as_list, as_object, as_string
from dashboards.spec.vocabulary import MAX_WIDGETS, WIDGET_ID_RE
from dashboards.spec.widgets import parse_layout, parse_widgets
from warehouse.query import WidgetQuery

VARIANT_MAX_WIDGETS = 20  # own widgets of one variant
USER, TENANT = "user", "tenant"  # the scopes of a variant
BODY_KEYS = {"widgets", "layout", "hidden", "revision"}


@dataclass(frozen=True)
class VariantOwner:
    """Whose variant: always from the signed session (tenant, its variant_scope, its user)."""

    tenant_id: str
    scope: str  # USER or TENANT
    user: str  # "" for TENANT

    def __post_init__(self) -> None:
        if self.scope not in (USER, TENANT) or (self.scope == USER) != bool(self.user):
            raise ValueError("A user variant names its user; a tenant variant names none.")


@dataclass(frozen=True)
class VariantGrant:
    """What a session may use in a variant (from its token, see embeds.variants)."""

    visible_ids: frozenset[str]  # published widgets the session sees
    published_ids: frozenset[str]  # every published widget id, hidden ones too
    hidden_queries: tuple[WidgetQuery, ...]  # what the hidden widgets compute
    allowed_events: frozenset[str]
    locked_keys: frozenset[str]
    # What only hidden widgets compute (`computations`), in whatever shape: a series or a
    # breakdown of a hidden KPI's metric shows the same numbers.
    hidden_computations: frozenset[tuple[Any, ...]] = frozenset()

    def refusals(self, widget: WidgetSpec, path: str) -> list[tuple[str, str, str]]:
        """(code, field, message) for each way `widget` would widen what the session sees."""
        out = []
        for name in dict.fromkeys((widget.event_name, *widget.steps)):
            if name not in self.allowed_events:
                out.append(
                    (
                        "event_not_allowed",
                        f"{path}.event_name",
                        f"The event {name!r} is not one this view may chart.",
                    )
                )
        keys = set(widget.filters)
        if widget.ratio is not None:
            keys |= {
                key
                for part in (widget.ratio.numerator, widget.ratio.denominator)
                for key, _ in part.filters
            }
        for key in sorted(keys & self.locked_keys):
            out.append(
                ("filter_locked", f"{path}.filters.{key}", f"{key!r} is set by the application.")
            )
        if widget.query in self.hidden_queries or computations(widget.query) & (
            self.hidden_computations
        ):
            out.append(
                ("widget_hidden", path, "This widget repeats one that is hidden from this view.")
            )
        return out


def computations(query: WidgetQuery) -> frozenset[tuple[Any, ...]]:
    """The numbers a widget shows, whatever its shape (kind, grouping, bucket, limit, sort):
    each of its metrics over its event(s) under its own filters."""
    base = (query.event_name, query.steps, tuple(sorted(query.filters.items())))
    return frozenset((*base, metric) for metric in (query.metric, *query.metrics))


@dataclass(frozen=True)
class VariantContent:
    """A variant's content, validated: own widgets, layout (id -> box, in order), hidden."""

    widgets: tuple[WidgetSpec, ...]
    layout: tuple[tuple[str, dict[str, int]], ...]
    hidden: tuple[str, ...]

    def to_store(self) -> dict[str, Any]:
        return {
            "widgets": [widget_to_dict(w) for w in self.widgets],
            "layout": [{"id": wid, **box} for wid, box in self.layout],
            "hidden": list(self.hidden),
        }


def parse_variant(raw: object, *, grant: VariantGrant) -> tuple[VariantContent, int | None]:
    """A designer's save, strictly: the content and the revision it was edited from (None:
    not given). 400 with every problem's path for invalid input; 403 naming the field when a
    widget would show more than the session may see."""
    errors = SpecErrors()
    obj = as_object(raw, "", BODY_KEYS, errors)
    if obj is None:
        _raise_invalid(errors)
    assert obj is not None
    if len(obj.get("widgets") or []) > VARIANT_MAX_WIDGETS:
        errors.add("widgets", f"At most {VARIANT_MAX_WIDGETS} widgets of your own.")
        _raise_invalid(errors)
    own = parse_widgets(obj.get("widgets", []), errors)
    for index, widget in enumerate(own):
        if widget.id in grant.published_ids:
            errors.add(f"widgets[{index}].id", "This id is taken; choose another.")
    own_ids = {w.id for w in own}
    layout = _parse_layout_list(obj.get("layout", []), grant.visible_ids | own_ids, errors)
    hidden = _parse_hidden(obj.get("hidden", []), own_ids, errors)
    revision = obj.get("revision")
    if revision is not None:
        revision = as_int(revision, "revision", errors, low=0, high=None)
    _raise_invalid(errors)
    refusals = [r for i, w in enumerate(own) for r in grant.refusals(w, f"widgets[{i}]")]
    if refusals:
        raise Forbidden(
            refusals[0][2],
            code=refusals[0][0],
            details=[{"field": field, "message": message} for _, field, message in refusals],
        )
    packed = reflow([{"id": wid, "layout": box} for wid, box in layout])  # no overlaps
    layout = tuple((entry["id"], entry["layout"]) for entry in packed)
    return VariantContent(widgets=own, layout=layout, hidden=hidden), revision


def _raise_invalid(errors: SpecErrors) -> None:
    if errors.details:
        raise InvalidInput("The view is invalid.", details=errors.details)


def _parse_layout_list(
    raw: Any, known: frozenset[str] | set[str], errors: SpecErrors
) -> tuple[tuple[str, dict[str, int]], ...]:
    out: list[tuple[str, dict[str, int]]] = []
    for index, item in enumerate(as_list(raw, "layout", errors, max_items=MAX_WIDGETS)):
        path = f"layout[{index}]"
        obj = as_object(item, path, {"id", "x", "y", "w", "h"}, errors)
        if obj is None:
            continue
        widget_id = as_string(
            obj.get("id", MISSING),
            f"{path}.id",
            errors,
            min_len=1,
            max_len=42,
            pattern=WIDGET_ID_RE,
        )
        box = parse_layout({k: v for k, v in obj.items() if k != "id"}, path, errors)
        if widget_id is None or box is None:
            continue
        if widget_id not in known:
            errors.add(f"{path}.id", "No such widget in this view.")
        elif any(widget_id == seen for seen, _ in out):
            errors.add(f"{path}.id", "Listed twice.")
        else:
            out.append((widget_id, box.to_dict()))
    return tuple(out)


def _parse_hidden(raw: Any, own_ids: set[str], errors: SpecErrors) -> tuple[str, ...]:
    out: list[str] = []
    for index, item in enumerate(as_list(raw, "hidden", errors, max_items=VARIANT_MAX_WIDGETS)):
        if item not in own_ids:
            errors.add(f"hidden[{index}]", "Only your own widgets can be hidden.")
        elif item not in out:
            out.append(item)
    return tuple(out)


def stored_content(stored: Mapping[str, Any]) -> VariantContent:
    """A stored variant back to content (it was validated when saved; re-checked here, since
    the spec rules may have grown stricter: an own widget that no longer parses drops out)."""
    widgets = []
    for raw in stored.get("widgets") or []:
        errors = SpecErrors()
        parsed = parse_widgets([raw], errors)
        widgets.extend(parsed if not errors.details else ())
    layout = tuple(
        (entry["id"], {k: int(entry[k]) for k in ("x", "y", "w", "h")})
        for entry in stored.get("layout") or []
    )
    return VariantContent(
        widgets=tuple(widgets), layout=layout, hidden=tuple(stored.get("hidden") or ())
    )


@dataclass(frozen=True)
class Layered:
    spec: DashboardSpec  # what the session sees and reads
    own_ids: tuple[str, ...]  # the variant's own widgets shown (the designer may edit them)
    removed: int  # layout entries naming published widgets that are gone


def layered(published: DashboardSpec, content: VariantContent, *, grant: VariantGrant) -> Layered:
    """The published spec with the variant laid over it, for one session's grant.

    Order: the variant's layout first (its positions, re-packed so nothing overlaps), then any
    published widget the layout does not name (published after the variant was saved) at its
    own size below. Hidden own widgets, and own widgets the session's grant would refuse (an
    event it may not chart, a widget hidden from it), are left out; widgets hidden by the
    token stay in the spec for the embed's permissions to hide, as without a variant."""
    by_id: dict[str, WidgetSpec] = {w.id: w for w in published.widgets}
    shown_own = {
        w.id: w
        for w in content.widgets
        if w.id not in content.hidden and w.id not in by_id and not grant.refusals(w, "")
    }
    ordered: list[WidgetSpec] = []
    removed = 0
    own_ids = {w.id for w in content.widgets}
    for widget_id, box in content.layout:
        widget = shown_own.get(widget_id)
        if widget_id in by_id:  # published: shown here if this session sees it
            widget = by_id[widget_id] if widget_id in grant.visible_ids else None
        elif widget_id not in own_ids:
            removed += 1
        if widget is None:
            continue
        ordered.append(replace(widget, layout=replace(widget.layout, **box)))
    placed = {w.id for w in ordered}
    ordered += [
        w
        for w in reading_order(published.widgets)
        if w.id not in placed and w.id in grant.visible_ids
    ]
    ordered += [w for w in shown_own.values() if w.id not in placed]
    boxes = reflow([{"id": w.id, "layout": w.layout.to_dict()} for w in ordered])
    packed = [
        replace(w, layout=replace(w.layout, **box["layout"]))
        for w, box in zip(ordered, boxes, strict=True)
    ]
    invisible = [w for w in published.widgets if w.id not in grant.visible_ids]
    return Layered(
        spec=replace(published, widgets=tuple(packed + invisible)),
        own_ids=tuple(w.id for w in packed if w.id in shown_own),
        removed=removed,
    )


def reading_order(widgets: tuple[WidgetSpec, ...] | list[WidgetSpec]) -> list[WidgetSpec]:
    """Top to bottom, left to right: re-packing (`reflow`) in this order keeps a grid as it is."""
    return sorted(widgets, key=lambda w: (w.layout.y, w.layout.x))


def pruned_layout(published: DashboardSpec, stored: Mapping[str, Any]) -> tuple[list, int]:
    """The stored layout without entries naming widgets that no longer exist (neither
    published nor own), and how many were dropped: what a rebase onto a new version stores."""
    known = {w.id for w in published.widgets} | {
        w.get("id") for w in stored.get("widgets") or [] if isinstance(w, dict)
    }
    kept = [entry for entry in stored.get("layout") or [] if entry.get("id") in known]
    return kept, len(stored.get("layout") or []) - len(kept)
