"""Exports for other tools: CSV safe for spreadsheets, GEXF and GraphML for Gephi.

CSV: cells that a spreadsheet would evaluate as a formula (starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return) are prefixed with a single quote, as OWASP recommends against CSV
injection; numbers are written as numbers, so a negative number is not altered. Data are written by
the people under investigation: an account named ``=HYPERLINK(...)`` must stay text.

GEXF 1.3 and GraphML are written with an XML library (escaping is the library's job, and
characters XML 1.0 cannot carry, such as most control characters, are replaced by U+FFFD).

Example::

    >>> neutralize_cell("=cmd|' /C calc'!A0")
    "'=cmd|' /C calc'!A0"
    >>> neutralize_cell("plain")
    'plain'
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
from lxml import etree

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def neutralize_cell(value: Any) -> Any:
    """Prefix text that a spreadsheet would run as a formula with ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple):
        value = "; ".join("" if v is None else str(v) for v in value)
    elif isinstance(value, dict):
        value = str(value)
    return neutralize_cell(value)


def write_csv(table: pa.Table, path: Path) -> None:
    """Write ``table`` as UTF-8 CSV with formula injection neutralised."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([neutralize_cell(n) for n in table.column_names])
        for batch in table.to_batches(50_000):
            cols = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            for row in zip(*cols, strict=True):
                w.writerow([_cell(v) for v in row])


def xml_text(value: Any) -> str:
    """A string XML 1.0 can carry (invalid characters replaced by U+FFFD)."""
    return _XML_BAD.sub("\ufffd", "" if value is None else str(value))


def write_gexf(nodes: Iterable[dict[str, Any]], edges: Iterable[dict[str, Any]], path: Path,
               node_attrs: list[str], edge_attrs: list[str]) -> None:
    """An undirected weighted GEXF 1.3 graph. Nodes need ``id``; edges ``source, target, weight``."""
    ns = "http://gexf.net/1.3"
    root = etree.Element("gexf", nsmap={None: ns}, version="1.3")
    meta = etree.SubElement(root, "meta")
    etree.SubElement(meta, "creator").text = "swarmscope"
    graph = etree.SubElement(root, "graph", defaultedgetype="undirected", mode="static")
    na = etree.SubElement(graph, "attributes", {"class": "node"})
    for i, name in enumerate(node_attrs):
        etree.SubElement(na, "attribute", id=str(i), title=name, type="string")
    ea = etree.SubElement(graph, "attributes", {"class": "edge"})
    for i, name in enumerate(edge_attrs):
        etree.SubElement(ea, "attribute", id=str(i), title=name, type="string")
    nodes_el = etree.SubElement(graph, "nodes")
    for n in nodes:
        el = etree.SubElement(nodes_el, "node", id=xml_text(n["id"]), label=xml_text(n["id"]))
        vals = etree.SubElement(el, "attvalues")
        for i, name in enumerate(node_attrs):
            etree.SubElement(vals, "attvalue", {"for": str(i), "value": xml_text(n.get(name))})
    edges_el = etree.SubElement(graph, "edges")
    for k, e in enumerate(edges):
        el = etree.SubElement(edges_el, "edge", id=str(k), source=xml_text(e["source"]),
                              target=xml_text(e["target"]), weight=str(float(e["weight"])))
        vals = etree.SubElement(el, "attvalues")
        for i, name in enumerate(edge_attrs):
            etree.SubElement(vals, "attvalue", {"for": str(i), "value": xml_text(e.get(name))})
    etree.ElementTree(root).write(str(path), xml_declaration=True, encoding="UTF-8",
                                  pretty_print=True)


def write_graphml(nodes: Iterable[dict[str, Any]], edges: Iterable[dict[str, Any]], path: Path,
                  node_attrs: list[str], edge_attrs: list[str]) -> None:
    """An undirected GraphML graph with string attributes and a numeric ``weight``."""
    ns = "http://graphml.graphdrawing.org/xmlns"
    root = etree.Element("graphml", nsmap={None: ns})
    for name in node_attrs:
        etree.SubElement(root, "key", id=f"n_{name}", attrib={"for": "node", "attr.name": name,
                                                              "attr.type": "string"})
    etree.SubElement(root, "key", id="e_weight", attrib={"for": "edge", "attr.name": "weight",
                                                         "attr.type": "double"})
    for name in edge_attrs:
        etree.SubElement(root, "key", id=f"e_{name}", attrib={"for": "edge", "attr.name": name,
                                                              "attr.type": "string"})
    graph = etree.SubElement(root, "graph", edgedefault="undirected")
    for n in nodes:
        el = etree.SubElement(graph, "node", id=xml_text(n["id"]))
        for name in node_attrs:
            etree.SubElement(el, "data", key=f"n_{name}").text = xml_text(n.get(name))
    for e in edges:
        el = etree.SubElement(graph, "edge", source=xml_text(e["source"]),
                              target=xml_text(e["target"]))
        etree.SubElement(el, "data", key="e_weight").text = str(float(e["weight"]))
        for name in edge_attrs:
            etree.SubElement(el, "data", key=f"e_{name}").text = xml_text(e.get(name))
    etree.ElementTree(root).write(str(path), xml_declaration=True, encoding="UTF-8",
                                  pretty_print=True)
