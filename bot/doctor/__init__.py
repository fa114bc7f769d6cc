"""`dialbot doctor`: checks a real setup without placing a call.

`checks.py` holds the checks, one small function each, and CHECKS, the list the
doctor runs (a check may need others: it runs once they passed, and is skipped
otherwise). Agent mode's checks (the discovered API host, the tenant) and the
state and agents API checks join that list. `runner.py` runs them at once, each
bounded by its own timeout and all by an overall budget; `report.py` prints them,
one line each, or as JSON, with every secret the settings hold taken out.
"""
