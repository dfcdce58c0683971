#!/usr/bin/env python3
"""List the parameter and response-field names each vendor fixture page documents, read by
tools other than specgate's own readers (docutils for RST, PyYAML for os-api-ref parameter
files, html.parser for HTML), so that tests/derive_vendors.rs measures derive against an
independent count. Writes tests/fixtures/vendors/documented-names.tsv (page, name).

    python3 scripts/vendor-names.py
"""
import html.parser
import os
import re
import sys

import docutils.core
import docutils.nodes
import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "vendors")
NAME_HEADINGS = {"parameter", "parameters", "name", "参数", "名称"}
STATUS_HEADINGS = {"returned value", "returned values", "response code", "status code"}


def leaf(name):
    """`images.\\ **id**` is `id`; `**images**\\.[]` is `images`."""
    name = name.strip().replace("[]", "").rstrip(".")
    return name.rsplit(".", 1)[-1]


def rst_names(path):
    text = open(path, encoding="utf-8").read()
    doc = docutils.core.publish_doctree(
        text, settings_overrides={"report_level": 5, "halt_level": 5, "warning_stream": open(os.devnull, "w")}
    )
    names = []
    for table in doc.findall(docutils.nodes.table):
        rows = list(table.findall(docutils.nodes.row))
        if not rows:
            continue
        head = rows[0].children[0].astext().strip().lower()
        if head not in NAME_HEADINGS:
            continue
        for row in rows[1:]:
            names.append(leaf(row.children[0].astext().replace("\n", "")))
    return names


def os_api_ref_names(path):
    text = open(path, encoding="utf-8").read()
    names = []
    files = {}
    block = None
    for line in text.splitlines():
        m = re.match(r"^\.\. rest_parameters::\s*(\S+)", line)
        if m:
            block = m.group(1)
            if block not in files:
                with open(os.path.join(os.path.dirname(path), block), encoding="utf-8") as f:
                    files[block] = yaml.safe_load(f)
            continue
        if block and line.strip().startswith("- "):
            item = yaml.safe_load(line.strip())[0]
            ((name, key),) = item.items()
            if files[block][key].get("in") != "header":
                names.append(str(name).strip())
        elif block and line.strip() and not line.startswith(" "):
            block = None
    return names


class Tables(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.cell, self.row, self.depth = [], None, None, 0
        self.tables = []

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(" ".join(self.cell.split()))
            self.cell = None
        elif tag == "tr" and self.row is not None and self.tables:
            self.tables[-1].append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def html_names(path):
    p = Tables()
    p.feed(open(path, encoding="utf-8").read())
    names = []
    for rows in p.tables:
        if rows and rows[0] and rows[0][0].strip().lower() in NAME_HEADINGS:
            names.extend(leaf(r[0]) for r in rows[1:] if r)
    return names


def main():
    out = []
    for dirpath, _, files in sorted(os.walk(ROOT)):
        for f in sorted(files):
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, ROOT)
            if f.endswith(".inc"):
                names = os_api_ref_names(path)
            elif f.endswith(".rst"):
                names = rst_names(path)
            elif f.endswith(".html"):
                names = html_names(path)
            else:
                continue
            out.extend(f"{rel}\t{n}" for n in names)
    with open(os.path.join(ROOT, "documented-names.tsv"), "w", encoding="utf-8") as f:
        f.write("# page\tname: what each page documents, listed by scripts/vendor-names.py\n")
        f.write("\n".join(out) + "\n")
    print(f"{len(out)} names", file=sys.stderr)


if __name__ == "__main__":
    main()
