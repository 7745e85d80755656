"""_drift"""
