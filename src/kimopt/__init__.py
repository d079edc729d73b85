"""kimopt: provably optimal allocation of KIM case-management positions (VZÄ)."""

__version__ = "0.1.0"
