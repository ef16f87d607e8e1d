from __future__ import annotations

import pytest

from ekkyo.accounts.permissions import role_of
from ekkyo.catalog.models import SLO
from ekkyo.demo import org
from ekkyo.demo.loader import load_demo
from ekkyo.series import store
from ekkyo.teams.models import Team
from tests.factories import user_model

pytestmark = pytest.mark.django_db
NOW = 1_790_000_040  # a minute boundary


def test_it_loads_teams_sign_ins_slos_and_data():
    report = load_demo(NOW, days=1)
    assert report.teams == len(org.TEAMS) and report.slos == 25
    assert Team.objects.get(slug="payments").topology_type == "stream-aligned"
    assert Team.objects.get(slug="sre").topology_type == "enabling"
    for sign_in in org.SIGN_INS:
        user = user_model().objects.get(username=sign_in.username)
        assert role_of(user) == sign_in.role
        assert user.check_password(sign_in.password)
    lifecycles = sorted(SLO.objects.values_list("lifecycle", flat=True))
    assert lifecycles.count("trial") == 1 and lifecycles.count("active") == 24
    slo = SLO.objects.get(name="payment-authorization")
    data = store.read_series(slo.id, "", NOW - 86400, NOW)
    assert len(data) > 0 and data.t.max() == NOW - 60


def test_it_reuses_the_data_and_only_tops_it_up():
    first = load_demo(NOW, days=1)
    again = load_demo(NOW, days=1)
    later = load_demo(NOW + 600, days=1)
    assert first.buckets > 0 and again.buckets == 0
    # Ten new minutes for each SLO that has data now (one demo SLO is silent by design).
    assert 0 < later.buckets <= 10 * 25
    assert SLO.objects.get(name="payment-authorization").version == 1
