"""A starting maturity scale (CMMI-like levels and SRE practice items); SRE admins edit it
in the admin.  The reverse removes exactly these rows, if no assessment uses them."""

from django.db import migrations

LEVELS = [
    (1, "Initial", "初期", "Done ad hoc, by individuals, when someone remembers."),
    (2, "Managed", "管理された", "Done on purpose for this team, with owners and a routine."),
    (3, "Defined", "定義された", "Done the organisation's way, written down and repeatable."),
    (4, "Quantitatively managed", "定量的に管理された", "Measured, and the numbers steer it."),
    (5, "Optimising", "最適化している", "Improved continuously from what the numbers show."),
]

ITEMS = [
    ("slis", "SLIs measure what users experience", "SLIがユーザー体験を測っている"),
    ("slos", "SLOs agreed with the business", "ビジネスと合意したSLO"),
    ("alerting", "Alerting on SLO burn rates", "SLOのバーンレートに基づくアラート"),
    ("budget-policy", "Error budget policy followed", "エラーバジェットポリシーの運用"),
    ("incidents", "Incident response and postmortems", "インシデント対応とポストモーテム"),
    ("reviews", "Regular dashboard viewing sessions", "定期的なダッシュボードを眺める会"),
    ("toil", "Toil measured and reduced", "トイルの計測と削減"),
    ("capacity", "Capacity planning", "キャパシティプランニング"),
]


def seed(apps, schema_editor):
    Level = apps.get_model("teams", "MaturityLevel")
    Item = apps.get_model("teams", "MaturityItem")
    for number, name, name_ja, description in LEVELS:
        Level.objects.get_or_create(
            number=number,
            defaults={"name": name, "name_ja": name_ja, "description": description},
        )
    for position, (key, title, title_ja) in enumerate(ITEMS):
        Item.objects.get_or_create(
            key=key, defaults={"title": title, "title_ja": title_ja, "position": position}
        )


def unseed(apps, schema_editor):
    Rating = apps.get_model("teams", "MaturityRating")
    Item = apps.get_model("teams", "MaturityItem")
    Level = apps.get_model("teams", "MaturityLevel")
    keys = [key for key, _title, _ja in ITEMS]
    used = set(Rating.objects.filter(item__key__in=keys).values_list("item__key", flat=True))
    Item.objects.filter(key__in=[k for k in keys if k not in used]).delete()
    Level.objects.filter(number__in=[n for n, *_ in LEVELS]).delete()


class Migration(migrations.Migration):
    dependencies = [("teams", "0002_team_api_interactions_scorecards_maturity_notices")]

    operations = [migrations.RunPython(seed, unseed)]
