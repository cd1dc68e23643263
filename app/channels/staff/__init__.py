"""app/channels/staff"""
