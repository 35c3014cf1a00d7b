"""govkiosk: one platform for a city's network of government-service kiosks (政务服务自助服务终端)."""

__version__ = "0.1.0"
