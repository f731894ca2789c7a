"""Turns the figures into titled sections — a chart and the table of its numbers — in the reader's
language, with small groups suppressed where the figures leave the office (exports) or reach students."""
from __future__ import annotations

from dataclasses import dataclass, field

from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.outcomes import categories as cat
from portal.outcomes.rates import Rates, min_group_size
from portal.outcomes.measures import measure_label
from portal.reports import charts
from portal.reports.stats import Figures, Row
from portal.templating import DEGREE_LABELS

HARDSHIP_LABELS = {
    "poverty_alleviated": _l("Family lifted out of poverty"),
    "low_income_guarantee": _l("Minimum living allowance"),
    "zero_employment_family": _l("Zero-employment family"),
    "disabled": _l("Disability"),
    "orphan": _l("Orphan or without guardian"),
    "extreme_poverty_support": _l("Extreme-poverty support"),
    "low_income_family": _l("Low-income family"),
    "financial_hardship": _l("Family financial hardship"),
    "other": _l("Other hardship"),
}


class Fmt:
    """Numbers for people: counts with separators, rates in per cent; in exports, groups smaller than
    the minimum size show "<5" and their rates "—", so that nobody can be picked out."""

    def __init__(self, *, suppress: bool, minimum: int | None = None):
        self.suppress = suppress
        self.minimum = minimum if minimum is not None else min_group_size()

    def small(self, n: int) -> bool:
        return self.suppress and 0 < n < self.minimum

    def n(self, n: int) -> str:
        return f"<{self.minimum}" if self.small(n) else f"{n:,}"

    def pct(self, value: float | None) -> str:
        return "—" if value is None else f"{value * 100:.1f}%"

    def rate(self, rates: Rates, which: str = "destination_rate") -> str:
        base = rates.known if which == "nace_rate" else rates.graduates
        if self.suppress and base < self.minimum:
            return "—"
        return self.pct(getattr(rates, which))

    def share(self, part: int, whole: int) -> str:
        if not whole or self.small(part) or (self.suppress and whole < self.minimum):
            return "—"
        return self.pct(part / whole)

    def days(self, value: float | None, base: int) -> str:
        if value is None or (self.suppress and base < self.minimum):
            return "—"
        return f"{value:.0f}"

    def chart_rate(self, rates: Rates) -> float | None:
        """What a chart may draw: nothing for a suppressed group."""
        if self.suppress and rates.graduates < self.minimum:
            return None
        return rates.destination_rate

    def chart_share(self, part: int, whole: int) -> float | None:
        if not whole or self.small(part) or (self.suppress and whole < self.minimum):
            return None
        return part / whole


@dataclass
class Section:
    key: str
    title: str
    headers: list[str]
    rows: list[list[str]]
    chart: charts.Chart | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def wide(self) -> bool:
        """Too many columns or rows to sit beside the chart: the table goes below it."""
        return len(self.headers) > 5 or len(self.rows) > 12


def series_names() -> list[str]:
    return [_("All graduates"), _("Disadvantaged group")]


def _rate_section(key: str, title: str, rows: list[Row], label, fmt: Fmt, *, note: str = "", chart: bool = True) -> Section:
    headers = [_("Group"), _("Graduates"), _("Destination rate"), _("Disadvantaged graduates"), _("Their rate")]
    table = [[label(r.key), fmt.n(r.all.graduates), fmt.rate(r.all), fmt.n(r.group.graduates), fmt.rate(r.group)]
             for r in rows]
    drawn = None
    if chart:
        drawn = charts.bar_chart(title, [(label(r.key), [fmt.chart_rate(r.all), fmt.chart_rate(r.group)]) for r in rows],
                                 series=series_names())
    return Section(key, title, headers, table, drawn, note)


