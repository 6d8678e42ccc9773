"""The embed page's part of the designer role: whether it may edit, and its variant."""

from typing import Any

from embeds.selectors import VerifiedEmbed
from embeds.variants import SessionView, is_designer


def variant_config(verified: VerifiedEmbed, view: SessionView) -> dict[str, Any]:
    """`designer` (the Edit button), `variant` (null: the published dashboard as is; else its
    revision and which widgets are the variant's own) and `notice` (once, after the owner
    removed widgets the view showed)."""
    variant = view.variant
    return {
        "designer": is_designer(verified.claims),
        "variant": None
        if variant is None
        else {
            "id": variant.pk,
            "scope": variant.scope,
            "revision": variant.revision,
            "own": list(view.own_ids),
        },
        "notice": view.notice,
    }
