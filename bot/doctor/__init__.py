"""`dialbot doctor`: checks a real setup without placing a call.

`checks.py` holds the checks, one small function each, and the lists the doctor
runs, one per CXONE_API (a check may need others: it runs once they passed, and is
skipped otherwise); `cxone_checks.py` the CXone ones: a token, in agent mode the
discovered API host and tenant, and one read each of the agents and state APIs.
`runner.py` runs them at once, each bounded by its own timeout and all by an overall
budget; `report.py` prints them, one line each, or as JSON, with every secret the
settings hold taken out.
"""
