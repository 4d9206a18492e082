"""Operating the system: what the Temporal namespace must hold for the audit record to last."""
