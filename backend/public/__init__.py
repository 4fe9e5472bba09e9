"""Pages for the public, without a login: the suggestion form, its QR code and poster (R9.8)."""
