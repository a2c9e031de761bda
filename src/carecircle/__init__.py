"""CareCircle: a coalition's shared system for responding to substance use and overdose."""

__version__ = "0.1.0"
