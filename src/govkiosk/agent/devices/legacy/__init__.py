"""Legacy adapters (利旧): drivers that wrap a kiosk vendor's existing local service, so an old kiosk —
a bank kiosk among them — joins the unified device layer without new hardware or new vendor software."""
