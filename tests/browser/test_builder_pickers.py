"""The builder preview's viewer filters are pickers (issue 14, item 7): each offers the previewed
tenant's own top values of its dimension (GET …/preview/values, the embed pickers' reader), with
search; a picked value re-renders the preview with other numbers."""

from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import screenshot
from tests.browser.test_builder import builder, kpi, pick, preview_after  # noqa: F401
from tests.factories import event, insert

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def offered(page, label: str, action, search: str) -> list[str]:
    """Run `action` on the picker and return the options of the values request it causes for
    `search` (focusing sends what the picker holds, typing what it then holds)."""
    picker = page.get_by_label(label, exact=True)
    name = picker.get_attribute("name")

    def answered(response) -> bool:
        query = parse_qs(urlparse(response.url).query, keep_blank_values=True)
        return "/preview/values" in response.url and query.get(name) == [search]

    with page.expect_response(answered):
        action(picker)
    page.wait_for_timeout(100)  # the swap
    options = page.locator(f"#{picker.get_attribute('list')} option")
    return options.evaluate_all("options => options.map(o => o.value)")


def test_pickers_offer_the_previewed_tenants_own_values_and_filter_the_preview(
    builder,  # noqa: F811
) -> None:
    page = builder
    org_id = page.dashboard.organization_id
    insert(
        [
            event(org_id=org_id, tenant_id="globex", string_props={"model": "mistral"}),
            event(org_id=org_id, tenant_id="acme", string_props={"model": "acme-private"}),
        ]
    )
    preview_after(page, lambda: page.get_by_label("Preview as tenant").select_option("globex"))
    assert kpi(page) == "13"

    values = offered(page, "Model", lambda picker: picker.focus(), "")
    assert values == ["claude", "gpt-4", "llama", "mistral"]  # 4, 4, 4, 1 calls; not acme's
    typed = offered(page, "Model", lambda picker: picker.press_sequentially("LL"), "LL")
    assert typed == ["llama"]  # contains the text, whatever its case
    screenshot(page, "builder-pickers-1280", full_page=False)

    page.get_by_label("Model", exact=True).fill("")
    preview_after(page, lambda: pick(page, "Model", "mistral"))
    assert kpi(page) == "1"
    assert page.get_by_label("Model", exact=True).input_value() == "mistral"

    preview_after(page, lambda: page.get_by_label("Preview as tenant").select_option("acme"))
    assert "acme-private" in offered(page, "Model", lambda picker: picker.fill(""), "")
    assert "mistral" not in offered(page, "Model", lambda picker: picker.fill("m"), "m")
