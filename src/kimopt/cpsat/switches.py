"""Enforcement literals per rule instance, so that every rule can be switched off one by one.

A *rule instance* is a rule family of DESIGN §2 applied to one subject, for example
``("budget_kommune", "Voerde (Niederrhein)")`` or ``("funding_cap", "")``. In a plain solve all
rules are hard (:meth:`Switches.lits` returns no literal, which CP-SAT reads as "always");
for explanations each rule instance gets its own Boolean, used as an assumption. A model
may also leave chosen rule instances out (``relaxed``: their literal is false), as a block of
:mod:`kimopt.blocks` leaves the Kreis's own rules to the whole plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from kimopt.rules import Rule

RuleId = tuple[str, str]


@dataclass
class Switches:
    """Hands out the enforcement literals of rule instances."""

    model: cp_model.CpModel
    switchable: bool = False
    headroom: int = 0  # extra units the universe must allow (a wish beyond what the rules demand)
    literals: dict[RuleId, cp_model.IntVar] = field(default_factory=dict)
    relaxed: frozenset[RuleId] = frozenset()  # rule instances this model leaves out

    def lits(self, rule: Rule, subject: str = "") -> list[cp_model.IntVar]:
        """The enforcement literals of one rule instance: none when rules are hard, a false one when relaxed."""
        key = (rule.name, subject)
        if key in self.relaxed:
            return [self.model.new_constant(0)]  # CP-SAT caches constants: one variable for all
        if not self.switchable:
            return []
        if key not in self.literals:
            self.literals[key] = self.model.new_bool_var(f"rule[{rule.name}:{subject}]")
        return [self.literals[key]]
