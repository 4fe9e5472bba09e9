"""The case: its record and history, status machines, intake, steps, notices.

Dependencies point one way: backend.dispatch imports this package, never the reverse, so the
steps that need a technician chosen (a repair's intake, `assign`, `decline`) are taken through
backend.dispatch.casework, which every channel calls.
"""
