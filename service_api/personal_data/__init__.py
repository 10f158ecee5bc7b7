"""Residents' personal data (PIPL): encryption of stored phones, contact reveals, retention and anonymisation,
residents' export and erasure."""
