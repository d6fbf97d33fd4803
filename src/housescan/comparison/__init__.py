"""Homes side by side: 2-4 of the person's scans, with their own rating and note per home."""
