"""The common support layer (公共支撑): forms, receipts, object storage, materials, e-licences, the working-day calendar."""
