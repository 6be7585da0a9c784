"""A wheel built from the repository, installed without -e into a fresh virtual environment,
serves the same site (issue 15: "a regular (non-editable) install serves Datasette with no
facets, labels or canned queries, silently").

The fresh environment borrows the dependencies (Datasette, spaCy, ...) of the one running the
tests through a .pth file, which Python reads without running the editable install's own .pth
hook: `quotes` itself can only come from the wheel. About a minute, mostly building the wheel.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import sysconfig
import urllib.request
from pathlib import Path

from conftest import start_server, stop_server

from quotes import indexer

ROOT = Path(__file__).parents[1]


def run(*command, cwd=None) -> str:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    assert result.returncode == 0, (command, result.stdout[-2000:], result.stderr[-2000:])
    return result.stdout


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read().decode("utf-8")


def same(page: str, base: str) -> str:
    return re.sub(r"took [\d.]+ms", "took", page.replace(base, ""))


def test_a_wheel_installed_without_editing_serves_the_same_site(tmp_path, articles, fake_nlp):
    source = tmp_path / "src"
    shutil.copytree(
        ROOT, source,
        ignore=lambda folder, names: {
            n for n in names
            if n in {".venv", ".git", "models", "db", "test-output", "build", "dist", "tests",
                     "seeds", "__pycache__", ".pytest_cache", ".ruff_cache"}
            or n.endswith(".egg-info")
        },
    )
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(source))
    (wheel,) = (tmp_path / "dist").glob("quotes-*.whl")

    fresh = tmp_path / "fresh"
    run(sys.executable, "-m", "venv", "--without-pip", str(fresh))
    python = fresh / "bin" / "python"
    purelib = Path(run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    (purelib / "_borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index", str(wheel))

    work = tmp_path / "elsewhere"  # away from the source tree, so nothing imports from it
    work.mkdir()
    where = run(str(python), "-c", "import quotes.web; print(quotes.web.__file__)", cwd=work)
    assert where.startswith(str(purelib)), where
    for name in ("metadata.yml", "templates/quotes_quote.html", "static/quotes.css"):
        assert (purelib / "quotes" / "web" / name).is_file(), name

    db = work / "newsroom.db"
    assert indexer.index_paths([str(articles)], db).ok
    quotes_serve, quotes_base = start_server(["--db", str(db)], cwd=work, command=[str(fresh / "bin" / "quotes"), "serve"])
    datasette, datasette_base = start_server(
        [str(db)], cwd=work, command=[str(python), "-m", "datasette", "serve"]
    )
    try:
        pages = [
            "/newsroom/quote/1",
            "/newsroom/speaker/1",
            "/newsroom/article/1",
            "/newsroom/search?q=harbour",
            "/newsroom/quotes",
            "/newsroom/search_quotes?q=harbour",
            "/-/static-plugins/quotes/quotes.css",
        ]
        for page in pages:
            first, second = get(quotes_base + page), get(datasette_base + page)
            assert first[0] == second[0] == 200, page
            # the same page, but for the server's own address and the time its queries took
            assert same(first[1], quotes_base) == same(second[1], datasette_base), page
        for base in (quotes_base, datasette_base):
            _, body = get(base + "/newsroom/quotes_view.json?_facet=speaker")
            facets = json.loads(body)["facet_results"]
            assert {"speaker", "kind", "cue", "article"} <= set(facets.get("results", facets))
            _, body = get(base + "/newsroom/quotes.json?_shape=array&_labels=on")
            assert {"Mara Quist", "Tomas Lind"} <= {r["speaker_id"]["label"] for r in json.loads(body) if r["speaker_id"]}
            _, body = get(base + "/newsroom/who_said_this.json?_shape=array&phrase=ferries")
            assert [r["speaker"] for r in json.loads(body)] == ["Tomas Lind"]
            _, body = get(base + "/newsroom/quote/1")
            assert 'class="hl hl-quote"' in body
    finally:
        stop_server(quotes_serve)
        stop_server(datasette)
