"""app/channels/web"""
