"""app/channels/cli"""
