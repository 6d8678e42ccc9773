from tests.embeds.conftest import dashboard, embed_get, issue, seeded  # noqa: F401
from tests.usage.conftest import usage_buffer_empty  # noqa: F401
