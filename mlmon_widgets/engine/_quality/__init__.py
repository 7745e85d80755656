"""_quality"""
