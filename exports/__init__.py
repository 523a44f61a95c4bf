"""Coded datasets and codebooks from an instrument plus response records."""
