"""Analyses built on the planner: explanations, alternatives, sensitivity, apportionment baselines, batch runs."""
