"""Markdown and PDF exports of a workshop's record, in the workshop's language."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import numpy as np
import pytest

from ekkyo.workshops import export, services
from ekkyo.workshops.models import Feedback, ParkingItem
from tests.conftest import require_binary
from tests.workshops.conftest import make_workshop, ready_workshop, sign_in

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def _signed(org, **fields):
    workshop, sli, people = ready_workshop(org["checkout"])
    for key, value in fields.items():
        setattr(workshop, key, value)
    workshop.users = "Shoppers at lunch time"
    workshop.save()
    sli.journey.steps = "open the basket\npay"
    sli.journey.words = "「昼休みに買えないと困る」"
    sli.journey.save()
    ParkingItem.objects.create(workshop=workshop, question="Who owns the CDN?", owner="Sae")
    Feedback.objects.create(workshop=workshop, rating=4, text="Clear numbers")
    today = dt.date(2026, 3, 2)
    services.sign(workshop, people["business"], comment="Good", actor=org["member"], today=today)
    services.sign(workshop, people["sre"], comment="", actor=org["member"], today=today)
    return workshop


def test_it_writes_every_section_of_the_record_in_markdown(org):
    text = export.markdown(_signed(org))
    assert text.startswith("# Checkout SLOs\n")
    for heading in [
        "## Participants",
        "## Business context",
        "## Critical user journeys",
        "### Pay for the basket",
        "## Agreement",
        "### Sign-off",
        "## Parking lot",
        "## Feedback",
    ]:
        assert f"\n{heading}\n" in text, heading
    assert "| Hanako Sato | Business | Participant |" in text
    assert "1. open the basket\n2. pay" in text
    assert "> 「昼休みに買えないと困る」" in text
    assert "| shop\\-pay\\-availability | 99.9% | 28 days |" not in text  # names stay readable
    assert "| shop-pay-availability | 99.9% | 28 days |" in text
    assert "Trial until 2026-03-30" in text
    assert "- Hanako Sato (Business), " in text and ": Good" in text
    assert "- [ ] Who owns the CDN? (Sae)" in text
    assert "★★★★☆ Clear numbers" in text


def test_it_writes_the_markdown_in_the_workshops_language(org):
    text = export.markdown(_signed(org, language="ja"))
    assert "## 参加者" in text and "## 合意" in text and "仮運用" in text


def test_it_escapes_html_and_markdown_that_people_typed(org):
    workshop = make_workshop(
        org["checkout"],
        title="<script>x</script> *bold*",
        users="# not a heading\n[link](http://evil)",
    )
    text = export.markdown(workshop)
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "\\*bold\\*" in text
    assert "\n\\# not a heading" in text and "\\[link\\](http://evil)" in text


def test_it_fences_queries_longer_than_any_backticks_in_them():
    assert export.md_code("a ``` b") == "````\na ``` b\n````"
    assert export.md_code("up") == "```\nup\n```"


def test_it_downloads_the_markdown_for_any_reader(client, org):
    workshop = _signed(org)
    sign_in(client, org["viewer"])
    response = client.get(f"/workshops/{workshop.pk}/export.md")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/markdown")
    assert f'filename="workshop-{workshop.pk}.md"' in response["Content-Disposition"]
    assert "## Agreement" in response.content.decode()


@pytest.mark.real
@pytest.mark.slow
@pytest.mark.parametrize("language", ["ja", "en"])
def test_it_renders_a_pdf_whose_first_page_is_not_blank(client, org, tmp_path, language):
    pdftoppm = require_binary("pdftoppm", "apt-get install poppler-utils")
    workshop = _signed(org, language=language, title="決済のSLO / Payment SLOs")
    sign_in(client, org["viewer"])
    response = client.get(f"/workshops/{workshop.pk}/export.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    pdf = tmp_path / "record.pdf"
    pdf.write_bytes(response.content)
    subprocess.run(
        [
            pdftoppm,
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(tmp_path / "page"),
        ],
        check=True,
        timeout=60,
    )
    from PIL import Image

    image = np.asarray(Image.open(tmp_path / "page.png").convert("L"))
    ink = (image < 128).mean()
    assert 0.005 < ink < 0.5, f"page 1 is {ink:.2%} dark"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"workshop-pdf-{language}.png").write_bytes((tmp_path / "page.png").read_bytes())
