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
from collections.abc import Callable
from typing import Any, TypeVar

from kimopt.labels import HOST_TYPES, pick, t

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


def _svg(figure: Any) -> str:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "kimopt", "font.size": 9}):
        figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    text = buffer.getvalue()
    for pattern in _STRIP:
        text = pattern.sub("", text)
    return text


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


def _number_format(lang: str) -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _: f"{x:g}".replace(".", ",") if lang == "de" else f"{x:g}")


@_plain_text
def coverage_chart(plan: dict[str, Any], lang: str) -> str:
    """Target vs coverage per Kommune: horizontal bar pairs, Kommunen in file order from the top."""
    kommunen = plan["kommunen"]
    names = [k["name"] for k in kommunen]
    positions = list(range(len(names)))
    figure = _figure(7.0, 0.8 + 0.32 * len(names))
    axes = figure.add_subplot()
    height = 0.4
    axes.barh(
        [p - height / 2 for p in positions],
        [k["target_vzae"] for k in kommunen],
        height,
        color=COLOURS["target"],
        label=t(lang, "Soll (nach Schlüssel)", "target (by key)"),
    )
    axes.barh(
        [p + height / 2 for p in positions],
        [k["coverage_vzae"] for k in kommunen],
        height,
        color=COLOURS["coverage"],
        label=t(lang, "Ist (Plan)", "coverage (plan)"),
    )
    axes.set_yticks(positions, names)
    axes.invert_yaxis()
    axes.set_xlabel("VZÄ")
    axes.xaxis.set_major_formatter(_number_format(lang))
    axes.legend(loc="lower right", frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(
        t(lang, "Soll und Ist je Kommune", "Target and coverage per Kommune"), loc="left"
    )
    return _svg(figure)


@_plain_text
def hosts_chart(plan: dict[str, Any], lang: str) -> str:
    """VZÄ by host type (Kreis, Kommunen, Träger): one bar each, the value written at the bar."""
    totals = {kind: 0.0 for kind in HOST_TYPES}
    for host in plan["hosts"]:
        totals[host["host_type"]] += host["vzae"]
    kinds = list(totals)
    figure = _figure(7.0, 1.9)
    axes = figure.add_subplot()
    bars = axes.barh(
        range(len(kinds)), [totals[k] for k in kinds], 0.6, color=[COLOURS[k] for k in kinds]
    )
    axes.bar_label(
        bars,
        labels=[f"{totals[k]:.1f}".replace(".", "," if lang == "de" else ".") for k in kinds],
        padding=3,
    )
    axes.set_yticks(range(len(kinds)), [pick(HOST_TYPES[k], lang) for k in kinds])
    axes.invert_yaxis()
    axes.set_xlabel("VZÄ")
    axes.xaxis.set_major_formatter(_number_format(lang))
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(
        t(lang, "Stellen nach Anstellungsträger", "Positions by type of employer"), loc="left"
    )
    return _svg(figure)


@_plain_text
def eigenanteil_chart(plan: dict[str, Any], lang: str) -> str:
    """Eigenanteil by payer in euros per year, with each limited budget as a red mark."""
    payers = plan["finance"]["eigenanteil"]
    figure = _figure(7.0, 0.9 + 0.32 * max(len(payers), 1))
    axes = figure.add_subplot()
    positions = list(range(len(payers)))
    colours = [COLOURS.get(p["payer_type"], COLOURS["kommune"]) for p in payers]
    axes.barh(
        positions,
        [p["eur"] for p in payers],
        0.6,
        color=colours,
        label=t(lang, "Eigenanteil", "own share"),
    )
    budgets = [(n, p["budget_eur"]) for n, p in enumerate(payers) if p["budget_eur"] is not None]
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
    axes.set_yticks(positions, [p["payer"] for p in payers])
    axes.invert_yaxis()
    axes.set_xlabel(t(lang, "Euro pro Jahr", "euros per year"))
    from matplotlib.ticker import FuncFormatter

    axes.xaxis.set_major_formatter(
        FuncFormatter(lambda x, _: f"{x:,.0f}".replace(",", "." if lang == "de" else ","))
    )
    axes.legend(loc="lower right", frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(t(lang, "Eigenanteil nach Zahler", "Own share by payer"), loc="left")
    return _svg(figure)


def plan_charts(plan: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """The three charts of a plan report as ``(caption, svg)``."""
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


@_plain_text
def comparison_chart(plans: list[dict[str, Any]], lang: str) -> str:
    """Coverage per Kommune, one bar per alternative with a plan, the target as a black tick."""
    with_plan = [p for p in plans if "kommunen" in p]
    names = [k["name"] for k in with_plan[0]["kommunen"]]
    figure = _figure(7.0, 1.0 + 0.22 * len(names) * max(len(with_plan), 2) / 2)
    axes = figure.add_subplot()
    height = 0.8 / len(with_plan)
    palette = ["#1f5f8b", "#d08c2f", "#4f9d69", "#8e5ea2", "#b03a2e", "#5b6670", "#c9a227"]
    for n, plan in enumerate(with_plan):
        coverage = {k["name"]: k["coverage_vzae"] for k in plan["kommunen"]}
        offsets = [i - 0.4 + height * (n + 0.5) for i in range(len(names))]
        axes.barh(
            offsets,
            [coverage.get(name, 0) for name in names],
            height * 0.9,
            color=palette[n % len(palette)],
            label=plan["alternative"],
        )
    target = {k["name"]: k["target_vzae"] for k in with_plan[0]["kommunen"]}
    axes.scatter(
        [target[name] for name in names],
        range(len(names)),
        marker="|",
        s=300,
        color="black",
        label=t(lang, "Soll (erste Alternative)", "target (first alternative)"),
        zorder=3,
    )
    axes.set_yticks(range(len(names)), names)
    axes.invert_yaxis()
    axes.set_xlabel("VZÄ")
    axes.xaxis.set_major_formatter(_number_format(lang))
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2, frameon=False, fontsize=8)
    axes.spines[["top", "right"]].set_visible(False)
    return _svg(figure)
