"""The demo city's plan: geography and organizations as rows for the bulk services.

Pure and deterministic: no database, no clock, and every random choice comes from a
`random.Random` seeded with the seed and a topic, so the same arguments give the same city
and adding residents does not move a single school.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from learningcity.network.choices import AreaLevel, OrganizationKind, StaffRoleKind
from learningcity.network.data import AreaRow, OrganizationRow, SiteRow
from learningcity.portal import demo_names as names

DISTRICTS_CSV = Path(__file__).resolve().parent / "data" / "shanghai-districts.csv"

# The 2020 (seventh) census, which the district file's populations come from. The seed's own
# older figures (23.02 M residents, 8.98 M non-local, 2.33 M aged 65+) would not add up with
# the districts.
CITY_CODE = "310000"
CITY_POPULATION = 24_870_895
CITY_NON_LOCAL = 10_479_652
CITY_OVER_65 = 4_049_012

# The municipal bodies, created one by one before the plan's rows.
COMMISSION = "SH-EDU"
COMMITTEE = "SH-LLC"
ADVISORY_OFFICE = "SH-LLC-OFFICE"
SERVICE_CENTER = "SH-OU"


@dataclass
class Place:
    """An area of the planned city, before it is written."""

    code: str
    name_zh: str
    name_en: str
    short_zh: str  # without 区/街道/镇/居委会: used in provider names and road names
    short_en: str
    kind: str  # district: central/suburban/pudong; town: subdistrict/town; else neighbourhood
    population: int
    lat: float
    lon: float
    over_65: int = 0
    non_local: int = 0
    children: list[Place] = field(default_factory=list)


def apportion(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Split `total` into whole shares proportional to `weights` (largest remainder), each
    at least `minimum`; the shares add up to `total` whenever the minimums allow it."""
    rest = total - minimum * len(weights)
    if rest <= 0:
        return [minimum] * len(weights)
    weight_sum = float(sum(weights))
    quotas = [rest * w / weight_sum for w in weights]
    shares = [math.floor(q) for q in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: (shares[i] - quotas[i], i))
    for i in by_remainder[: rest - sum(shares)]:
        shares[i] += 1
    return [minimum + s for s in shares]


def _stream(seed: int, topic: str) -> random.Random:
    # A string seed is hashed with SHA-512, so it does not depend on PYTHONHASHSEED.
    return random.Random(f"{seed}/{topic}")  # noqa: S311 - demo data, not secrets


def _scaled(full: int, scale: float, floor: int = 1) -> int:
    return max(floor, round(full * scale))


def _near(
    rng: random.Random, lat: float, lon: float, lat_s: float, lon_s: float
) -> tuple[float, float]:
    """A point scattered around (lat, lon) inside the city's bounding box; a draw outside it
    is drawn again rather than clamped, so no points pile up on the box's edge."""
    (lat_min, lat_max), (lon_min, lon_max) = names.LAT_RANGE, names.LON_RANGE
    for _ in range(100):
        y, x = rng.gauss(lat, lat_s), rng.gauss(lon, lon_s)
        if lat_min < y < lat_max and lon_min < x < lon_max:
            return y, x
    return min(max(lat, lat_min), lat_max), min(max(lon, lon_min), lon_max)


def _unique(
    rng: random.Random, make: Callable[[random.Random], tuple[str, str]], used: set[str]
) -> tuple[str, str]:
    """A fresh name from `make`, unused so far in `used` (which it joins)."""
    while True:
        zh, en = make(rng)
        if zh not in used:
            used.add(zh)
            return zh, en


# --- Geography ----------------------------------------------------------------------------


