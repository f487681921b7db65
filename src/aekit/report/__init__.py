"""Figures and reports; matplotlib is imported only when a figure is drawn."""
