"""What keeps SafeYard's users safe from the web: security headers, rate limits, private logs.

See docs/SECURITY.md for the threat model these answer.
"""
