"""The Django admin lists workshops; sign-offs and trial reviews are read-only there."""

from __future__ import annotations

from tests.workshops.conftest import make_workshop, ready_workshop, sign_in


def test_it_lists_workshops_in_the_admin(client, org):
    make_workshop(org["checkout"], title="Admin sees me")
    sign_in(client, org["admin"])
    response = client.get("/admin/workshops/workshop/")
    assert response.status_code == 200 and "Admin sees me" in response.content.decode()


def test_it_keeps_sign_offs_read_only_in_the_admin(client, org):
    ready_workshop(org["checkout"])
    sign_in(client, org["admin"])
    assert client.get("/admin/workshops/signoff/add/").status_code == 403
    assert client.get("/admin/workshops/trialreview/add/").status_code == 403
