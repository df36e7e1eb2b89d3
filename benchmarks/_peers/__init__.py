"""Workloads the engine benchmark compares accord against (same shape of work, same durability)."""
