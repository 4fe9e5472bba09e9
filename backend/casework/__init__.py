"""Casework: the operations on a case that reach into other domains, and the two entry points
every channel calls (`flows.intake_case`, `flows.perform_action`).

Taking in a contact (`intake`: customer and unit, service category, complaint routing, the
customer's confirmation) and taking one step (`actions`: charges, the survey of a closed job,
alerts) use catalog, complaints, outbox, tasks and surveys; `flows` adds dispatch where a
technician must be chosen (a repair at intake, `assign`, `decline`). Those packages read the case
record (backend.cases) and never import this one, so dependencies point one way:
casework → dispatch, surveys, complaints, outbox, tasks → cases → catalog, people.
"""
