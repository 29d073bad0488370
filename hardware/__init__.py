"""meshaid.hardware"""
