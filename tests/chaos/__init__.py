"""Fault tests with real processes (`make run`'s stack): each fault reported as "N tried, 0 lost"."""