def _hardship_section(f: Figures, fmt: Fmt) -> Section:
    """The disadvantaged group by hardship category, beside every graduate of the class."""
    title = _("Destination rate by hardship category")
    label = _labeller(HARDSHIP_LABELS)
    headers = [_("Hardship category"), _("Graduates"), _("Destination rate"), _("Knowledge rate")]
    rows = [[_("All graduates (for comparison)"), fmt.n(f.overall.all.graduates), fmt.rate(f.overall.all),
             fmt.rate(f.overall.all, "knowledge_rate")]]
    rows += [[label(r.key), fmt.n(r.group.graduates), fmt.rate(r.group), fmt.rate(r.group, "knowledge_rate")]
             for r in f.by_hardship]
    drawn = charts.bar_chart(
        title, [(_("All graduates"), [fmt.chart_rate(f.overall.all)])]
        + [(label(r.key), [fmt.chart_rate(r.group)]) for r in f.by_hardship],
        series=[_("Destination rate")],
    )
    return Section("hardship", title, headers, rows, drawn,
                   _("A graduate with several verified categories counts in each of them."))


def _share_section(key: str, title: str, rows: list[Row], base: Row, label, fmt: Fmt, *, note: str = "") -> Section:
    headers = [_("Group"), _("Graduates"), _("Share"), _("Disadvantaged graduates"), _("Share")]
    table = [[label(r.key), fmt.n(r.all.graduates), fmt.share(r.all.graduates, base.all.graduates),
              fmt.n(r.group.graduates), fmt.share(r.group.graduates, base.group.graduates)] for r in rows]
    drawn = charts.bar_chart(title, [(label(r.key), [fmt.chart_share(r.all.graduates, base.all.graduates),
                                                     fmt.chart_share(r.group.graduates, base.group.graduates)])
                                     for r in rows], series=series_names(), full_scale=False)
    return Section(key, title, headers, table, drawn, note)


def _category_label(key) -> str:
    if key is None:
        return _("No destination recorded")
    category = cat.BY_KEY.get(key)
    if category is None:
        return str(key)
    return str(category.label) if key == "residency" else f"{category.label} ({category.code})"


def _labeller(mapping, *, none=None):
    def label(key) -> str:
        if key is None:
            return str(none or _("Not recorded"))
        return str(mapping.get(key, key))
    return label


def definitions(figures: Figures) -> str:
    counted = "、".join(str(cat.CATEGORY_LABELS[k]) for k in figures.placed_categories) if figures.placed_categories else "—"
    return _("The destination rate counts graduates whose current destination is one of: %(list)s; over all "
             "graduates of the class. The knowledge rate is the share of graduates with any destination recorded. "
             "The NACE career-outcomes rate counts graduates employed, in service or in further study, over those "
             "whose outcome is known. The disadvantaged group is every graduate with at least one verified hardship "
             "category.", list=counted)


def key_figures(figures: Figures, fmt: Fmt) -> list[tuple[str, str, str]]:
    o = figures.overall
    return [
        (_("Graduates"), fmt.n(o.all.graduates), fmt.n(o.group.graduates)),
        (_("Destination rate"), fmt.rate(o.all), fmt.rate(o.group)),
        (_("Knowledge rate"), fmt.rate(o.all, "knowledge_rate"), fmt.rate(o.group, "knowledge_rate")),
        (_("NACE career-outcomes rate"), fmt.rate(o.all, "nace_rate"), fmt.rate(o.group, "nace_rate")),
        (_("Destinations confirmed or recorded"), fmt.n(o.all.known), fmt.n(o.group.known)),
    ]


