"""Judge: the kata's knowledge. The plan (inputs and points), the reference's results, and the checks that score
what a child reported against them, with comparisons that say how much and where.
Takes a plan and decoded op results; gives scored checks, conventions seen and the analysis (judge.checks).
"""
