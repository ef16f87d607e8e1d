"""The demo organisation, Sakura Retail (さくらリテール), as plain data.

A Japanese retail group with an online shop, an app and 180 stores.  Four stream-aligned
product teams own the products; a platform team runs the internal platform they build on;
an enabling SRE team coaches every team and embeds an SRE in two of them.  The values of
``topology`` and ``sre_engagement`` are those of ``ekkyo.teams.models`` (``TopologyType``,
``SreEngagement``); roles are those of ``ekkyo.accounts.models.Role``.

The sign-ins exist only for the local demo (``ekkyo demo``); their passwords are public.
"""

from __future__ import annotations

from dataclasses import dataclass

COMPANY = "Sakura Retail"
COMPANY_JA = "さくらリテール"


@dataclass(frozen=True)
class Member:
    username: str
    name: str  # as colleagues write it
    name_ja: str
    email: str
    title: str


@dataclass(frozen=True)
class Team:
    slug: str
    name: str
    name_ja: str
    topology: str  # stream-aligned | platform | enabling | complicated-subsystem
    sre_engagement: str  # embedded | enabling | self-service
    description: str
    members: tuple[str, ...]  # usernames
    services: tuple[str, ...]  # OpenSLO Service names the team owns


@dataclass(frozen=True)
class SignIn:
    """A demo account: ``role`` is viewer, member or admin (SRE admin)."""

    username: str
    password: str
    role: str
    teams: tuple[str, ...]
    purpose: str


def _member(username: str, name: str, name_ja: str, title: str) -> Member:
    return Member(username, name, name_ja, f"{username}@sakura-retail.example", title)


MEMBERS: tuple[Member, ...] = (
    _member("tanaka", "Tanaka Haruka", "田中 遥", "Storefront tech lead"),
    _member("sato", "Sato Ren", "佐藤 蓮", "Storefront engineer"),
    _member("watanabe", "Watanabe Yui", "渡辺 結衣", "Mobile app lead"),
    _member("yamamoto", "Yamamoto Sota", "山本 蒼太", "Android engineer"),
    _member("nakamura", "Nakamura Aoi", "中村 葵", "Payments tech lead"),
    _member("kobayashi", "Kobayashi Daiki", "小林 大輝", "Payments engineer"),
    _member("yamada", "Yamada Mei", "山田 芽衣", "Store systems lead"),
    _member("sasaki", "Sasaki Kaito", "佐々木 海斗", "Logistics engineer"),
    _member("yamaguchi", "Yamaguchi Riku", "山口 陸", "Platform lead"),
    _member("matsumoto", "Matsumoto Hina", "松本 陽菜", "Platform engineer"),
    _member("suzuki", "Suzuki Kenta", "鈴木 健太", "Head of SRE"),
    _member("ito", "Ito Sakura", "伊藤 さくら", "SRE, embedded in storefront"),
    _member("yoshida", "Yoshida Takumi", "吉田 拓海", "SRE, embedded in payments"),
    _member("kimura", "Kimura Nanami", "木村 七海", "EC business planning manager"),
)

TEAMS: tuple[Team, ...] = (
    Team(
        slug="storefront",
        name="EC storefront",
        name_ja="ECストアフロント",
        topology="stream-aligned",
        sre_engagement="embedded",
        description="The online shop: browsing, search and the basket.",
        members=("tanaka", "sato", "ito"),
        services=("ec-storefront",),
    ),
    Team(
        slug="mobile-app",
        name="Mobile app",
        name_ja="モバイルアプリ",
        topology="stream-aligned",
        sre_engagement="enabling",
        description="The Sakura app for iOS and Android, with the membership card and coupons.",
        members=("watanabe", "yamamoto"),
        services=("mobile-app",),
    ),
    Team(
        slug="payments",
        name="Payments",
        name_ja="決済",
        topology="stream-aligned",
        sre_engagement="embedded",
        description="Checkout, card and QR payments, points and refunds.",
        members=("nakamura", "kobayashi", "yoshida"),
        services=("payments",),
    ),
    Team(
        slug="store-ops",
        name="Store inventory and logistics",
        name_ja="店舗在庫・物流",
        topology="stream-aligned",
        sre_engagement="self-service",
        description="Registers and stock in 180 stores, home delivery and two warehouses.",
        members=("yamada", "sasaki"),
        services=("store-inventory", "logistics"),
    ),
    Team(
        slug="platform",
        name="Platform",
        name_ja="プラットフォーム",
        topology="platform",
        sre_engagement="self-service",
        description="Self-service Kubernetes, CI/CD, container registry and logging.",
        members=("yamaguchi", "matsumoto"),
        services=("platform",),
    ),
    Team(
        slug="sre",
        name="SRE",
        name_ja="SRE推進",
        topology="enabling",
        sre_engagement="enabling",
        description=(
            "Runs the SLI/SLO workshops and dashboard viewing sessions, embeds SREs in "
            "storefront and payments, and coaches every team to practise SRE on its own."
        ),
        members=("suzuki", "ito", "yoshida"),
        services=(),
    ),
)

SIGN_INS: tuple[SignIn, ...] = (
    SignIn(
        username="kimura",
        password="sakura-viewer",
        role="viewer",
        teams=(),
        purpose="A business person: reads the portfolio, SLO pages and monthly reports.",
    ),
    SignIn(
        username="sato",
        password="sakura-member",
        role="member",
        teams=("storefront",),
        purpose="A product engineer: edits the storefront team's SLOs and review notes.",
    ),
    SignIn(
        username="suzuki",
        password="sakura-admin",
        role="admin",
        teams=("sre",),
        purpose="The head of SRE: administers every team, SLO and policy.",
    ),
)


def team(slug: str) -> Team:
    """The team with ``slug`` (KeyError when there is none)."""
    for t in TEAMS:
        if t.slug == slug:
            return t
    raise KeyError(slug)


def member(username: str) -> Member:
    """The member with ``username`` (KeyError when there is none)."""
    for m in MEMBERS:
        if m.username == username:
            return m
    raise KeyError(username)
