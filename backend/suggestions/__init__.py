"""Suggestions (R2.10, R9.3, R9.8): their evaluation, the reward decided, the customer told."""
