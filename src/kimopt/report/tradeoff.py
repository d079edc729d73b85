"""The chart of the sensitivity analysis' trade-off curve, as an SVG or PNG file."""

from __future__ import annotations

from typing import Any


def tradeoff_chart(data: dict[str, Any], target: Any, lang: str = "de") -> None:
    """Draw the trade-off curve (and the plan's point) as SVG or PNG, by the file's suffix."""
    import io
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from kimopt.io.atomic import write_bytes_atomic
    from kimopt.labels import DEVIATION_SUM, pick

    de = lang == "de"
    points = data["tradeoff"]["points"]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    xs = [p["eigenanteil_eur"] for p in points]
    ys = [p["deviation_l1"] for p in points]
    ax.step(xs, ys, where="post", color="#1f4e79", linewidth=1.2)
    ax.plot(
        xs,
        ys,
        "o",
        color="#1f4e79",
        markersize=4,
        label="Pareto-optimal (ε-Beschränkung)" if de else "Pareto optimal (ε-constraint)",
    )
    plan = data["plan"]
    ax.plot(
        [plan["eigenanteil_eur"]],
        [plan["deviation_l1"]],
        "D",
        color="#c00000",
        label="optimaler Plan" if de else "optimal plan",
    )
    ax.set_xlabel("Eigenanteil Kreis + Kommunen (€/Jahr)" if de else "Eigenanteil Kreis + Kommunen (€/year)")
    ax.set_ylabel(pick(DEVIATION_SUM, "de" if de else "en"))
    ax.set_title(
        ("Zielkonflikt Proportionalität – Eigenanteil: " if de else "Trade-off proportionality – Eigenanteil: ")
        + data["instance"]
    )
    ax.grid(True, alpha=0.3)
    ax.legend()
    if de:
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:,.0f}".replace(",", ".")))
    fig.tight_layout()
    buffer = io.BytesIO()
    suffix = Path(target).suffix.lower().lstrip(".")
    fig.savefig(buffer, format=suffix, metadata={"Date": None} if suffix == "svg" else None)
    plt.close(fig)
    write_bytes_atomic(Path(target), buffer.getvalue())
