"""Attachments: real documents that open, the broken variants, HEAD and Range."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile

import openpyxl
import pytest
from guideaudit.fixtures.portal.attachments import docx_bytes, pdf_bytes, xlsx_bytes

from .conftest import fetch  # noqa: TID252


def test_built_documents_are_real_files():
    docx = zipfile.ZipFile(io.BytesIO(docx_bytes("申请表（空表）", ["申请人："])))
    assert "word/document.xml" in docx.namelist() and "申请表（空表）" in docx.read("word/document.xml").decode()
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes("登记表", [["项目", "内容"]])))
    assert book.active["A1"].value == "登记表" and book.active["B2"].value == "内容"
    pdf = pdf_bytes("许可证（样本）", "sample")
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    # Every xref offset points at its object.
    xref_at = int(re.search(rb"startxref\n(\d+)", pdf).group(1))
    offsets = re.findall(rb"(\d{10}) 00000 n", pdf[xref_at:])
    for number, off in enumerate(offsets, start=1):
        assert pdf[int(off) :].startswith(f"{number} 0 obj".encode())


def _truth_by_kind(portal):
    truth = portal.attachment_truth()
    out: dict[str, list[str]] = {}
    for url, t in truth.items():
        key = "flaky" if t["flaky"] else (t["kind"] if t["broken"] else "ok")
        if t["status"] == 404:
            key = "missing"
        out.setdefault(key, []).append(url)
    return truth, out


def test_served_attachments_match_their_truth(portal):
    portal.reset_counters()
    truth, groups = _truth_by_kind(portal)
    assert {"ok", "missing", "html", "empty", "flaky"} <= set(groups)
    for url, t in truth.items():
        first = fetch(url)
        if t["flaky"]:
            assert first.status == 503
            first = fetch(url)
        assert first.status == t["status"], url
        if t["status"] == 200:
            assert len(first.body) == t["bytes"]
            assert hashlib.sha256(first.body).hexdigest() == t["sha256"]
        kind = t["kind"]
        if kind == "docx":
            assert "word/document.xml" in zipfile.ZipFile(io.BytesIO(first.body)).namelist()
        elif kind == "xlsx":
            openpyxl.load_workbook(io.BytesIO(first.body))
        elif kind == "pdf":
            assert first.body.startswith(b"%PDF")
        elif kind == "html":
            assert first.body.lstrip().lower().startswith(b"<!doctype html")
        elif kind == "empty":
            assert first.body == b"" and first.headers["Content-Length"] == "0"


def test_html_error_page_is_served_as_200_with_a_doc_name_and_lying_header(portal):
    _, groups = _truth_by_kind(portal)
    url = groups["html"][0]
    got = fetch(url)
    assert url.endswith(".doc")
    assert got.status == 200 and got.headers["Content-Type"] == "application/msword"
    assert b"<html" in got.body


def test_same_file_offered_as_blank_and_sample(portal):
    same_url = other_url = 0
    for rec in portal.ground_truth():
        seeded = "sample-form.same-as-blank" in portal.site.by_id[rec.id].defects
        identical = 0
        for m in rec.materials:
            if m.blank_form and m.sample_form:
                a, b = fetch(m.blank_form.url), fetch(m.sample_form.url)
                if a.status == 503:  # a flaky file answers 503 once
                    a = fetch(m.blank_form.url)
                if b.status == 503:
                    b = fetch(m.sample_form.url)
                if a.status == 200 and a.body and a.body == b.body:
                    identical += 1
                    same_url += m.blank_form.url == m.sample_form.url
                    other_url += m.blank_form.url != m.sample_form.url
        assert bool(identical) == seeded, rec.id
    assert same_url >= 1 and other_url >= 1


def test_head_and_range_requests(portal):
    truth, groups = _truth_by_kind(portal)
    url = next(u for u in groups["ok"] if truth[u]["bytes"] > 100)
    size = truth[url]["bytes"]
    head = fetch(url, method="HEAD")
    assert head.status == 200 and head.body == b"" and int(head.headers["Content-Length"]) == size
    assert head.headers["Accept-Ranges"] == "bytes"
    full = fetch(url).body
    part = fetch(url, headers={"Range": "bytes=0-7"})
    assert part.status == 206 and part.body == full[:8]
    assert part.headers["Content-Range"] == f"bytes 0-7/{size}"
    tail = fetch(url, headers={"Range": "bytes=-4"})
    assert tail.status == 206 and tail.body == full[-4:]
    beyond = fetch(url, headers={"Range": f"bytes={size + 10}-"})
    assert beyond.status == 416
    missing = fetch(groups["missing"][0], method="HEAD")
    assert missing.status == 404


@pytest.mark.parametrize("slot", ["blank_form", "sample_form"])
def test_broken_links_belong_to_guides_seeded_with_broken_defects(portal, slot):
    truth = portal.attachment_truth()
    rule = "blank-form.broken" if slot == "blank_form" else "sample-form.broken"
    for rec in portal.ground_truth():
        broken = any(
            getattr(m, slot) and truth[getattr(m, slot).url]["broken"] for m in rec.materials or []
        )
        assert broken == (rule in portal.site.by_id[rec.id].defects), rec.id
