"""Management reports: pure query functions over the case data (R7.11, R8.2, R8.3, R9.1)."""
