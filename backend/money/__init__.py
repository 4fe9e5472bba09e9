"""Payments, numbered receipts and invoices, the accounting list and its daily export (R7.5)."""
