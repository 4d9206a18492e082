"""Everything that touches the world: the read model, letters, calendars, credit."""
