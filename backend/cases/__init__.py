"""The case record: the Case and its history, status enums and machines, numbers, who may see a
case (access), warranty → service category and charges (warranty), and the texts about a case
(notices).

Everything that reads a case imports this package; it imports only the catalogue and people
below it. Operations that reach other domains (intake, steps, dispatch) live in backend.casework.
"""
