"""Charts as inline SVG text drawn by matplotlib (Agg-free SVG backend, no pyplot state).

Text is written as paths (``svg.fonttype = "path"``): the chart looks the same on every
machine and printer without any font file, at the price of text that cannot be selected;
every figure shown in a chart is also in a table. The SVG is made reproducible (no date,
fixed hash salt) and self-contained: the XML prolog, the DOCTYPE with its DTD address, the
namespace declarations and the metadata block are removed, since inline SVG in HTML needs
none of them.
"""

from __future__ import annotations

import functools
import io
import re
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from kimopt.labels import HOST_TYPES, pick, some_of, t

if TYPE_CHECKING:
    from kimopt.report.compare import Column
    from kimopt.report.tables import OneYear

COLOURS = {
    "target": "#9aa5b1",
    "coverage": "#1f5f8b",
    "kreis": "#1f5f8b",
    "kommune": "#4f9d69",
    "traeger": "#d08c2f",
    "budget": "#b03a2e",
}

_STRIP = [
    re.compile(p, re.S)
    for p in (
        r"<\?xml.*?\?>\s*",
        r"<!DOCTYPE.*?>\s*",
        r"<metadata>.*?</metadata>\s*",
        r'\s+xmlns(:\w+)?="[^"]*"',
    )
]


def _svg(figure: Any, prefix: str) -> str:
    """The figure as inline SVG; every id gets ``prefix``, so charts on one page never share one
    (a shared clip-path id would clip one chart with another's frame)."""
    import matplotlib

    buffer = io.StringIO()
    with (
        matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "kimopt", "font.size": 9}),
        warnings.catch_warnings(),
    ):
        # long names leave constrained_layout no room; the chart is still drawn, and a planner
        # should not read matplotlib's warning on the terminal
        warnings.simplefilter("ignore", UserWarning)
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buffer.getvalue()
    for pattern in _STRIP:
        text = pattern.sub("", text)
    text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', text)
    return re.sub(r'(href="#|url\(#)([^")]+)', rf"\1{prefix}-\2", text)


F = TypeVar("F", bound=Callable[..., str])


def _plain_text(chart: F) -> F:
    """Every label of the chart drawn as written: a Kommune named ``$x$`` is text, not mathtext
    (which matplotlib would parse, and fail on, by default)."""

    @functools.wraps(chart)
    def drawn(*args: Any, **kwargs: Any) -> str:
        import matplotlib

        with matplotlib.rc_context({"text.parse_math": False}):
            return chart(*args, **kwargs)

    return drawn  # type: ignore[return-value]


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height))
    figure.set_layout_engine("constrained")
    return figure


def _number_format(lang: str, places: int | None = None) -> Any:
    """Axis ticks in the reader's convention: ``0,5`` and ``16.400`` in German."""
    from matplotlib.ticker import FuncFormatter

    from kimopt.numbers import fmt_number

    def label(x: float, _: object) -> str:
        if places is not None:
            return fmt_number(x, places, lang)
        text = f"{x:g}"
        return text.replace(".", ",") if lang == "de" else text

    return FuncFormatter(label)


def _legend(figure: Any, columns: int) -> None:
    """The legend above the plot, outside it: it never covers a bar."""
    figure.legend(loc="outside upper left", ncol=columns, frameon=False, fontsize=8)


def _finish(axes: Any, lang: str, xlabel: str, places: int | None = None) -> None:
    axes.invert_yaxis()
    axes.set_xlabel(xlabel)
    axes.xaxis.set_major_formatter(_number_format(lang, places))
    axes.spines[["top", "right"]].set_visible(False)


@_plain_text
def coverage_chart(plan: OneYear, lang: str) -> str:
    """Target vs coverage per Kommune: horizontal bar pairs, Kommunen in file order from the top.

    A single Kommune is no chart: a sentence says its figures instead.
    """
    from kimopt.report.tables import vzae

    kommunen = plan.kommunen
    if len(kommunen) < 2:
        k = kommunen[0] if kommunen else None
        return t(
            lang,
            f"Eine Kommune: {k.name} erhält {vzae(k.coverage_vzae, lang)} VZÄ (Soll {vzae(k.target_vzae, lang, 3)})."
            if k
            else "Keine Kommunen.",
            f"One Kommune: {k.name} gets {vzae(k.coverage_vzae, lang)} VZÄ (target {vzae(k.target_vzae, lang, 3)})."
            if k
            else "No Kommunen.",
        )
    names = [k.name for k in kommunen]
    positions = list(range(len(names)))
    figure = _figure(7.0, 1.1 + 0.32 * len(names))
    axes = figure.add_subplot()
    height = 0.4
    axes.barh(
        [p - height / 2 for p in positions],
        [k.target_vzae for k in kommunen],
        height,
        color=COLOURS["target"],
        label=t(lang, "Soll (nach Schlüssel)", "target (by key)"),
    )
    axes.barh(
        [p + height / 2 for p in positions],
        [k.coverage_vzae for k in kommunen],
        height,
        color=COLOURS["coverage"],
        label=t(lang, "Ist (Plan)", "coverage (plan)"),
    )
    axes.set_yticks(positions, names)
    _finish(axes, lang, "VZÄ")
    _legend(figure, 2)
    return _svg(figure, "cov")


