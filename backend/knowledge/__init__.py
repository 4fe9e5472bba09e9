"""Repair knowledge (R6.2–R6.5): manuals, parts lists and repair guides as PDF, attached to
products and parts, read by role, and sent to technicians in Telegram (`/manual MODEL`)."""
