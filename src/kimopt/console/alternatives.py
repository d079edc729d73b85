"""Equally good plans (``kimopt alternatives``) for the terminal."""

from __future__ import annotations

from kimopt.analysis.alternatives import Alternatives, changes, choice_points
from kimopt.io.plan_file import as_plan_file
from kimopt.numbers import fmt_euros, fmt_number
from kimopt.plan_file import PlanFile


def paid(plan: PlanFile) -> dict[str, int]:
    """Each payer's yearly Eigenanteil in a plan, €."""
    return {p.payer: int(p.eur) for p in plan.finance.eigenanteil}


def render_alternatives(result: Alternatives, lang: str) -> str:
    """The list for the terminal: the first plan's allocation, then what each other plan changes."""

    def t(de: str, en: str) -> str:
        return de if lang == "de" else en

    plans = result.plans
    if len(plans) == 1 and result.complete:
        lines = [
            t(
                "Der optimale Plan ist eindeutig: kein anderer ist gleich gut.",
                "The optimal plan is unique: no other is equally good.",
            ),
            t("Er ist vom Prüfer bestätigt.", "It is confirmed by the checker."),
        ]
    else:
        lines = [
            _count(len(plans), lang)
            + (
                t(" (alle)", " (all of them)")
                if result.complete
                else t(
                    " – unvollständig: Rechenmenge erschöpft, es kann weitere geben",
                    " – incomplete: work limit reached, there may be more",
                )
                if result.work_spent
                else t(" (Grenze erreicht, es kann weitere geben)", " (limit reached, there may be more)")
            ),
            t(
                "Alle sind auf jeder Zielebene gleich gut und vom Prüfer bestätigt.",
                "All are equally good on every level and confirmed by the checker.",
            )
            if len(plans) != 1
            else t("Er ist vom Prüfer bestätigt.", "It is confirmed by the checker."),
        ]
    if not plans:
        return "\n".join(lines)
    typed = [as_plan_file(plan) for plan in plans]  # each a plan of the contract (Plan.to_json)
    lines += ["", t("Plan 1 (der Plan von kimopt solve):", "Plan 1 (the plan of kimopt solve):")]
    for link in typed[0].links:
        lines.append(f"  {link.host} → {link.kommune}: {fmt_number(link.vzae, 1, lang)} VZÄ")
    for n, plan in enumerate(plans[1:], start=2):
        lines += ["", t(f"Plan {n} – anders als Plan 1:", f"Plan {n} – differs from plan 1:")]
        for c in changes(plans[0], plan):
            lines.append(
                f"  {c.host} → {c.kommune}: {fmt_number(c.first, 1, lang)} → {fmt_number(c.here, 1, lang)} VZÄ"
            )
        first, here = paid(typed[0]), paid(typed[n - 1])
        for payer in dict.fromkeys([*first, *here]):
            before, after = first.get(payer, 0), here.get(payer, 0)
            if before != after:
                lines.append(
                    t("  Eigenanteil ", "  own share ")
                    + f"{payer}: {fmt_euros(before, lang)} → {fmt_euros(after, lang)}"
                )
    payers = [paid(plan) for plan in typed]
    differing = [
        name for name in dict.fromkeys(n for p in payers for n in p) if len({p.get(name, 0) for p in payers}) > 1
    ]
    if differing:
        lines += [
            "",
            t(
                "Zahler, deren Eigenanteil zwischen den Plänen wechselt (€ pro Jahr):",
                "Payers whose own share varies between the plans (€ per year):",
            ),
        ]
        for name in differing:
            lines.append(f"  {name}: " + " / ".join(fmt_euros(p.get(name, 0), lang) for p in payers))
    elif len(plans) > 1:
        lines += [
            "",
            t(
                "Jeder Zahler trägt in allen Plänen denselben Eigenanteil.",
                "Every payer carries the same own share in all plans.",
            ),
        ]
    varying = choice_points(plans)
    if varying:
        lines += [
            "",
            t(
                "Kommunen, deren Ist-VZÄ zwischen den Plänen wechseln:",
                "Kommunen whose coverage varies between the plans:",
            ),
        ]
        for name, values in varying.items():
            lines.append(f"  {name}: " + " / ".join(fmt_number(x, 1, lang) for x in values))
    elif len(plans) > 1:
        lines += [
            "",
            t(
                "Die Ist-VZÄ jeder Kommune sind in allen Plänen gleich; nur die Anstellungsträger wechseln.",
                "Every Kommune's coverage is the same in all plans; only the employers change.",
            ),
        ]
    return "\n".join(lines)


YEARS_MEANING = (
    "Je Jahr: die gleich guten Pläne dieses Jahres, die Vorjahre wie geplant. Plan 1 ist der Plan "
    "von kimopt solve; von ihm aus ist das Folgejahr geplant (ein anderer Plan kann das Folgejahr ändern).",
    "Per year: that year's equally good plans, the years before as planned. Plan 1 is the plan of "
    "kimopt solve; the next year is planned from it (another plan may change the next year).",
)


def _count(n: int, lang: str) -> str:
    """„3 gleich gute Pläne“; one plan is „1 optimaler Plan“ (equally good as which?)."""
    if n == 1:
        return "1 optimaler Plan" if lang == "de" else "1 optimal plan"
    return f"{n} gleich gute Pläne" if lang == "de" else f"{n} equally good plans"
