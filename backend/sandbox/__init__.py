"""The sandbox: the Telegram Bot API and the Twilio REST API answered inside the app, so that a
newcomer can play customer, technician and phone caller in one browser page with no account."""
