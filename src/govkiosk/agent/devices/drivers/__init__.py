"""Real drivers behind the device-class interfaces, chosen per class by the devices file."""
