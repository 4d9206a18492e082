"""What keeps personal data out of reach: payload encryption and its keys."""
