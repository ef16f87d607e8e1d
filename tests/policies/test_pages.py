"""Policy pages per persona, and the sign-off: business and engineering approve it."""

from __future__ import annotations

import datetime as dt

import pytest

from ekkyo.catalog.models import AuditEvent
from ekkyo.policies import services
from ekkyo.policies.models import Policy, PolicyException, PolicyRule, PolicySignOff, Signer
from tests.policies.conftest import AT, add_slo, approved_policy, sign_in


def draft(org, **fields):
    slo = add_slo("pay", org["checkout"])
    policy = services.create_policy(
        service=slo.service, team=None, title="Shop policy", language="en", actor=None, now=AT
    )
    for key, value in fields.items():
        setattr(policy, key, value)
    policy.save()
    return policy


def signers(policy):
    return (
        Signer.objects.create(policy=policy, name="Hanako Sato", side="business"),
        Signer.objects.create(policy=policy, name="Taro Dev", side="development"),
    )


def test_it_starts_a_draft_with_the_four_usual_rules(client, org):
    add_slo("pay", org["checkout"])
    sign_in(client, org["member"])
    page = client.get("/policies/new?product=shop")
    assert page.status_code == 200 and page.context["form"].initial["title"]
    from ekkyo.catalog.models import Service

    response = client.post(
        "/policies/new", {"service": Service.objects.get().pk, "title": "Shop", "language": "ja"}
    )
    assert response.status_code == 302
    policy = Policy.objects.get()
    rules = list(policy.rules.values_list("kind", "threshold", "level"))
    assert rules == [
        ("remaining", 0.5, 1),
        ("remaining", 0.25, 2),
        ("remaining", 0.0, 3),
        ("incident", 0.2, 4),
    ]
    # Written in the policy's language, whatever the author's.
    assert policy.rules.first().action.startswith("次の眺める会")
    assert policy.status == "draft"


def test_it_offers_a_member_only_the_products_of_their_teams(client, org):
    add_slo("pay", org["checkout"])
    add_slo("find", org["search"], "search-ui")
    sign_in(client, org["member"])
    form = client.get("/policies/new").context["form"]
    assert [s.name for s in form.fields["service"].queryset] == ["shop"]
    from ekkyo.catalog.models import Service

    other = Service.objects.get(name="search-ui")
    response = client.post("/policies/new", {"service": other.pk, "title": "x", "language": "en"})
    assert response.status_code == 400 and not Policy.objects.exists()


def test_it_refuses_a_new_policy_to_a_viewer(client, org):
    sign_in(client, org["viewer"])
    assert client.get("/policies/new").status_code == 403


def test_it_approves_once_business_and_engineering_have_signed(client, org):
    policy = draft(org, revisit_on=dt.date(2026, 9, 1))
    business, engineer = signers(policy)
    sign_in(client, org["member"])
    client.post(f"/policies/{policy.pk}/sign", {"signer": business.pk, "comment": "OK"})
    policy.refresh_from_db()
    assert policy.status == "draft" and policy.approved_at is None
    client.post(f"/policies/{policy.pk}/sign", {"signer": engineer.pk})
    policy.refresh_from_db()
    assert policy.status == "approved" and policy.approved_at is not None
    signoff = PolicySignOff.objects.get(signer=business)
    assert signoff.recorded_by == org["member"] and signoff.comment == "OK"
    assert AuditEvent.objects.filter(action="policy.approved").count() == 1


def test_it_does_not_approve_with_two_engineers(client, org):
    policy = draft(org, revisit_on=dt.date(2026, 9, 1))
    a = Signer.objects.create(policy=policy, name="Dev", side="development")
    b = Signer.objects.create(policy=policy, name="SRE", side="sre")
    sign_in(client, org["member"])
    for s in (a, b):
        client.post(f"/policies/{policy.pk}/sign", {"signer": s.pk})
    policy.refresh_from_db()
    assert policy.status == "draft"


def test_it_refuses_to_sign_without_a_revisit_date(client, org):
    policy = draft(org)
    business, _ = signers(policy)
    sign_in(client, org["member"])
    response = client.post(f"/policies/{policy.pk}/sign", {"signer": business.pk})
    assert response.status_code == 409 and not PolicySignOff.objects.exists()


def test_it_refuses_a_signer_of_another_policy(org):
    policy = draft(org, revisit_on=dt.date(2026, 9, 1))
    other = approved_policy(add_slo("x", org["checkout"], "cart"))
    stranger = Signer.objects.create(policy=other, name="S", side="business")
    with pytest.raises(services.SignOffError):
        services.sign(policy, stranger, comment="", actor=None, now=AT)


