"""JS clients' figures, printed (a benchmark, never a test).

    .venv/bin/python bench/js_clients.py [--runs 10] [--events 200000]

  1. SightlineDashboard's first render in Debian's Chromium on loopback: the Vite-built React
     host page of the browser tests (tests/browser/react_app) on one origin, Sightline (waitress,
     this process) on another; bench/embed.py's 6-widget dashboard, its widgets cached on the
     server by one earlier request. Per run a fresh browser context (empty cache): time from the
     navigation's start to onReady (all 6 widgets drawn), and from the app's first line of script
     to onReady (the components' own time, without the page's download). Target: <= 300 ms.
  2. The bytes each package adds to a host page, gzip -9 of everything Vite (production build,
     tree-shaken) emits for a minimal page using it: the initial JS/CSS and the lazily loaded
     chunks (ECharts) together, minus a page with React alone for the React packages.
     Target: @sightline/react <= 150 KB gzip.
  3. The embed page's bytes: its module (the renderer included), its chunks (ECharts) and its
     stylesheet as served (.gz twins), beside the builder preview's module.

Data: bench/query.py's generator with --events events (default 200,000: the first render
reads cached widgets, so the data set's size does not matter here) under bench/out/js-clients/.
"""

import argparse
import gzip
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import embed as embed_bench  # noqa: E402 - bench/embed.py: setup, dashboard, servers

APP = ROOT / "tests" / "browser" / "react_app"
VITE = ROOT / "node_modules" / "vite" / "bin" / "vite.js"
TARGET_RENDER_MS = 300
TARGET_REACT_KB = 150
PROBES_DIR = ROOT / "bench" / "js_probes"
PROBES = {
    "react + react-dom (baseline)": "baseline.js",
    "@sightline/react": "react.js",
    "@sightline/embed/react": "embed-react.js",
    "@sightline/embed (no React)": "embed.js",
}
TIMELINE = (PROBES_DIR / "timeline.js").read_text().split("\n", 1)[1]


def vite_build(root: Path, out: Path, config: Path | None = None) -> None:
    command = ["node", str(VITE), "build", "--outDir", str(out), "--emptyOutDir"]
    command += ["--config", str(config)] if config else [str(root), "--logLevel", "warn"]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=300)


def gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


def bundle_bytes(out: Path) -> dict[str, int]:
    files = [p for p in out.rglob("*") if p.suffix in (".js", ".css")]
    lazy = [p for p in files if p.name.startswith("echarts")]
    return {
        "total": sum(gzip_size(p) for p in files),
        "lazy": sum(gzip_size(p) for p in lazy),
    }


def bench_bytes() -> dict[str, dict[str, int]]:
    sizes = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, source in PROBES.items():
            root = Path(scratch) / name.replace("/", "_").replace(" ", "_")
            root.mkdir()
            (root / "index.html").write_text(
                '<!doctype html><script type="module" src="./main.js"></script>'
            )
            shutil.copy(PROBES_DIR / source, root / "main.js")
            # Resolve the workspace packages from the repository's node_modules.
            (root / "node_modules").symlink_to(ROOT / "node_modules")
            vite_build(root, root / "dist")
            sizes[name] = bundle_bytes(root / "dist")
    baseline = sizes["react + react-dom (baseline)"]["total"]
    print("2. bytes a package adds to a host page (gzip -9, Vite production build)")
    for name, size in sizes.items():
        added = size["total"] - (
            baseline if "react" in name and "baseline" not in name and "no React" not in name else 0
        )
        lazy = (
            f", of which {size['lazy'] / 1024:,.1f} KB ECharts loaded on first chart"
            if size["lazy"]
            else ""
        )
        label = "page total" if "baseline" in name else "adds"
        print(f"   {name}: {label} {added / 1024:,.1f} KB{lazy}")
    return sizes