@_plain_text
def hosts_chart(plan: OneYear, lang: str) -> str:
    """VZÄ by host type (Kreis, Kommunen, Träger), the value written at the bar.

    When one type holds every position, a sentence says so instead of a one-bar chart.
    """
    from kimopt.report.tables import vzae

    totals = {kind: 0.0 for kind in HOST_TYPES}
    for host in plan.hosts:
        totals[host.host_type] += host.vzae
    kinds = [k for k in totals if totals[k] > 0]
    if len(kinds) < 2:
        only = pick(HOST_TYPES[kinds[0]], lang) if kinds else "–"
        total = vzae(sum(totals.values()), lang)
        return t(lang, f"Alle {total} VZÄ liegen bei: {only}.", f"All {total} VZÄ are with: {only}.")
    figure = _figure(7.0, 1.2 + 0.35 * len(kinds))
    axes = figure.add_subplot()
    for n, kind in enumerate(kinds):
        bars = axes.barh([n], [totals[kind]], 0.6, color=COLOURS[kind], label=pick(HOST_TYPES[kind], lang))
        axes.bar_label(bars, labels=[vzae(totals[kind], lang)], padding=3)
    axes.set_yticks(range(len(kinds)), [pick(HOST_TYPES[k], lang) for k in kinds])
    axes.set_xlim(0, max(totals.values()) * 1.15)  # room for the value at the longest bar
    _finish(axes, lang, "VZÄ")
    _legend(figure, len(kinds))
    return _svg(figure, "hosts")


PAYER_LABELS = {
    "kreis": ("Eigenanteil Kreis", "own share Kreis"),
    "kommune": ("Eigenanteil Kommune", "own share Kommune"),
    "traeger": ("Eigenanteil Träger", "own share Träger"),
}


@_plain_text
def eigenanteil_chart(plan: OneYear, lang: str) -> str:
    """Eigenanteil by payer in euros per year, each limited budget as a red mark.

    One colour per type of payer, each in the legend; a single payer is said in a sentence.
    """
    from kimopt.numbers import fmt_euros

    payers = [p for p in plan.finance.eigenanteil if p.eur or p.budget_eur]
    if len(payers) < 2:
        if not payers or not payers[0].eur:
            return t(
                lang,
                "Kein Eigenanteil: die Förderung deckt alle Kosten.",
                "No own share: the funding covers every cost.",
            )
        p = payers[0]
        return t(
            lang,
            f"Nur {p.payer} trägt einen Eigenanteil: {fmt_euros(p.eur, lang)} im Jahr.",
            f"Only {p.payer} pays an own share: {fmt_euros(p.eur, lang)} a year.",
        )
    figure = _figure(7.0, 1.2 + 0.32 * len(payers))
    axes = figure.add_subplot()
    for kind in ("kreis", "kommune", "traeger"):
        rows = [(n, p) for n, p in enumerate(payers) if p.payer_type == kind]
        if rows:
            axes.barh(
                [n for n, _ in rows],
                [p.eur for _, p in rows],
                0.6,
                color=COLOURS[kind],
                label=pick(PAYER_LABELS[kind], lang),
            )
    budgets = [(n, p.budget_eur) for n, p in enumerate(payers) if p.budget_eur is not None]
    if budgets:
        axes.scatter(
            [b for _, b in budgets],
            [n for n, _ in budgets],
            marker="|",
            s=250,
            color=COLOURS["budget"],
            label=t(lang, "Budget", "budget"),
            zorder=3,
        )
    axes.set_yticks(range(len(payers)), [p.payer for p in payers])
    _finish(axes, lang, t(lang, "Euro pro Jahr", "euros per year"), places=0)
    _legend(figure, 4)
    return _svg(figure, "own")


def plan_charts(plan: OneYear, lang: str) -> list[tuple[str, str]]:
    """The three charts of a plan report as ``(caption, svg or sentence)``."""
    return [
        (
            t(lang, "Soll und Ist je Kommune", "Target and coverage per Kommune"),
            coverage_chart(plan, lang),
        ),
        (
            t(lang, "Stellen nach Anstellungsträger", "Positions by type of employer"),
            hosts_chart(plan, lang),
        ),
        (t(lang, "Eigenanteil nach Zahler", "Own share by payer"), eigenanteil_chart(plan, lang)),
    ]


# ten distinct colours: up to ten alternatives, none sharing a colour
PALETTE = ["#1f5f8b", "#d08c2f", "#4f9d69", "#8e5ea2", "#b03a2e", "#5b6670", "#c9a227", "#2aa1b3", "#e377c2", "#7f5539"]


