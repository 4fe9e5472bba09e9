"""The workshop (R4.8, R4.10, R4.12, R7.6–R7.9), loaner units (R5.4) and a unit's repair history
by serial number (R6.1).

An item not repairable on site goes to the workshop with a numbered customer goods receipt and a
goods-in row; its repair card (who worked, actual hours, parts from the `workshop` stock) and the
supervisor's inspections follow it; a promised return date is kept and a late one escalated; on
return the receipt number is confirmed and a goods-out row written. The case's status moves only
through backend.cases.machine, called by backend.casework.actions, which calls into here.
"""