def sections(figures: Figures, fmt: Fmt) -> list[Section]:
    """Every section of the dashboard and the report, in reading order."""
    out: list[Section] = []
    f = figures
    out.append(_hardship_section(f, fmt))
    out.append(_rate_section("college", _("Destination rate by college"), f.by_college, _labeller({}), fmt))
    names = [r.key[1] for r in f.by_major]
    out.append(_rate_section("major", _("Destination rate by major"), f.by_major,
                             lambda key: key[1] if names.count(key[1]) == 1 else f"{key[1]}（{key[0]}）", fmt))
    out.append(_rate_section("degree", _("Destination rate by degree"), f.by_degree, _labeller(DEGREE_LABELS), fmt))
    out.append(_rate_section("class", _("Destination rate by class"), f.by_class,
                             lambda year: _("Class of %(year)d", year=int(year)), fmt,
                             note=_("Classes still in their job search have lower rates until the season ends.")))
    # the season: cumulative rate month by month
    season = Section(
        "season", _("Destination rate over the season"),
        [_("Month"), _("Settled"), _("Destination rate"), _("Disadvantaged settled"), _("Their rate")],
        [[p.month.strftime("%Y-%m"), fmt.n(p.all_placed), fmt.pct(p.all_rate) if not fmt.suppress or f.overall.all.graduates >= fmt.minimum else "—",
          fmt.n(p.group_placed), fmt.pct(p.group_rate) if not fmt.suppress or f.overall.group.graduates >= fmt.minimum else "—"]
         for p in f.season],
        charts.line_chart(_("Destination rate over the season"),
                          [(p.month.strftime("%y-%m"), [p.all_rate, p.group_rate if (not fmt.suppress or f.overall.group.graduates >= fmt.minimum) else None])
                           for p in f.season], series=series_names()),
        _("Cumulative, by the date each destination was settled (offer signed, contract, admission)."),
    )
    out.append(season)
    base = f.overall
    rows = list(f.by_category)
    rows.append(Row(None, Rates(base.all.graduates - base.all.known), Rates(base.group.graduates - base.group.known)))
    out.append(_share_section("category", _("Destinations by category"), rows, base, _category_label, fmt,
                              note=_("Shares of all graduates of the class.")))
    employed = f.employed
    quality = _("Shares of the graduates in employment or service (%(n)s).", n=fmt.n(employed.all.graduates))
    out.append(_share_section("industry", _("Industry"), f.industry, employed, _labeller(cat.INDUSTRY_LABELS), fmt, note=quality))
    out.append(_share_section("unit_nature", _("Unit nature"), f.unit_nature, employed, _labeller(cat.UNIT_NATURE_LABELS), fmt, note=quality))
    out.append(_share_section("hospital_level", _("Hospital level (medical and health institutions)"), f.hospital_level,
                              Row("healthcare", sum((r.all for r in f.hospital_level), Rates()),
                                  sum((r.group for r in f.hospital_level), Rates())),
                              _labeller(cat.HOSPITAL_LEVEL_LABELS), fmt,
                              note=_("Shares of the graduates employed in medical and health institutions.")))
    out.append(_share_section("region", _("Where they work"), f.region, employed, _labeller(cat.REGION_LABELS), fmt,
                              note=_("Grassroots posts first; the others by province compared with the graduate's home province.")))
    out.append(_share_section("relation", _("Relation to major"), f.relation, employed, _labeller(cat.RELATION_LABELS), fmt, note=quality))
    out.append(_share_section("salary", _("Monthly salary"), f.salary, employed, _labeller(cat.SALARY_LABELS), fmt, note=quality))
    out.append(measures_section(figures, fmt))
    return out


def measures_section(figures: Figures, fmt: Fmt) -> Section:
    headers = [_("Measure"), _("Graduates who had it"), _("Destination rate"), _("Median days to first offer"),
               _("Disadvantaged who had it"), _("Their rate"), _("Their median days")]

    def line(label: str, r) -> list[str]:
        return [label, fmt.n(r.students), fmt.share(r.placed, r.students), fmt.days(r.median_days, r.students),
                fmt.n(r.group_students), fmt.share(r.group_placed, r.group_students),
                fmt.days(r.group_median_days, r.group_students)]

    rows = []
    if figures.reference:
        rows.append(line(_("All graduates (for comparison)"), figures.reference))
    rows += [line(measure_label(r.key), r) for r in figures.measures]
    if figures.untouched:
        rows.append(line(_("No recorded measure"), figures.untouched))
    items = [(measure_label(r.key), [fmt.chart_share(r.placed, r.students), fmt.chart_share(r.group_placed, r.group_students)])
             for r in figures.measures]
    drawn = charts.bar_chart(_("Destination rate by measure received"), items, series=series_names()) if items else None
    return Section(
        "measures", _("Measures and outcomes"), headers, rows, drawn,
        _("Graduates who had each measure, their destination rate, and the median number of days from the start "
          "of the season (1 September) to their first offer, admission or residency place. Follow-up calls after "
          "graduation are not counted as measures. These are associations, not proof that a measure caused an outcome."),
    )
