"""Accounts and roles: users, password login, signed session cookies, CSRF and access rules."""
