"""Phone calls, inbound and outbound: every call is recorded (R2.3) and its outcome kept."""
