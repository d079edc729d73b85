"""Explanations: why a plan is impossible, what blocks a wish, the smallest change that helps,
and which rules limit a feasible plan's optimum."""
