"""The README and docs/ are self-contained and their examples run as written: no reference to a
file outside the repository, every relative link resolves, the sample event is recent, and the
Python examples are valid Python."""

import ast
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_no_document_sends_a_reader_outside_the_repository():
    for doc in DOCS:
        text = doc.read_text()
        assert "../shared" not in text and "DESIGN.md" not in text, doc.name


def test_every_relative_link_resolves():
    for doc in DOCS:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", doc.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            assert (doc.parent / target).exists(), f"{doc.name} links to missing {target}"


def test_the_docs_cover_the_spec_the_api_and_every_embedding_option():
    embedding = (ROOT / "docs" / "embedding.md").read_text()
    for heading in ("## Plain HTML", "## Next.js", "## Python", "## Node", "## One widget"):
        assert heading in embedding
    assert "app/api/sightline-session/route.ts" in embedding and '"use client"' in embedding
    api = (ROOT / "docs" / "api.md").read_text()
    assert "/v1/openapi.json" in api and "/docs/api" in api and "/v1/organization" in api
    readme = (ROOT / "README.md").read_text()
    for doc in ("docs/api.md", "docs/spec.md", "docs/embedding.md"):
        assert f"]({doc})" in readme


def test_the_python_examples_are_valid_python():
    for doc in DOCS:
        for block in re.findall(r"```python\n(.*?)```", doc.read_text(), re.S):
            ast.parse(block.replace("…", "x"))


def test_the_readme_sample_event_is_stamped_within_the_last_hour():
    """The sample's timestamp comes from `date -u` when the reader runs it, so the default
    views (the last 24 hours, 7 days) show the event."""
    readme = (ROOT / "README.md").read_text()
    line = next(line for line in readme.splitlines() if line.startswith("NOW=$(date -u"))
    stamp = subprocess.run(
        ["bash", "-c", line.split("#")[0] + ' && echo "$NOW"'],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    from datetime import UTC, datetime

    age = datetime.now(UTC) - datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    assert 0 <= age.total_seconds() < 3600
    assert '"timestamp": "\'"$NOW"\'"' in readme
