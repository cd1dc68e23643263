"""app/channels/api"""
