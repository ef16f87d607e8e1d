"""The demo organisation's plain data is consistent."""

from __future__ import annotations

from ekkyo.demo import org


def test_it_names_each_team_and_member_once() -> None:
    slugs = [t.slug for t in org.TEAMS]
    usernames = [m.username for m in org.MEMBERS]
    assert len(slugs) == len(set(slugs))
    assert len(usernames) == len(set(usernames))


def test_it_uses_team_topologies_types_and_sre_engagements_the_teams_app_knows() -> None:
    # The values of ekkyo.teams.models.TopologyType and SreEngagement.
    assert {t.topology for t in org.TEAMS} <= {
        "stream-aligned",
        "platform",
        "enabling",
        "complicated-subsystem",
    }
    assert {t.sre_engagement for t in org.TEAMS} <= {"embedded", "enabling", "self-service"}


def test_it_has_stream_aligned_product_teams_a_platform_and_an_enabling_sre_team() -> None:
    by_type = {t.slug: t.topology for t in org.TEAMS}
    assert by_type["platform"] == "platform"
    assert by_type["sre"] == "enabling"
    assert sum(1 for v in by_type.values() if v == "stream-aligned") == 4


def test_it_lists_only_known_members_in_teams() -> None:
    known = {m.username for m in org.MEMBERS}
    for team in org.TEAMS:
        assert set(team.members) <= known, team.slug


def test_it_puts_each_embedded_sre_in_the_sre_team_and_the_product_team() -> None:
    sre = set(org.team("sre").members)
    for team in org.TEAMS:
        if team.sre_engagement == "embedded":
            assert sre & set(team.members), team.slug


def test_it_offers_one_demo_sign_in_per_role_for_known_people_and_teams() -> None:
    assert sorted(s.role for s in org.SIGN_INS) == ["admin", "member", "viewer"]
    slugs = {t.slug for t in org.TEAMS}
    for sign_in in org.SIGN_INS:
        assert org.member(sign_in.username).username == sign_in.username
        assert set(sign_in.teams) <= slugs
        assert len(sign_in.password) >= 8


def test_it_finds_teams_and_members_by_name() -> None:
    assert org.team("payments").name_ja == "決済"
    assert org.member("suzuki").name == "Suzuki Kenta"
