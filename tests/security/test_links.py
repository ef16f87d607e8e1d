"""Links people type are only rendered as <a>: they must be http or https, never script."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ekkyo.reviews.forms import parse_links
from ekkyo.reviews.models import web_url

HOSTILE = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_it_refuses_a_link_that_is_not_http_or_https(url):
    with pytest.raises(ValidationError):
        web_url(url)


@pytest.mark.parametrize("url", HOSTILE)
def test_it_refuses_a_dashboard_link_that_is_not_http_or_https(url):
    with pytest.raises(ValidationError):
        parse_links(f"Grafana {url}")


def test_it_takes_an_http_or_https_dashboard_link():
    assert parse_links("Grafana https://grafana.example.com/d/pay") == [
        ("Grafana", "https://grafana.example.com/d/pay")
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("url", HOSTILE[:3])
def test_it_refuses_an_annotation_link_that_is_not_http_or_https(client, url):
    from tests.factories import make_slo, make_team, make_user, token_for

    make_slo("pay", make_team("checkout"))
    member = make_user("dev", "member", ("checkout",))
    response = client.post(
        "/api/v1/annotations",
        {"slo": "pay", "text": "deployed", "link": url},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token_for(member)}"},
    )
    assert response.status_code == 422
