"""meshaid.cli"""
