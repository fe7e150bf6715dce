"""Writing the report: HTML from the model, assets, exports, and the Content-Security-Policy.

Safety of the page rests on four things, each tested with hostile data in a real browser:

1. **Escaping.** The template is rendered by Jinja2 with autoescape; data never reaches the page
   unescaped. Data for the scripts is one JSON document in ``<script type="application/json">``
   with ``<``, ``>``, ``&``, U+2028 and U+2029 written as ``\\uXXXX`` (:func:`script_json`), so
   no string can close the element; ``report.js`` reads it with ``textContent`` + ``JSON.parse``
   and renders only through DOM text APIs.
2. **A strict CSP** (``<meta http-equiv="Content-Security-Policy">``): ``default-src 'none'``;
   scripts and styles only from the report's own ``assets/`` (folder report) or, in the
   single-file report, only the inlined scripts and stylesheet whose SHA-256 hashes are listed;
   no ``'unsafe-inline'``, no ``'unsafe-eval'`` (Vega runs with its AST interpreter), no
   connections, frames, forms, fonts or remote images. An injected ``<script>`` or event handler
   would not run even if escaping failed.
3. **No data URLs are clickable.** Links are made only to ``#anchors`` and export files, both
   built from our own identifiers.
4. **Exports** are written with :mod:`swarmscope.exports` (formula-safe CSV, XML by a library),
   under file names made of ``[A-Za-z0-9._-]`` only.

The folder report is written to a temporary folder beside ``out`` and swapped in at the end, so
an interrupted run leaves the previous report as it was; a folder that is not a swarmscope
report is never overwritten.
"""

from __future__ import annotations

import base64
import dataclasses
import decimal
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import orjson

from ..case import Case
from ..errors import UsageError
from .model import Limits, Model, build_model, safe_filename

MARKER = ".swarmscope-report"
LIBRARIES = ("vega.min.js", "vega-lite.min.js", "vega-embed.min.js", "cytoscape.min.js")
APP = "report.js"
CSS = "report.css"
LICENCE_FILES = ("LICENSES.md", "LICENSE-vega.txt", "LICENSE-vega-lite.txt",
                 "LICENSE-vega-embed.txt", "LICENSE-cytoscape.txt")

_JSON_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                 ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


@dataclass
class ReportResult:
    """Where the report went and how long it took."""

    path: Path                 # index.html, or the single file
    folder: Path               # the report folder (single file: the folder holding it)
    exports: Path | None       # the exports folder, if written
    seconds: float
    model: Model


