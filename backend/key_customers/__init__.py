"""Key customers (R9.6): a flag with a visit interval, visit tasks when due, visits recorded."""
