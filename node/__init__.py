"""meshaid.node"""
