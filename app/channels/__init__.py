"""app/channels"""
