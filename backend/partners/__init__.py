"""Service partners (R1.4): partner repair shops under contract, their jobs, what they are owed."""