def bench_embed_page_bytes() -> None:
    built = ROOT / "static" / "vendor" / "sightline"
    assets = json.loads((built / "preload.json").read_text())["embed"]  # the page's own files
    page = [ROOT / "static" / path for path in (assets["entry"], assets["css"], *assets["modules"])]
    page.append(ROOT / "static" / assets["charts"])
    page_gz = sum(Path(f"{p}.gz").stat().st_size for p in page)
    renderer = sum(Path(f"{ROOT / 'static' / p}.gz").stat().st_size for p in assets["modules"])
    echarts = Path(f"{ROOT / 'static' / assets['charts']}.gz").stat().st_size
    own = Path(f"{ROOT / 'static' / assets['entry']}.gz").stat().st_size
    preview = Path(f"{built / 'preview.js'}.gz").stat().st_size
    print("3. the embed page's JS and CSS as served (gzip; its own build of build-static.mjs)")
    print(
        f"   total {page_gz / 1024:,.1f} KB: page module with the renderer {own / 1024:,.1f} KB, "
        f"helper chunk {renderer / 1024:,.1f} KB, ECharts chunk {echarts / 1024:,.1f} KB, "
        "its one stylesheet the rest"
    )
    print(f"   the builder preview's module (the renderer included): {preview / 1024:,.1f} KB")


def bench_render(runs: int, build: Path) -> list[float]:
    from playwright.sync_api import sync_playwright

    from embeds.services import Actor, embed_session_create

    organization, _key, dashboard = embed_bench.publish()
    with tempfile.TemporaryDirectory() as directory:
        shutil.copytree(build, directory, dirs_exist_ok=True)
        server, host, stop = embed_bench.serve_threads(directory)
        organization.allowed_embed_origins = [host]
        organization.save(update_fields=["allowed_embed_origins"])
        token = embed_session_create(
            organization=organization,
            request=embed_bench.session_request(dashboard, "tenant_7"),
            actor=Actor(),
        ).token
        scenario = {
            "mode": "dashboard",
            "host": server,
            "dashboardId": dashboard.pk,
            "token": token,
        }
        url = f"{host}/index.html#{json.dumps(scenario)}"
        totals, own = [], []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", args=embed_bench.CHROMIUM_ARGS
                )
                for run in range(runs + 1):  # the first warms the server's widget cache
                    context = browser.new_context(viewport={"width": 1280, "height": 900})
                    page = context.new_page()
                    page.goto(url)
                    page.wait_for_function(
                        "window.events.some(e => e.type === 'ready' || e.type === 'error')",
                        timeout=60_000,
                    )
                    errors = page.evaluate("window.events.filter(e => e.type === 'error')")
                    if errors:
                        raise RuntimeError(f"render failed: {errors}")
                    ready = page.evaluate("window.events.find(e => e.type === 'ready').at")
                    started = page.evaluate("window.loadedAt")
                    if run:
                        totals.append(ready)
                        own.append(ready - started)
                        timeline = page.evaluate(TIMELINE)
                    context.close()
                browser.close()
        finally:
            stop()
    totals.sort()
    own.sort()
    p50 = totals[len(totals) // 2]
    print(
        f"1. SightlineDashboard first render, 6 widgets, cached server data, n={runs}: "
        f"navigation -> onReady p50 {p50:.0f} ms (min {totals[0]:.0f}, max {totals[-1]:.0f}); "
        f"app script -> onReady p50 {own[len(own) // 2]:.0f} ms"
    )
    spans = ", ".join(f"{name} {start:.0f}-{end:.0f}" for name, start, end in timeline["resources"])
    print("   where the time goes (last run, ms from navigation start): app script starts")
    print(f"   {timeline['app']:.0f}; requests {spans}; the rest is ECharts' parse and draw")
    verdict = "met" if p50 <= TARGET_RENDER_MS else "NOT met"
    print(f"   target <= {TARGET_RENDER_MS} ms: {verdict}")
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "js-clients")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    embed_bench.setup(args)
    with tempfile.TemporaryDirectory() as build:
        vite_build(APP, Path(build), APP / "vite.config.mjs")
        bench_render(args.runs, Path(build))
    sizes = bench_bytes()
    react = sizes["@sightline/react"]["total"] - sizes["react + react-dom (baseline)"]["total"]
    verdict = "met" if react <= TARGET_REACT_KB * 1024 else "NOT met"
    kb = react / 1024
    print(f"   target @sightline/react <= {TARGET_REACT_KB} KB gzip: {kb:,.1f} KB, {verdict}")
    bench_embed_page_bytes()


if __name__ == "__main__":
    main()
