"""app/platform"""