def plan_geography(seed: int, scale: float) -> list[Place]:
    """The 16 real districts and, scaled, their towns and neighbourhoods (no database)."""
    rng = _stream(seed, "geography")
    with DISTRICTS_CSV.open(encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    pops = apportion(CITY_POPULATION, [float(r["population_2020_thousands"]) for r in records])
    geo = [names.DISTRICT_GEO[r["code"]] for r in records]
    aged = apportion(CITY_OVER_65, [p * g.aged_factor for p, g in zip(pops, geo, strict=True)])
    away = apportion(
        CITY_NON_LOCAL, [p * g.non_local_factor for p, g in zip(pops, geo, strict=True)]
    )
    districts = [
        Place(
            code=r["code"],
            name_zh=r["name_zh"],
            name_en=r["name_en"],
            short_zh=r["name_zh"],
            short_en=r["name_en"] if r["kind"] == "pudong" else f"{r['name_en']} District",
            kind=r["kind"],
            population=pop,
            lat=g.lat,
            lon=g.lon,
            over_65=o,
            non_local=a,
        )
        for r, pop, g, o, a in zip(records, pops, geo, aged, away, strict=True)
    ]
    town_counts = apportion(_scaled(215, scale, floor=16), pops, minimum=1)
    used: set[str] = set()
    for district, count, g in zip(districts, town_counts, geo, strict=True):
        # The old city is all subdistricts; a suburb is mostly towns around a few
        # subdistricts at its seat.
        subdistricts = count if district.kind == "central" else max(1, round(count * 0.3))
        weights = [rng.uniform(0.5, 1.6) for _ in range(count)]
        for i, pop in enumerate(apportion(district.population, weights, minimum=1)):
            zh, en = _unique(rng, names.place_name, used)
            sub = i < subdistricts
            lat, lon = _near(rng, district.lat, district.lon, g.lat_spread, g.lon_spread)
            district.children.append(
                Place(
                    code=f"{district.code}{i + 1:03d}",
                    name_zh=zh + ("街道" if sub else "镇"),
                    name_en=en + (" Subdistrict" if sub else " Town"),
                    short_zh=zh,
                    short_en=en,
                    kind="subdistrict" if sub else "town",
                    population=pop,
                    lat=lat,
                    lon=lon,
                )
            )
        _share_down(district)
    towns = [t for d in districts for t in d.children]
    counts = apportion(_scaled(6000, scale, len(towns)), [t.population for t in towns], 1)
    spreads = {d.code: names.DISTRICT_GEO[d.code] for d in districts}
    for town, count in zip(towns, counts, strict=True):
        g = spreads[town.code[:6]]
        _plan_neighbourhoods(rng, town, count, g.lat_spread / 4, g.lon_spread / 4)
    return districts


def _plan_neighbourhoods(
    rng: random.Random, town: Place, count: int, lat_s: float, lon_s: float
) -> None:
    used: set[str] = set()
    weights = [rng.uniform(0.6, 1.4) for _ in range(count)]
    for i, pop in enumerate(apportion(town.population, weights)):
        # Suburban towns still hold villages; subdistricts have only residents' committees.
        village = town.kind == "town" and rng.random() < 0.55
        zh, en = _unique(rng, names.place_name if village else names.estate_name, used)
        lat, lon = _near(rng, town.lat, town.lon, lat_s, lon_s)
        town.children.append(
            Place(
                code=f"{town.code}{i + 1:03d}",
                name_zh=f"{zh}村委会" if village else f"{zh}居委会",
                name_en=f"{en} Village Committee" if village else f"{en} Neighbourhood Committee",
                short_zh=f"{zh}村" if village else f"{zh}居民区",
                short_en=f"{en} Village" if village else f"{en} Neighbourhood",
                kind="village" if village else "neighbourhood",
                population=pop,
                lat=lat,
                lon=lon,
            )
        )
    _share_down(town)


def _share_down(parent: Place) -> None:
    """Give the children their parent's aged and non-local residents, in proportion."""
    pops = [c.population for c in parent.children]
    aged = apportion(parent.over_65, pops)
    away = apportion(parent.non_local, pops)
    for child, over, out in zip(parent.children, aged, away, strict=True):
        child.over_65, child.non_local = min(over, child.population), min(out, child.population)


def area_rows(districts: list[Place], city_code: str) -> Iterator[AreaRow]:
    """Districts, then towns, then neighbourhoods: parents always before their children."""
    levels = (
        (AreaLevel.DISTRICT, [(d, city_code) for d in districts]),
        (AreaLevel.TOWN, [(t, d.code) for d in districts for t in d.children]),
        (
            AreaLevel.NEIGHBOURHOOD,
            [(n, t.code) for d in districts for t in d.children for n in t.children],
        ),
    )
    for level, places in levels:
        for place, parent_code in places:
            yield AreaRow(
                code=place.code,
                level=level,
                parent_code=parent_code,
                name_zh=place.name_zh,
                name_en=place.name_en,
                population=place.population,
                population_over_65=place.over_65,
                population_non_local=place.non_local,
            )


# --- Organizations and their sites --------------------------------------------------------


class NetworkPlan:
    """Every organization below the municipal bodies, with its learning sites and the staff
    post each one needs, as rows for the bulk services."""

    def __init__(self, districts: list[Place], *, seed: int, scale: float) -> None:
        self.districts = districts
        self.seed = seed
        self.scale = scale
        self.towns = [t for d in districts for t in d.children]
        self._district = {t.code: d for d in districts for t in d.children}
        self.sites: list[SiteRow] = []
        # One member of staff per (organization code, role); named demo logins take some.
        self.staff: list[tuple[str, str]] = []

    def all_groups(self) -> list[tuple[str, list[OrganizationRow]]]:
        return [
            ("governance", self.governance()),
            ("community education", self.community()),
            ("adult education", self.adult_education()),
            ("non-public training", self.non_public()),
            ("workplace training", self.workplace()),
            ("elder education", self.elder()),
        ]

    # Helpers

    def _org(
        self,
        rng: random.Random,
        code: str,
        kind: str,
        name: tuple[str, str],
        area: Place,
        parent_code: str = "",
    ) -> OrganizationRow:
        return OrganizationRow(
            code=code,
            kind=kind,
            name_zh=name[0],
            name_en=name[1],
            area_code=area.code,
            parent_code=parent_code,
            phone=names.landline(rng),
        )

    def _town_in(self, rng: random.Random, district: Place) -> Place:
        towns = district.children
        return rng.choices(towns, weights=[t.population for t in towns])[0]

    def _district_by_population(self, rng: random.Random) -> Place:
        return rng.choices(self.districts, weights=[d.population for d in self.districts])[0]

    def _site(
        self,
        rng: random.Random,
        org_code: str,
        name: tuple[str, str],
        town: Place,
        *,
        rooms: tuple[int, int],
        seats: tuple[int, int] = (20, 40),
        neighbourhood: Place | None = None,
    ) -> None:
        district = self._district[town.code]
        where = neighbourhood or rng.choice(town.children)
        lat, lon = _near(rng, where.lat, where.lon, 0.004, 0.004)
        address_zh, address_en = names.address(
            rng,
            district_zh=district.name_zh,
            district_en=district.short_en,
            local=(town.short_zh, town.short_en),
        )
        room_count = rng.randint(*rooms)
        # About 60 % of buildings are step-free, 40 % have an accessible toilet and 10 % a
        # hearing loop; the last two are mostly found where the first is.
        step_free = rng.random() < 0.6
        self.sites.append(
            SiteRow(
                organization_code=org_code,
                area_code=where.code,
                name_zh=name[0],
                name_en=name[1],
                address_zh=address_zh,
                address_en=address_en,
                latitude=Decimal(f"{lat:.6f}"),
                longitude=Decimal(f"{lon:.6f}"),
                rooms=room_count,
                capacity=room_count * rng.randint(*seats),
                step_free=step_free,
                accessible_toilet=rng.random() < (0.6 if step_free else 0.1),
                hearing_loop=rng.random() < (0.15 if step_free else 0.025),
            )
        )

    # The provider systems

    def governance(self) -> list[OrganizationRow]:
        """A learning-city office in every district and in every town."""
        rng = _stream(self.seed, "governance")
        rows = []
        for d in self.districts:
            name = (f"{d.name_zh}学习型城区建设办公室", f"{d.short_en} Learning City Office")
            rows.append(
                self._org(
                    rng,
                    f"{d.code}-OFFICE",
                    OrganizationKind.DISTRICT_OFFICE,
                    name,
                    d,
                    ADVISORY_OFFICE,
                )
            )
            self.staff.append((f"{d.code}-OFFICE", StaffRoleKind.ADMIN))
        for t in self.towns:
            d = self._district[t.code]
            name = (
                f"{d.name_zh}{t.name_zh}学习型社区建设办公室",
                f"{t.name_en} Learning Community Office, {d.short_en}",
            )
            code = f"{t.code}-OFFICE"
            rows.append(
                self._org(rng, code, OrganizationKind.TOWN_OFFICE, name, t, f"{d.code}-OFFICE")
            )
            self.staff.append((code, StaffRoleKind.REGISTRAR))
        return rows

    def community(self) -> list[OrganizationRow]:
        """District community colleges, town community schools, neighbourhood learning sites."""
        rng = _stream(self.seed, "community")
        rows: list[OrganizationRow] = []
        colleges: dict[str, list[str]] = {}
        biggest = sorted(self.districts, key=lambda d: (-d.population, d.code))
        second_college = {d.code for d in biggest[: _scaled(2, self.scale, floor=0)]}
        for d in self.districts:
            colleges[d.code] = [f"{d.code}-CC"]
            if d.code in second_college:
                colleges[d.code].append(f"{d.code}-CC2")
            for rank, code in enumerate(colleges[d.code]):
                zh, en = ("", "") if rank == 0 else ("第二", "Second ")
                name = (f"{d.name_zh}{zh}社区学院", f"{d.short_en} {en}Community College")
                rows.append(self._org(rng, code, OrganizationKind.COMMUNITY_COLLEGE, name, d))
                main = (f"{name[0]}本部", f"{name[1]}, Main Campus")
                branch = (f"{name[0]}分部", f"{name[1]}, Branch Campus")
                self._site(rng, code, main, self._town_in(rng, d), rooms=(20, 40))
                self._site(rng, code, branch, self._town_in(rng, d), rooms=(8, 15))
        # About one school per town; the biggest towns have a second.
        by_size = sorted(self.towns, key=lambda t: (-t.population, t.code))
        extra = {t.code for t in by_size[: max(0, _scaled(220, self.scale) - len(self.towns))]}
        for i, t in enumerate(self.towns):
            d = self._district[t.code]
            college = colleges[d.code][i % len(colleges[d.code])]
            schools = [(f"{t.code}-CS", "", "")]
            if t.code in extra:
                schools.append((f"{t.code}-CS2", "分校", " Branch"))
            for code, zh, en in schools:
                name = (f"{d.name_zh}{t.name_zh}社区学校{zh}", f"{t.name_en} Community School{en}")
                kind = OrganizationKind.COMMUNITY_SCHOOL
                rows.append(self._org(rng, code, kind, name, t, college))
                self._site(rng, code, name, t, rooms=(6, 15))
                self.staff.append((code, StaffRoleKind.ADMIN))
        everywhere = [(n, t) for t in self.towns for n in t.children]
        chosen = rng.sample(everywhere, min(len(everywhere), _scaled(3000, self.scale)))
        for n, t in sorted(chosen, key=lambda pair: pair[0].code):
            name = (f"{n.short_zh}学习点", f"{n.short_en} Learning Point")
            code = f"{n.code}-NS"
            kind = OrganizationKind.NEIGHBOURHOOD_SITE
            rows.append(self._org(rng, code, kind, name, n, f"{t.code}-CS"))
            self._site(rng, code, name, t, rooms=(1, 3), neighbourhood=n)
        return rows

    def adult_education(self) -> list[OrganizationRow]:
        """Universities' schools of continuing education and the districts' adult schools."""
        rng = _stream(self.seed, "adult-education")
        rows = []
        by_code = {d.code: d for d in self.districts}
        universities = names.UNIVERSITIES[: _scaled(len(names.UNIVERSITIES), self.scale)]
        for i, (zh, en, district_code) in enumerate(universities, start=1):
            d = by_code[district_code]
            name = (f"{zh}继续教育学院", f"School of Continuing Education, {en}")
            code = f"UAE-{i:03d}"
            rows.append(self._org(rng, code, OrganizationKind.UNIVERSITY_ADULT_SCHOOL, name, d))
            for _ in range(rng.randint(1, 2)):
                self._site(rng, code, name, self._town_in(rng, d), rooms=(10, 30))
        # District spare-time universities, adult vocational schools and the towns' adult
        # schools, in that order, as far as the scale reaches.
        candidates: list[tuple[str, tuple[str, str], Place, Place]] = []
        for suffix, zh, en in (
            ("AU", "业余大学", "Spare-time University"),
            ("AV", "成人中等专业学校", "Adult Vocational School"),
        ):
            for d in self.districts:
                town = self._town_in(rng, d)
                candidates.append(
                    (f"{d.code}-{suffix}", (d.name_zh + zh, f"{d.short_en} {en}"), d, town)
                )
        for t in self.towns:
            d = self._district[t.code]
            name = (f"{d.name_zh}{t.name_zh}成人学校", f"{t.name_en} Adult School, {d.short_en}")
            candidates.append((f"{t.code}-AS", name, t, t))
        for d in self.districts:
            name = (
                f"{d.name_zh}职工进修学校",
                f"{d.short_en} Workers' Continuing Education School",
            )
            candidates.append((f"{d.code}-AW", name, d, self._town_in(rng, d)))
        for code, name, area, town in candidates[: _scaled(260, self.scale)]:
            rows.append(self._org(rng, code, OrganizationKind.DISTRICT_ADULT_SCHOOL, name, area))
            self._site(rng, code, name, town, rooms=(8, 20))
        return rows

    def non_public(self) -> list[OrganizationRow]:
        """Private training schools, spread over the city like its people."""
        rng = _stream(self.seed, "non-public")
        rows = []
        used: set[str] = set()
        for i in range(1, _scaled(6000, self.scale) + 1):
            d = self._district_by_population(rng)
            t = self._town_in(rng, d)
            while True:
                brand_zh, brand_en = rng.choice(names.BRANDS)
                field_zh, field_en = rng.choice(names.TRAINING_FIELDS)
                suffix_zh, suffix_en = rng.choice(names.TRAINING_SUFFIXES)
                zh = f"上海市{d.name_zh}{brand_zh}{field_zh}{suffix_zh}"
                if zh not in used:
                    used.add(zh)
                    break
            name = (zh, f"Shanghai {d.short_en} {brand_en} {field_en} {suffix_en}")
            code = f"TI-{i:05d}"
            rows.append(self._org(rng, code, OrganizationKind.TRAINING_INSTITUTION, name, t))
            for n in range(1 + (rng.random() < 0.2)):
                site_town = t if n == 0 else self._town_in(rng, d)
                self._site(rng, code, name, site_town, rooms=(2, 10), seats=(12, 30))
        return rows

    def workplace(self) -> list[OrganizationRow]:
        """Employers that train their own staff."""
        rng = _stream(self.seed, "workplace")
        rows = []
        used: set[str] = set()
        for i in range(1, _scaled(500, self.scale) + 1):
            d = self._district_by_population(rng)
            t = self._town_in(rng, d)
            while True:
                brand_zh, brand_en = rng.choice(names.BRANDS)
                trade_zh, trade_en = rng.choice(names.INDUSTRIES)
                zh = f"上海{brand_zh}{trade_zh}有限公司"
                if zh not in used:
                    used.add(zh)
                    break
            name = (zh, f"Shanghai {brand_en} {trade_en} Co., Ltd.")
            code = f"EMP-{i:04d}"
            rows.append(self._org(rng, code, OrganizationKind.EMPLOYER, name, t))
            centre = (f"{zh}职工培训中心", f"{name[1]} Staff Training Centre")
            self._site(rng, code, centre, t, rooms=(1, 4), seats=(15, 30))
        return rows

    def elder(self) -> list[OrganizationRow]:
        """The elder colleges' campuses and the towns' schools for the elderly."""
        rng = _stream(self.seed, "elder")
        rows = []
        by_code = {d.code: d for d in self.districts}
        campuses = names.ELDER_CAMPUSES[: _scaled(len(names.ELDER_CAMPUSES), self.scale)]
        for letter, zh, en, district_code in campuses:
            d = by_code[district_code]
            name = (f"上海老年大学{zh}校区", f"Shanghai University for the Elderly, {en} Campus")
            code = f"ELDER-{letter}"
            rows.append(self._org(rng, code, OrganizationKind.ELDER_COLLEGE, name, d))
            self._site(rng, code, name, self._town_in(rng, d), rooms=(20, 40))
            self._site(
                rng,
                code,
                (f"{name[0]}教学点", f"{name[1]}, Teaching Point"),
                self._town_in(rng, d),
                rooms=(6, 12),
            )
        towns = rng.sample(self.towns, min(len(self.towns), _scaled(100, self.scale)))
        for t in sorted(towns, key=lambda t: t.code):
            d = self._district[t.code]
            # Each town's school for the elderly belongs to the nearest campus.
            letter = min(
                campuses,
                key=lambda c: (by_code[c[3]].lat - d.lat) ** 2 + (by_code[c[3]].lon - d.lon) ** 2,
            )[0]
            name = (f"{d.name_zh}{t.name_zh}老年学校", f"{t.name_en} School for the Elderly")
            code = f"{t.code}-ES"
            rows.append(
                self._org(rng, code, OrganizationKind.ELDER_SITE, name, t, f"ELDER-{letter}")
            )
            self._site(rng, code, name, t, rooms=(2, 6))
        return rows