def test_it_withdraws_signatures_when_the_approved_policy_changes(client, org):
    policy = draft(org, revisit_on=dt.date(2026, 9, 1))
    for s in signers(policy):
        services.sign(policy, s, comment="", actor=None, now=AT)
    policy.refresh_from_db()
    assert policy.status == "approved"
    sign_in(client, org["member"])
    form = client.get(f"/policies/{policy.pk}/edit").context["formset"]
    data = {
        "title": "Shop policy",
        "language": "en",
        "revisit_on": "2026-10-01",
        "purpose": "",
        "exclusions": "",
        "escalation": "",
        "authors": "",
        "rules-TOTAL_FORMS": "5",
        "rules-INITIAL_FORMS": "4",
        "rules-MIN_NUM_FORMS": "1",
        "rules-MAX_NUM_FORMS": "1000",
    }
    for i, f in enumerate(form.forms[:4]):
        rule = f.instance
        data.update(
            {
                f"rules-{i}-id": rule.pk,
                f"rules-{i}-kind": rule.kind,
                f"rules-{i}-threshold": rule.threshold,
                f"rules-{i}-burn_window": "1d",
                f"rules-{i}-level": rule.level,
                f"rules-{i}-action": rule.action,
                f"rules-{i}-who": rule.who,
            }
        )
    # The empty extra form as a browser sends it: its select keeps its initial value.
    data["rules-4-burn_window"] = "1d"
    response = client.post(f"/policies/{policy.pk}/edit", data)
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.status == "draft" and not policy.signoffs.exists()
    assert policy.revisit_on == dt.date(2026, 10, 1)


def test_it_refuses_a_budget_share_above_one(client, org):
    policy = draft(org)
    sign_in(client, org["member"])
    rule = policy.rules.first()
    data = {
        "title": "t",
        "language": "en",
        "rules-TOTAL_FORMS": "1",
        "rules-INITIAL_FORMS": "1",
        "rules-MIN_NUM_FORMS": "1",
        "rules-MAX_NUM_FORMS": "1000",
        "rules-0-id": rule.pk,
        "rules-0-kind": "remaining",
        "rules-0-threshold": "25",
        "rules-0-burn_window": "1d",
        "rules-0-level": "2",
        "rules-0-action": "a",
        "rules-0-who": "w",
    }
    assert client.post(f"/policies/{policy.pk}/edit", data).status_code == 400
    assert PolicyRule.objects.get(pk=rule.pk).threshold == 0.5


@pytest.mark.parametrize("persona", ["viewer", "outsider"])
@pytest.mark.parametrize("action", ["edit", "signers", "sign", "exceptions", "retire"])
def test_it_refuses_every_write_to_others(client, org, persona, action):
    policy = approved_policy(add_slo("pay", org["checkout"]))
    sign_in(client, org[persona])
    response = client.post(
        f"/policies/{policy.pk}/{action}", {"reason": "x", "name": "n", "side": "business"}
    )
    assert response.status_code == 403
    policy.refresh_from_db()
    assert policy.status == "approved" and not policy.signers.exists()


def test_it_shows_a_viewer_the_policy_without_forms(client, org):
    policy = approved_policy(add_slo("pay", org["checkout"]))
    sign_in(client, org["viewer"])
    html = client.get(f"/policies/{policy.pk}/").content.decode()
    assert "Change freeze except fixes" in html
    assert 'data-testid="exception-form"' not in html and 'data-testid="sign-form"' not in html
    data = client.get(f"/policies/{policy.pk}.json").json()
    assert data["status"] == "approved" and len(data["rules"]) == 4


def test_it_records_an_exception_with_who_and_why(client, org):
    slo = add_slo("pay", org["checkout"])
    policy = approved_policy(slo)
    sign_in(client, org["member"])
    response = client.post(
        f"/policies/{policy.pk}/exceptions",
        {
            "slo": slo.pk,
            "starts_at": "2026-03-01T10:00",
            "ends_at": "2026-03-01T11:00",
            "caused_by": "Network team",
            "reason": "Core switch failure",
        },
    )
    assert response.status_code == 302
    e = PolicyException.objects.get()
    assert (e.recorded_by, e.reason, e.caused_by) == (
        org["member"],
        "Core switch failure",
        "Network team",
    )
    assert AuditEvent.objects.filter(action="policy.exception").exists()
    data = client.get(f"/policies/{policy.pk}.json").json()
    assert data["exceptions"][0]["recorded_by"] == "dev"


def test_it_refuses_an_exception_that_ends_before_it_starts(client, org):
    policy = approved_policy(add_slo("pay", org["checkout"]))
    sign_in(client, org["member"])
    response = client.post(
        f"/policies/{policy.pk}/exceptions",
        {"starts_at": "2026-03-01T10:00", "ends_at": "2026-03-01T09:00", "reason": "x"},
    )
    assert response.status_code == 400 and not PolicyException.objects.exists()


def test_it_lists_products_without_an_approved_policy(client, org):
    add_slo("pay", org["checkout"])
    approved_policy(add_slo("find", org["search"], "search-ui"))
    sign_in(client, org["viewer"])
    html = client.get("/policies/").content.decode()
    uncovered = html.split("Products without an approved policy")[1]
    assert "shop" in uncovered and "search-ui" not in uncovered
    rows = client.get("/policies/index.json?team=search").json()["policies"]
    assert [r["product"] for r in rows] == ["search-ui"]


def test_it_marks_an_overdue_revisit(client, org):
    approved_policy(add_slo("pay", org["checkout"]), revisit_on=dt.date(2020, 1, 1))
    sign_in(client, org["viewer"])
    assert client.get("/policies/index.json").json()["policies"][0]["revisit_overdue"] is True