def _grouped(
    rows: list[str],
    plans: list[Column],
    values: list[dict[str, float]],
    lang: str,
    prefix: str,
    target: dict[str, float] | None = None,
) -> str:
    """One bar per alternative for each row, each alternative in its own colour (all in the legend)."""
    figure = _figure(7.0, 1.4 + 0.2 * len(rows) * max(len(plans), 2) / 2)
    axes = figure.add_subplot()
    height = 0.8 / len(plans)
    for n, (plan, value) in enumerate(zip(plans, values, strict=True)):
        offsets = [i - 0.4 + height * (n + 0.5) for i in range(len(rows))]
        axes.barh(
            offsets,
            [value.get(name, 0) for name in rows],
            height * 0.9,
            color=PALETTE[n % len(PALETTE)],
            label=plan.name,
        )
    if target is not None:
        axes.scatter(
            [target[name] for name in rows],
            range(len(rows)),
            marker="|",
            s=300,
            color="black",
            label=t(lang, "Soll (erste Alternative)", "target (first alternative)"),
            zorder=3,
        )
    axes.set_yticks(range(len(rows)), rows)
    _finish(axes, lang, "VZÄ")
    _legend(figure, 3)
    return _svg(figure, prefix)


def _kommunen_coverage(with_plan: list[OneYear]) -> tuple[list[str], list[dict[str, float]]]:
    names = [k.name for k in with_plan[0].kommunen]
    return names, [{k.name: k.coverage_vzae for k in plan.kommunen} for plan in with_plan]


def _employers_vzae(with_plan: list[OneYear]) -> tuple[list[str], list[dict[str, float]]]:
    names: list[str] = []
    for plan in with_plan:
        names += [h.name for h in plan.hosts if h.name not in names]
    return names, [{h.name: h.vzae for h in plan.hosts} for plan in with_plan]


def _with_plan(columns: list[Column]) -> tuple[list[Column], list[OneYear]]:
    """The alternatives that have a plan, and their plans."""
    having = [c for c in columns if c.plan is not None]
    return having, [c.plan for c in having if c.plan is not None]


def _differing(names: list[str], values: list[dict[str, Any]]) -> list[str]:
    """The names whose value is not the same in every alternative (a missing one counts as 0)."""
    return [name for name in names if len({v.get(name, 0) for v in values}) > 1]


def left_out_text(columns: list[Column], lang: str) -> str:
    """What the two comparison charts leave out because it is the same in every alternative."""
    _, with_plan = _with_plan(columns)
    if len(with_plan) < 2:
        return ""
    parts = []
    for label, (names, values) in (
        (t(lang, "Kommunen", "Kommunen"), _kommunen_coverage(with_plan)),
        (t(lang, "Anstellungsträger", "employers"), _employers_vzae(with_plan)),
    ):
        differing = _differing(names, values)
        same = [name for name in names if name not in differing]
        if same and differing:
            parts.append(f"{label} {some_of(same, lang)}")
    if not parts:
        return ""
    return t(
        lang,
        "Nicht gezeigt, weil in allen Alternativen gleich (Zahlen in den Tabellen): ",
        "Not drawn, the same in every alternative (figures in the tables): ",
    ) + "; ".join(parts)


@_plain_text
def comparison_chart(columns: list[Column], lang: str) -> str:
    """Coverage per Kommune, one bar per alternative with a plan, the target as a black tick.

    Only Kommunen whose coverage differs between the alternatives are drawn; when none
    differs (or only one alternative has a plan) a sentence says so instead.
    """
    having, with_plan = _with_plan(columns)
    if len(with_plan) < 2:
        return t(
            lang,
            "Nur eine Alternative hat einen Plan – kein Vergleich der Kommunen möglich.",
            "Only one alternative has a plan – no comparison of the Kommunen.",
        )
    names, coverage = _kommunen_coverage(with_plan)
    differing = _differing(names, coverage)
    if not differing:
        return t(
            lang,
            "Alle Alternativen geben jeder Kommune dieselben VZÄ.",
            "Every alternative gives each Kommune the same VZÄ.",
        )
    target = {k.name: k.target_vzae for k in with_plan[0].kommunen}
    return _grouped(differing, having, coverage, lang, "cmp", target)


@_plain_text
def employers_chart(columns: list[Column], lang: str) -> str:
    """VZÄ per employer, only for employers whose VZÄ differ between the alternatives."""
    having, with_plan = _with_plan(columns)
    if len(with_plan) < 2:
        return ""
    names, held = _employers_vzae(with_plan)
    differing = _differing(names, held)
    if not differing:
        return t(
            lang,
            "Alle Alternativen geben jedem Anstellungsträger dieselben VZÄ.",
            "Every alternative gives each employer the same VZÄ.",
        )
    return _grouped(differing, having, held, lang, "emp")
