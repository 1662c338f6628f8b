"""Reconciliation: the periodic sweep over each Arr's whole library that catches what webhooks
missed (sweep).
"""
