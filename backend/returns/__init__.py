"""Returns (R3): the return window, the cause (R3.5), the decision and its departments."""
