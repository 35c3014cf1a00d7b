"""The citizen at the kiosk: identity verification (ID card + face, or the mobile government app) and the
short-lived session that holds what is personal until it is wiped."""
