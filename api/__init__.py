"""The thin HTTP layer: starts workflows, sends updates, reads the read model. No business rule here."""
