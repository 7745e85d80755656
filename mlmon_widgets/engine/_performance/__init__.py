"""_performance"""
