"""Service evaluation (好差评): five levels after each case and each kiosk session; 差评 open a follow-up."""