def script_json(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``<``, ``>``, ``&`` or line
    separators appear literally (JSON strings carry them as ``\\uXXXX``)."""
    text = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS, default=_json_default).decode()
    for raw, escaped in _JSON_ESCAPES:  # str.replace: C speed on a multi-megabyte document
        text = text.replace(raw, escaped)
    return text


def _json_default(v: Any) -> Any:
    if isinstance(v, decimal.Decimal):
        return float(v)
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        return dataclasses.asdict(v)
    if isinstance(v, set | frozenset):
        return sorted(v)
    return str(v)


def csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def content_security_policy(script_src: list[str], style_src: list[str]) -> str:
    return "; ".join([
        "default-src 'none'",
        "script-src " + " ".join(script_src),
        "style-src " + " ".join(style_src),
        "img-src 'none'",
        "font-src 'none'",
        "connect-src 'none'",
        "media-src 'none'",
        "object-src 'none'",
        "frame-src 'none'",
        "worker-src 'none'",
        "manifest-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ])


def asset_text(name: str) -> str:
    return resources.files("swarmscope.report").joinpath("assets", name).read_text("utf-8")


def _check_inline(name: str, text: str, closing: str) -> None:
    # An inlined library containing its own closing tag would end the element early, and
    # "<!--" would switch the HTML parser into the script's escaped states.
    low = text.lower()
    for bad in (closing, "<!--"):
        if bad in low:
            raise UsageError(f"cannot inline {name}: it contains {bad!r}")


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("swarmscope.report", "templates"),
        autoescape=True,  # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )


def render_html(model: Model, *, inline: bool, exports_prefix: str | None) -> str:
    """The report page for ``model``."""
    payload = {
        "meta": {**model.meta, "exports": exports_prefix},
        "tables": model.tables,
        "charts": model.charts,
        "network": model.network,
    }
    data_json = script_json(payload)
    scripts = [{"name": n, "text": asset_text(n) if inline else ""} for n in (*LIBRARIES, APP)]
    css = asset_text(CSS) if inline else ""
    if inline:
        for s in scripts:
            _check_inline(s["name"], s["text"], "</script")
        _check_inline(CSS, css, "</style")
        csp = content_security_policy([csp_hash(s["text"]) for s in scripts], [csp_hash(css)])
    else:
        csp = content_security_policy(["'self'"], ["'self'"])
    export_files = [(name, label) for name, label, _ in model.exports]
    return _environment().get_template("report.html.j2").render(
        m=model, csp=csp, inline=inline, css=css, scripts=scripts, data_json=data_json,
        exports=exports_prefix, export_files=export_files)


def _write_exports(model: Model, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, _label, job in model.exports:
        if safe_filename(name) != name:
            raise AssertionError(f"export name {name!r} is not a safe file name")
        job(folder / name)


def _prepare_target(out: Path, is_file: bool) -> None:
    """Refuse to overwrite anything that is not an earlier swarmscope report."""
    if is_file:
        if out.exists() and (out.is_dir() or not _looks_like_report(out)):
            raise UsageError(f"{out} exists and is not a swarmscope report; choose another name")
        return
    if out.exists():
        if not out.is_dir():
            raise UsageError(f"{out} exists and is not a folder")
        if any(out.iterdir()) and not (out / MARKER).exists():
            raise UsageError(f"{out} exists and is not a swarmscope report folder; choose "
                             "another folder")


def _looks_like_report(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return b'name="generator" content="swarmscope' in head


def write_report(case: Case | str | Path, out: str | Path | None = None, *,
                 single_file: bool = False, exports: bool = True, limits: Limits | None = None,
                 progress: Callable[[str], None] | None = None) -> ReportResult:
    """Render the report of ``case``.

    Folder report (default): ``out/index.html``, ``out/assets/`` (scripts, stylesheet, licences)
    and ``out/exports/``. Single file (``single_file=True``): ``out`` is one HTML file with every
    script inlined, and the exports go to ``<out stem>-exports/`` beside it. ``out`` defaults to
    ``CASE/report`` (or ``CASE/report.html``).
    """
    t0 = time.perf_counter()
    if not isinstance(case, Case):
        case = Case.open(case)
    say = progress or (lambda _m: None)
    if out is None:
        out = case.path / ("report.html" if single_file else "report")
    out = Path(out)
    _prepare_target(out, single_file)
    if single_file and exports:
        _prepare_target(out.parent / (safe_filename(out.stem or "report") + "-exports"), False)
    model = build_model(case, limits, say)
    say("writing the report")
    if single_file:
        folder = out.parent
        folder.mkdir(parents=True, exist_ok=True)
        stem = safe_filename(out.stem or "report") + "-exports"
        exports_dir = folder / stem if exports else None
        html = render_html(model, inline=True, exports_prefix=f"{stem}/" if exports else None)
        if exports_dir is not None:
            tmp_exports = Path(tempfile.mkdtemp(prefix=f".{stem}.", dir=folder))
            try:
                _write_exports(model, tmp_exports)
                (tmp_exports / MARKER).write_text("written by swarmscope report\n")
                _swap(tmp_exports, exports_dir)
            finally:
                shutil.rmtree(tmp_exports, ignore_errors=True)
        tmp = out.with_name(f".{out.name}.tmp")
        tmp.write_text(html, encoding="utf-8")
        os.replace(tmp, out)
        return ReportResult(out, folder, exports_dir, time.perf_counter() - t0, model)

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_dir = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        assets = tmp_dir / "assets"
        assets.mkdir()
        for name in (*LIBRARIES, APP, CSS, *LICENCE_FILES):
            (assets / name).write_text(asset_text(name), encoding="utf-8")
        if exports:
            _write_exports(model, tmp_dir / "exports")
        html = render_html(model, inline=False, exports_prefix="exports/" if exports else None)
        (tmp_dir / "index.html").write_text(html, encoding="utf-8")
        (tmp_dir / MARKER).write_text("written by swarmscope report; safe to delete\n")
        _swap(tmp_dir, out)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)
    return ReportResult(out / "index.html", out, out / "exports" if exports else None,
                        time.perf_counter() - t0, model)


def _swap(new: Path, dest: Path) -> None:
    """Put folder ``new`` at ``dest``, replacing an earlier report folder there."""
    if dest.exists():
        if any(dest.iterdir()) and not (dest / MARKER).exists():
            raise UsageError(f"{dest} exists and is not a swarmscope report folder")
        old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
        os.replace(dest, old)
        os.replace(new, dest)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, dest)
