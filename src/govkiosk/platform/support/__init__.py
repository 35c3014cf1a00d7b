"""The common support layer (公共支撑): forms, receipts, storage, materials, e-licences, working days."""
