"""Materials (申请材料) at the kiosk: scans, e-licences and phone uploads, checked and stored."""
